// Bounds-checked accessors over the raw bytes of a btrfs superblock
// (struct btrfs_super_block, linux/btrfs_tree.h). The whole block is 4096
// bytes; the checksum in its first BTRFS_CSUM_SIZE bytes covers the rest.
#pragma once

#include "module/core/format/uapi.h"
#include "module/core/support/endian.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::format {

class SuperblockView {
public:
	static constexpr usize kSize = BSEND_SUPER_SIZE;
	static constexpr usize kFsidSize = BTRFS_FSID_SIZE;

	// Fails with -EUCLEAN unless bytes holds a whole superblock.
	static Result<SuperblockView> over(Bytes bytes);

	u64 magic() const { return u64_at(offsetof(btrfs_super_block, magic)); }
	u64 bytenr() const { return u64_at(offsetof(btrfs_super_block, bytenr)); }
	u64 generation() const { return u64_at(offsetof(btrfs_super_block, generation)); }
	u64 num_devices() const { return u64_at(offsetof(btrfs_super_block, num_devices)); }
	u16 csum_type() const { return load_le16(at(offsetof(btrfs_super_block, csum_type))); }
	u32 sectorsize() const { return u32_at(offsetof(btrfs_super_block, sectorsize)); }
	u32 nodesize() const { return u32_at(offsetof(btrfs_super_block, nodesize)); }
	u64 devid() const
	{
		return u64_at(offsetof(btrfs_super_block, dev_item) + offsetof(btrfs_dev_item, devid));
	}
	u64 root() const { return u64_at(offsetof(btrfs_super_block, root)); }
	u8 root_level() const { return at(offsetof(btrfs_super_block, root_level))[0]; }
	u64 chunk_root() const { return u64_at(offsetof(btrfs_super_block, chunk_root)); }
	u8 chunk_root_level() const { return at(offsetof(btrfs_super_block, chunk_root_level))[0]; }
	u64 chunk_root_generation() const
	{
		return u64_at(offsetof(btrfs_super_block, chunk_root_generation));
	}
	u64 incompat_flags() const { return u64_at(offsetof(btrfs_super_block, incompat_flags)); }
	u32 sys_chunk_array_size() const { return u32_at(offsetof(btrfs_super_block, sys_chunk_array_size)); }
	// The bootstrap chunk items; empty if the recorded size is too large.
	Bytes sys_chunk_array() const
	{
		return bytes_.subspan(offsetof(btrfs_super_block, sys_chunk_array), sys_chunk_array_size());
	}
	const u8* fsid() const { return at(offsetof(btrfs_super_block, fsid)); }
	const u8* metadata_uuid() const { return at(offsetof(btrfs_super_block, metadata_uuid)); }
	// The uuid every tree block header carries.
	const u8* metadata_fsid() const
	{
		return (incompat_flags() & BTRFS_FEATURE_INCOMPAT_METADATA_UUID) ? metadata_uuid() : fsid();
	}
	const u8* stored_csum() const { return at(offsetof(btrfs_super_block, csum)); }

	// The bytes the checksum covers: everything after the csum field.
	Bytes checksummed() const { return bytes_.subspan(BTRFS_CSUM_SIZE, kSize - BTRFS_CSUM_SIZE); }

private:
	explicit SuperblockView(Bytes bytes) : bytes_(bytes) {}
	const u8* at(usize offset) const { return bytes_.data() + offset; }
	u32 u32_at(usize offset) const { return load_le32(at(offset)); }
	u64 u64_at(usize offset) const { return load_le64(at(offset)); }

	Bytes bytes_;
};

} // namespace bsend::format
