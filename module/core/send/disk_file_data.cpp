#include "module/core/send/disk_file_data.h"

#include "module/core/format/items.h"
#include "module/core/support/bytes.h"
#include "module/core/support/checked.h"
#include "module/core/support/errno.h"
#include "module/core/tree/raid_parity.h"

namespace bsend::send {

namespace {

// A compressed extent holds at most 128 KiB of data (BTRFS_MAX_UNCOMPRESSED);
// anything larger on disk is corrupt, not a reason to allocate.
constexpr u64 kMaxUncompressed = 128 * 1024;

} // namespace

Result<void> DiskFileData::read_raw(const ExtentPiece& piece, u64 logical, u8* buffer, usize length)
{
	// One read per stripe element in a striped chunk.
	while (length > 0) {
		u64 contiguous = TRY(fs_.contiguous_bytes(logical));
		usize part = contiguous < length ? static_cast<usize>(contiguous) : length;
		auto mapping = TRY(fs_.map(logical, part));
		int ret = -err::kIo;
		u32 copy = 0;
		for (; copy < mapping.num_copies && ret < 0; copy++)
			ret = bsend_host_read(fs_.host(), mapping.copies[copy].devid, mapping.copies[copy].physical,
					      buffer, part);
		if (ret < 0 && mapping.row_data > 0 && rebuild_element(mapping, buffer, part))
			ret = 0;
		if (ret < 0)
			return Error::make(-ret, "cannot read file data")
				.at_ino(piece.ino)
				.at_bytenr(logical)
				.on_device(mapping.copies[copy - 1].devid);
		logical += part;
		buffer += part;
		length -= part;
	}
	return {};
}

bool DiskFileData::rebuild_element(const tree::Mapping& mapping, u8* buffer, usize length)
{
	const u32 size = mapping.row_size();
	if (!row_bytes_.resize((size + 1) * length).is_ok())
		return false;
	const u8* elements[tree::kMaxRowStripes] = {};
	for (u32 s = 0; s < size; s++) {
		u8* element = row_bytes_.data() + s * length;
		if (s != mapping.row_target &&
		    bsend_host_read(fs_.host(), mapping.row[s].devid, mapping.row[s].physical, element, length) == 0)
			elements[s] = element;
	}
	const tree::RowShape shape{mapping.row_data, mapping.row_parity, mapping.row_target};
	return tree::rebuild_data_element(shape, elements, length, buffer, row_bytes_.data() + size * length).is_ok();
}

Result<void> DiskFileData::decompress(const ExtentPiece& piece)
{
	u64 key = piece.inline_data.empty() ? piece.disk_bytenr : 0;
	if (key == extent_key_ && piece.ino == extent_ino_ && extent_.size() == piece.ram_bytes)
		return {};
	if (piece.ram_bytes == 0 || piece.ram_bytes > kMaxUncompressed)
		return Error::make(err::kCorrupt, "compressed extent size out of range")
			.at_ino(piece.ino)
			.at_bytenr(piece.disk_bytenr)
			.mismatch(kMaxUncompressed, piece.ram_bytes);
	Bytes input = piece.inline_data;
	if (input.empty()) {
		if (piece.disk_num_bytes == 0 || piece.disk_num_bytes > kMaxUncompressed)
			return Error::make(err::kCorrupt, "compressed extent disk size out of range")
				.at_ino(piece.ino)
				.at_bytenr(piece.disk_bytenr)
				.mismatch(kMaxUncompressed, piece.disk_num_bytes);
		TRY(compressed_.resize(piece.disk_num_bytes));
		TRY(read_raw(piece, piece.disk_bytenr, compressed_.data(), compressed_.size()));
		input = Bytes(compressed_.data(), compressed_.size());
	}
	extent_key_ = ~0ull;
	TRY(extent_.resize(piece.ram_bytes));
	int ret = bsend_host_decompress(piece.compression, input.data(), input.size(), extent_.data(), extent_.size());
	if (ret < 0)
		return Error::make(-ret, "cannot decompress a file extent")
			.at_ino(piece.ino)
			.at_bytenr(piece.disk_bytenr)
			.mismatch(piece.ram_bytes, input.size());
	extent_key_ = key;
	extent_ino_ = piece.ino;
	return {};
}

Result<void> DiskFileData::read(const ExtentPiece& piece, u8* buffer, usize length)
{
	if (piece.compression == format::kCompressNone) {
		if (!range_inside(piece.extent_offset, length, piece.disk_num_bytes))
			return Error::make(err::kCorrupt, "file extent piece outside its disk extent")
				.at_ino(piece.ino)
				.at_bytenr(piece.disk_bytenr)
				.mismatch(piece.disk_num_bytes, piece.extent_offset + length);
		return read_raw(piece, piece.disk_bytenr + piece.extent_offset, buffer, length);
	}
	TRY(decompress(piece));
	if (!range_inside(piece.extent_offset, length, extent_.size()))
		return Error::make(err::kCorrupt, "file extent piece outside its decompressed extent")
			.at_ino(piece.ino)
			.at_bytenr(piece.disk_bytenr)
			.mismatch(extent_.size(), piece.extent_offset + length);
	copy_bytes(buffer, extent_.data() + piece.extent_offset, length);
	return {};
}

} // namespace bsend::send
