// The order of keys across the blocks of each level of one tree. A walk that
// goes forward (a scan, or a compare's cursor) enters the blocks of a level
// in key order: each one must start after the last key of the block entered
// at that level before it. With first keys checked against parent pointers
// (Filesystem::read_block), this keeps a walk from entering any block twice,
// however a crafted node's pointers name subtrees, so a walk costs what the
// tree holds and never more.
#pragma once

#include "module/core/format/tree_block.h"
#include "module/core/support/errno.h"
#include "module/core/support/result.h"

namespace bsend::tree {

class LevelKeyOrder {
public:
	// Forgets every level: the walk starts again from a root.
	void reset()
	{
		for (bool& entered : entered_)
			entered = false;
	}

	// The walk enters block; an error when the block does not start after
	// what the walk saw at its level.
	Result<void> enter(const format::TreeBlockView& block)
	{
		u8 level = block.level();
		if (block.nritems() == 0)
			return {};
		if (entered_[level] && !(last_key_[level] < block.key(0)))
			return Error::make(err::kCorrupt, "tree blocks of one level out of key order")
				.at_bytenr(block.bytenr())
				.mismatch(last_key_[level].objectid, block.key(0).objectid);
		last_key_[level] = block.key(block.nritems() - 1);
		entered_[level] = true;
		return {};
	}

private:
	format::Key last_key_[BTRFS_MAX_LEVEL];
	bool entered_[BTRFS_MAX_LEVEL] = {};
};

} // namespace bsend::tree
