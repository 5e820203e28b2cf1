// Which file extent items point at a data extent, found from its backrefs:
// the items of one leaf (the parent of a shared data ref), and the items of
// one inode at one backref offset in one subvolume tree (what an extent
// data ref, or an item of a shared leaf, stands for in a tree that may
// share that leaf).
#pragma once

#include "module/core/support/hash_map.h"
#include "module/core/support/vec.h"
#include "module/core/tree/filesystem.h"

namespace bsend::tree {

// One file extent item of an allowed root that points at the data extent.
struct ExtentRef {
	u64 root = 0;		// the subvolume tree
	u64 ino = 0;
	u64 file_offset = 0;	// the item's key offset
	u64 extent_offset = 0;	// btrfs_file_extent_item.offset: where in the extent its bytes begin
	u64 num_bytes = 0;	// btrfs_file_extent_item.num_bytes: how many it maps
};

// The inode and offset an extent data ref records for a file extent item:
// the item's key offset minus its extent offset, in u64 arithmetic (so it
// wraps below 0 for an item that maps the extent from a file offset smaller
// than its extent offset, which reflinks make).
struct BackrefKey {
	u64 ino = 0;
	u64 offset = 0;

	bool operator==(const BackrefKey& other) const { return ino == other.ino && offset == other.offset; }
	friend u64 hash_of(const BackrefKey& key) { return bsend::hash_of(key.ino * 0x9e3779b97f4a7c15ull ^ key.offset); }
};

// The backref keys of the file extent items in the leaf at leaf_bytenr that
// point at disk_bytenr, appended to *keys (one per item). The leaf is read
// with the generation its extent item records and validated as any tree
// block is.
Result<void> backref_keys_in_leaf(Filesystem& fs, const TreeRoot& extent_root, u64 leaf_bytenr, u64 disk_bytenr,
				  Vec<BackrefKey>* keys);

// The file extent items of root at (key.ino, EXTENT_DATA, o) that point at
// disk_bytenr and whose o minus extent offset is key.offset, appended to
// *refs. Only offsets o in [key.offset, key.offset + span) can match, span
// being a bound of the extent offsets (the extent's decompressed size):
// the scan reads no item past it.
Result<void> find_file_extent_refs(Filesystem& fs, const TreeRoot& root, const BackrefKey& key, u64 disk_bytenr,
				   u64 span, Vec<ExtentRef>* refs);

} // namespace bsend::tree
