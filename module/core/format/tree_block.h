// A tree block (node or leaf): struct btrfs_header followed, in a leaf, by
// an array of struct btrfs_item whose data sits at the end of the block, or,
// in a node, by an array of struct btrfs_key_ptr. The checksum in the
// header covers everything after the csum field, to the end of the block.
//
// over() checks the layout once: item array and every item's data inside
// the block, keys in strictly ascending order. Accessors then read within
// bounds for any index below nritems().
#pragma once

#include "module/core/format/key.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::format {

class TreeBlockView {
public:
	static constexpr usize kHeaderSize = sizeof(btrfs_header);

	// Checks the layout of a block of nodesize bytes; the error names the
	// bytenr the caller read it from.
	static Result<TreeBlockView> over(Bytes block, u64 read_bytenr);

	const u8* csum() const { return base() + offsetof(btrfs_header, csum); }
	const u8* fsid() const { return base() + offsetof(btrfs_header, fsid); }
	u64 bytenr() const { return BSEND_FIELD(base(), btrfs_header, bytenr); }
	u64 flags() const { return BSEND_FIELD(base(), btrfs_header, flags); }
	u64 generation() const { return BSEND_FIELD(base(), btrfs_header, generation); }
	u64 owner() const { return BSEND_FIELD(base(), btrfs_header, owner); }
	u32 nritems() const { return static_cast<u32>(BSEND_FIELD(base(), btrfs_header, nritems)); }
	u8 level() const { return static_cast<u8>(BSEND_FIELD(base(), btrfs_header, level)); }
	bool is_leaf() const { return level() == 0; }
	Bytes checksummed() const { return block_.subspan(BTRFS_CSUM_SIZE, block_.size() - BTRFS_CSUM_SIZE); }
	Bytes bytes() const { return block_; }

	// Leaf items.
	Key item_key(u32 slot) const { return read_disk_key(item(slot) + offsetof(btrfs_item, key)); }
	Bytes item_data(u32 slot) const
	{
		return block_.subspan(kHeaderSize + BSEND_FIELD(item(slot), btrfs_item, offset),
				      BSEND_FIELD(item(slot), btrfs_item, size));
	}

	// Node key pointers.
	Key ptr_key(u32 slot) const { return read_disk_key(ptr(slot) + offsetof(btrfs_key_ptr, key)); }
	u64 ptr_blockptr(u32 slot) const { return BSEND_FIELD(ptr(slot), btrfs_key_ptr, blockptr); }
	u64 ptr_generation(u32 slot) const { return BSEND_FIELD(ptr(slot), btrfs_key_ptr, generation); }

	Key key(u32 slot) const { return is_leaf() ? item_key(slot) : ptr_key(slot); }

private:
	explicit TreeBlockView(Bytes block) : block_(block) {}
	const u8* base() const { return block_.data(); }
	const u8* item(u32 slot) const { return base() + kHeaderSize + slot * sizeof(btrfs_item); }
	const u8* ptr(u32 slot) const { return base() + kHeaderSize + slot * sizeof(btrfs_key_ptr); }

	Bytes block_;
};

} // namespace bsend::format
