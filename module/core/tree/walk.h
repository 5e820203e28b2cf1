// Visits every block of one tree, depth first, each node before its
// children and children in key order (the order of dump-tree --dfs). The
// stack is explicit and bounded by BTRFS_MAX_LEVEL, never by the tree.
// Leaves are read ahead, in batches of the next leaves of their node. Blocks
// must come in key order at each level (LevelKeyOrder), so no block is
// visited twice.
#pragma once

#include "module/core/tree/filesystem.h"
#include "module/core/tree/level_key_order.h"
#include "module/core/tree/read_ahead.h"

namespace bsend::tree {

// visit(const format::TreeBlockView&) -> Result<void> is called per block.
template <typename Visit> Result<void> walk_blocks(Filesystem& fs, const TreeRoot& root, Visit&& visit)
{
	struct Frame {
		BlockRef block;
		u32 next_slot = 0;
	};
	Frame stack[BTRFS_MAX_LEVEL];
	int depth = 0;
	LevelKeyOrder order;
	stack[0].block = TRY(fs.read_block(root_expectation(root)));
	TRY(order.enter(stack[0].block->view()));
	TRY(visit(stack[0].block->view()));
	while (depth >= 0) {
		Frame& frame = stack[depth];
		const format::TreeBlockView& node = frame.block->view();
		if (node.is_leaf() || frame.next_slot >= node.nritems()) {
			frame.block = BlockRef();
			depth--;
			continue;
		}
		u32 slot = frame.next_slot++;
		if (node.level() == 1)
			TRY(read_ahead_children(fs, node, slot, root.tree_id));
		Frame& child = stack[depth + 1];
		child.block = TRY(fs.read_block(child_expectation(node, slot, root.tree_id)));
		child.next_slot = 0;
		TRY(order.enter(child.block->view()));
		TRY(visit(child.block->view()));
		depth++;
	}
	return {};
}

} // namespace bsend::tree
