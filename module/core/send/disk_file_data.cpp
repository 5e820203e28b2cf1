#include "module/core/send/disk_file_data.h"

#include "module/core/format/items.h"
#include "module/core/support/checked.h"
#include "module/core/support/errno.h"

namespace bsend::send {

Result<void> DiskFileData::read(const ExtentPiece& piece, u8* buffer, usize length)
{
	if (piece.compression != format::kCompressNone)
		return Error::make(err::kNotSupported, "compressed extents are not readable offline yet")
			.at_ino(piece.ino)
			.at_bytenr(piece.disk_bytenr);
	if (!range_inside(piece.extent_offset, length, piece.disk_num_bytes))
		return Error::make(err::kCorrupt, "file extent piece outside its disk extent")
			.at_ino(piece.ino)
			.at_bytenr(piece.disk_bytenr)
			.mismatch(piece.disk_num_bytes, piece.extent_offset + length);
	u64 logical = piece.disk_bytenr + piece.extent_offset;
	auto mapping = TRY(fs_.map(logical, length));
	int ret = -err::kIo;
	for (u32 copy = 0; copy < mapping.num_copies && ret < 0; copy++)
		ret = bsend_host_read(fs_.host(), mapping.copies[copy].devid, mapping.copies[copy].physical, buffer,
				      length);
	if (ret < 0)
		return Error::make(-ret, "cannot read file data").at_ino(piece.ino).at_bytenr(logical);
	return {};
}

} // namespace bsend::send
