// The parts of the newest primary superblock the reader works from.
#pragma once

#include "module/core/format/superblock.h"
#include "module/core/platform.h"
#include "module/core/support/result.h"

namespace bsend::tree {

struct FsSuper {
	u64 generation = 0;
	u64 root = 0;
	u8 root_level = 0;
	u64 chunk_root = 0;
	u8 chunk_root_level = 0;
	u64 chunk_root_generation = 0;
	u32 nodesize = 0;
	u32 sectorsize = 0;
	u16 csum_type = 0;
	u32 csum_size = 0;
	u8 fsid[BTRFS_FSID_SIZE] = {};
	u8 metadata_fsid[BTRFS_FSID_SIZE] = {};
	u32 sys_chunk_array_size = 0;
	u8 sys_chunk_array[BTRFS_SYSTEM_CHUNK_ARRAY_SIZE] = {};
};

// Reads and validates the primary superblock through the host (magic,
// bytenr, checksum, sizes, levels) into *out, which it leaves as it was
// when the superblock fails them.
Result<void> read_super(bsend_host_fs* host, FsSuper* out);

} // namespace bsend::tree
