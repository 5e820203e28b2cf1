// A validated tree block in memory, shared by the block cache and the tree
// paths that hold it.
#pragma once

#include "module/core/format/tree_block.h"
#include "module/core/support/ref_ptr.h"
#include "module/core/support/vec.h"
#include "module/core/tree/block_buffers.h"

namespace bsend::tree {

class TreeBlock : public RefCounted<TreeBlock> {
public:
	// The bytes must already be validated (Filesystem does it); they go
	// back to pool when the block is freed.
	TreeBlock(BlockBuffer bytes, format::TreeBlockView view, RefPtr<BlockBufferPool> pool)
		: bytes_(bsend::move(bytes)), view_(view), pool_(bsend::move(pool))
	{
	}
	~TreeBlock() { pool_->give_back(bsend::move(bytes_)); }
	TreeBlock(const TreeBlock&) = delete;
	TreeBlock& operator=(const TreeBlock&) = delete;

	const format::TreeBlockView& view() const { return view_; }

private:
	BlockBuffer bytes_;
	format::TreeBlockView view_;	// over bytes_
	RefPtr<BlockBufferPool> pool_;
};

using BlockRef = RefPtr<TreeBlock>;

// What the parent says a child block must be: where it is, the generation
// that wrote it, its level, which tree it belongs to, and the key its
// pointer has, which must be the child's first (as btrfs checks first_key).
// A root, which no pointer names, has no first key to match.
struct BlockExpectation {
	u64 bytenr = 0;
	u64 generation = 0;
	u8 level = 0;
	u64 tree_id = 0;
	format::Key first_key;
	bool has_first_key = false;
};

// What the key pointer at slot of node (a node of tree tree_id) expects of
// the child it points to.
inline BlockExpectation child_expectation(const format::TreeBlockView& node, u32 slot, u64 tree_id)
{
	return {node.ptr_blockptr(slot), node.ptr_generation(slot), static_cast<u8>(node.level() - 1), tree_id,
		node.ptr_key(slot), true};
}

} // namespace bsend::tree
