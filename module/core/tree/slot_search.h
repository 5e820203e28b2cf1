// Binary searches for a key inside one tree block, shared by the tree path
// and the tree compare.
#pragma once

#include "module/core/format/tree_block.h"

namespace bsend::tree {

// Index of the last key pointer <= key in a node, or 0 when all are greater.
inline u32 node_slot(const format::TreeBlockView& node, const format::Key& key)
{
	u32 low = 0, high = node.nritems();
	while (low < high) {
		u32 mid = low + (high - low) / 2;
		if (node.ptr_key(mid) <= key)
			low = mid + 1;
		else
			high = mid;
	}
	return low ? low - 1 : 0;
}

// Index of the first item with key >= key in a leaf (nritems if none).
inline u32 leaf_slot(const format::TreeBlockView& leaf, const format::Key& key)
{
	u32 low = 0, high = leaf.nritems();
	while (low < high) {
		u32 mid = low + (high - low) / 2;
		if (leaf.item_key(mid) < key)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

} // namespace bsend::tree
