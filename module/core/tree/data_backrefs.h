// The backrefs of one data extent, as the extent tree records them: the
// EXTENT_ITEM at (disk_bytenr, EXTENT_ITEM, num_bytes), the refs inline in
// it, and the keyed refs that follow it in key order. A data extent has two
// kinds of them:
//  - indirect, EXTENT_DATA_REF (root, objectid = inode, offset = file
//    offset minus the extent offset of the file extent item, count): some
//    file extent item at (inode, EXTENT_DATA, offset + its extent offset) in
//    a leaf reached from that root, and in every snapshot sharing the leaf;
//  - shared, SHARED_DATA_REF (parent = bytenr of a leaf, count): file extent
//    items in that leaf, which a snapshot shares and whose own refs the COW
//    of a shared leaf turned into this one.
// Reads only the extent tree; resolving the refs to file extent items is
// file_extent_refs.h's job.
#pragma once

#include "module/core/support/vec.h"
#include "module/core/tree/filesystem.h"

namespace bsend::tree {

struct DataBackref {
	enum class Kind : u8 { kIndirect, kShared };
	Kind kind = Kind::kIndirect;
	u64 root = 0;		// kIndirect: the tree the ref was recorded under
	u64 ino = 0;		// kIndirect: the inode
	u64 offset = 0;		// kIndirect: file offset minus extent offset (may wrap below 0)
	u64 parent = 0;		// kShared: bytenr of the leaf
	u64 count = 0;		// file extent items the ref stands for
};

struct DataExtent {
	u64 bytenr = 0;
	u64 num_bytes = 0;	// on disk (the EXTENT_ITEM key offset)
	u64 refs = 0;		// the extent item's reference count
	u64 generation = 0;
	bool all_backrefs = true;	// false: more than the limit asked for
};

// The extent at disk_bytenr and its backrefs, inline and keyed, in on-disk
// order, appended to *refs: at most limit of them (then all_backrefs is
// false when the extent has more). -ENOENT (at disk_bytenr) when no
// extent starts there, -EUCLEAN when the item is not a data extent's or a
// ref does not fit or has a type data extents do not have.
Result<DataExtent> read_data_backrefs(Filesystem& fs, const TreeRoot& extent_root, u64 disk_bytenr,
				      Vec<DataBackref>* refs, usize limit = ~usize(0));

// The generation of the tree block at bytenr, from its extent item
// (METADATA_ITEM, or EXTENT_ITEM without skinny metadata): the transaction
// that allocated it, which is the generation in its header. -ENOENT when
// the extent tree has no tree block there.
Result<u64> tree_block_generation(Filesystem& fs, const TreeRoot& extent_root, u64 bytenr);

} // namespace bsend::tree
