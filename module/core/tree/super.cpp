#include "module/core/tree/super.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/support/vec.h"
#include "module/core/tree/device_super.h"

namespace bsend::tree {

namespace {

u32 csum_size_of(u16 csum_type)
{
	switch (csum_type) {
	case BSEND_CSUM_CRC32C: return 4;
	case BSEND_CSUM_XXHASH64: return 8;
	default: return 32;
	}
}


} // namespace

Result<void> read_super(bsend_host_fs* host, FsSuper* out)
{
	Vec<u8> buf;
	TRY(buf.resize(BSEND_SUPER_SIZE));
	int ret = bsend_host_read(host, BSEND_ANY_DEVICE, BSEND_SUPER_OFFSET, buf.data(), buf.size());
	if (ret < 0)
		return Error::make(-ret, "cannot read the primary superblock").at_bytenr(BSEND_SUPER_OFFSET);
	Bytes bytes(buf.data(), buf.size());
	auto view = TRY(format::SuperblockView::over(bytes));
	// Its magic, checksum and sizes; the fsid is whatever it bears, which
	// the module checked on every device it took (an image is what the
	// user names), and tree blocks are checked against below.
	TRY(check_device_super(bytes, Span<const u8>()));

	if (view.root_level() >= BTRFS_MAX_LEVEL || view.chunk_root_level() >= BTRFS_MAX_LEVEL)
		return Error::make(err::kCorrupt, "superblock root level out of range")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(BTRFS_MAX_LEVEL - 1, view.root_level());
	if (view.sys_chunk_array_size() > BTRFS_SYSTEM_CHUNK_ARRAY_SIZE)
		return Error::make(err::kCorrupt, "superblock system chunk array too large")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(BTRFS_SYSTEM_CHUNK_ARRAY_SIZE, view.sys_chunk_array_size());

	out->generation = view.generation();
	out->root = view.root();
	out->root_level = view.root_level();
	out->chunk_root = view.chunk_root();
	out->chunk_root_level = view.chunk_root_level();
	out->chunk_root_generation = view.chunk_root_generation();
	out->nodesize = view.nodesize();
	out->sectorsize = view.sectorsize();
	out->csum_type = view.csum_type();
	out->csum_size = csum_size_of(view.csum_type());
	copy_bytes(out->fsid, view.fsid(), BTRFS_FSID_SIZE);
	copy_bytes(out->metadata_fsid, view.metadata_fsid(), BTRFS_FSID_SIZE);
	out->sys_chunk_array_size = view.sys_chunk_array_size();
	copy_bytes(out->sys_chunk_array, view.sys_chunk_array().data(), view.sys_chunk_array_size());
	return {};
}

} // namespace bsend::tree
