#include "module/core/tree/compare.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/read_ahead.h"
#include "module/core/tree/slot_search.h"

namespace bsend::tree {

void TreeCompare::Cursor::release()
{
	for (BlockRef& node : nodes)
		node = BlockRef();
}

void TreeCompare::Cursor::step_over()
{
	while (++slots[level] >= block().nritems()) {
		if (level == root.level) {
			ended = true;
			release();
			return;
		}
		nodes[level] = BlockRef();
		level++;
	}
}

Result<void> TreeCompare::start(Cursor& cursor)
{
	const TreeRoot& root = cursor.root;
	cursor.release();
	cursor.ended = false;
	if (root.level >= BTRFS_MAX_LEVEL)
		return Error::make(err::kCorrupt, "tree root level out of range")
			.at_bytenr(root.bytenr)
			.mismatch(BTRFS_MAX_LEVEL - 1, root.level);
	cursor.level = root.level;
	cursor.slots[root.level] = 0;
	cursor.nodes[root.level] = TRY(fs_.read_block(root_expectation(root)));
	cursor.order.reset();
	TRY(cursor.order.enter(cursor.block()));
	if (cursor.block().nritems() == 0) {
		cursor.ended = true;
		cursor.release();
	}
	return {};
}

namespace {

// Whether the node a cursor stands in at level is the last of its level in
// the tree: every node above it is at its last slot.
bool is_last_of_level(const BlockRef* nodes, const u32* slots, u8 level, u8 root_level)
{
	for (u8 above = static_cast<u8>(level + 1); above <= root_level; above++)
		if (slots[above] + 1 < nodes[above]->view().nritems())
			return false;
	return true;
}

bool same_pointer(const format::TreeBlockView& a, u32 a_slot, const format::TreeBlockView& b, u32 b_slot)
{
	return a.ptr_blockptr(a_slot) == b.ptr_blockptr(b_slot) &&
	       a.ptr_generation(a_slot) == b.ptr_generation(b_slot);
}

} // namespace

Result<void> TreeCompare::read_ahead_leaves(const Cursor& cursor, const Cursor& other)
{
	u32 slot = cursor.slots[1];
	return read_ahead_stepping_into(fs_, child_expectation(cursor.block(), slot, cursor.root.tree_id), slot,
					[&](u32 from) { return leaves_to_visit(cursor, other, from); });
}

Result<ReadAheadBatch> TreeCompare::leaves_to_visit(const Cursor& cursor, const Cursor& other, u32 slot)
{
	const format::TreeBlockView& node = cursor.block();
	u64 tree_id = cursor.root.tree_id;
	auto batch = TRY(ReadAheadBatch::make(fs_.read_ahead_limit()));
	// The other tree's level-1 node tells which of the next leaves are
	// shared and will be stepped over. With no such node (the other tree
	// ended, or is one leaf) every leaf is visited; past the end of that
	// node, which leaves are shared is not known yet, unless it is the
	// other tree's last node.
	const format::TreeBlockView* theirs = nullptr;
	bool theirs_is_last = true;
	if (!other.ended && other.root.level >= 1) {
		if (other.level > 1)
			return batch;
		theirs = &other.nodes[1]->view();
		theirs_is_last = is_last_of_level(other.nodes, other.slots, 1, other.root.level);
	}
	u32 j = theirs ? other.slots[1] : 0;
	for (u32 i = slot; i < node.nritems() && !batch.full(); i++) {
		if (theirs && i > cursor.slots[1]) {
			format::Key key = node.key(i);
			while (j < theirs->nritems() && theirs->key(j) < key)
				j++;
			if (j >= theirs->nritems() && !theirs_is_last)
				break;
			if (j < theirs->nritems() && theirs->key(j) == key && same_pointer(node, i, *theirs, j))
				continue;
		}
		tree::BlockExpectation leaf = child_expectation(node, i, tree_id);
		if (!fs_.is_cached(leaf))
			batch.add(leaf);
	}
	return batch;
}

Result<void> TreeCompare::down(Cursor& cursor, const Cursor* other)
{
	const format::TreeBlockView& node = cursor.block();
	u32 slot = cursor.slots[cursor.level];
	u8 child_level = static_cast<u8>(cursor.level - 1);
	if (other && child_level == 0)
		TRY(read_ahead_leaves(cursor, *other));
	BlockRef child = TRY(fs_.read_block(child_expectation(node, slot, cursor.root.tree_id)));
	TRY(cursor.order.enter(child->view()));
	cursor.nodes[child_level] = bsend::move(child);
	cursor.slots[child_level] = 0;
	cursor.level = child_level;
	return {};
}

Result<void> TreeCompare::apply_move(Cursor& cursor, Move how, const Cursor& other)
{
	switch (how) {
	case Move::kStay:
		break;
	case Move::kStepOver:
		cursor.step_over();
		break;
	case Move::kDown:
		if (pacer_)
			TRY(pacer_->entered_block());
		TRY(down(cursor, &other));
		break;
	}
	return {};
}

Result<void> TreeCompare::seek_after(Cursor& cursor, const format::Key& key)
{
	TRY(start(cursor));
	if (cursor.ended)
		return {};
	format::Key from;
	if (!key.successor(&from)) {
		cursor.ended = true;
		cursor.release();
		return {};
	}
	while (cursor.level > 0) {
		cursor.slots[cursor.level] = node_slot(cursor.block(), from);
		TRY(down(cursor, nullptr));
	}
	u32 nritems = cursor.block().nritems();
	u32 slot = leaf_slot(cursor.block(), from);
	if (slot < nritems) {
		cursor.slots[0] = slot;
		return {};
	}
	// Every key of this leaf is smaller: the next unseen position is the
	// pointer after it, whose keys are all past `from`.
	cursor.slots[0] = nritems - 1;
	cursor.step_over();
	return {};
}

Result<bool> TreeCompare::report(TreeChange* change, ChangeKind kind)
{
	const Cursor& from = kind == ChangeKind::kDeleted ? right_ : left_;
	format::Key key = from.key();
	if (reported_any_ && !(last_reported_ < key))
		return Error::make(err::kCorrupt, "tree keys out of order across blocks").at_bytenr(from.block().bytenr());
	change->kind = kind;
	change->key = key;
	change->left = kind == ChangeKind::kDeleted ? Bytes() : left_.block().item_data(left_.slots[0]);
	change->right = kind == ChangeKind::kNew ? Bytes() : right_.block().item_data(right_.slots[0]);
	last_reported_ = key;
	reported_any_ = true;
	retried_since_report_ = false;
	return true;
}

Result<bool> TreeCompare::step(TreeChange* change)
{
	if (!started_) {
		TRY(start(left_));
		TRY(start(right_));
		started_ = true;
	}
	while (true) {
		Move left_move = left_move_, right_move = right_move_;
		left_move_ = right_move_ = Move::kStay;
		TRY(apply_move(left_, left_move, right_));
		TRY(apply_move(right_, right_move, left_));

		if (left_.ended && right_.ended)
			return false;
		if (left_.ended || right_.ended) {
			// What is left of one tree differs entirely: go down to
			// its leaves and report each item.
			Cursor& rest = left_.ended ? right_ : left_;
			Move& rest_move = left_.ended ? right_move_ : left_move_;
			if (rest.level > 0) {
				rest_move = Move::kDown;
				continue;
			}
			rest_move = Move::kStepOver;
			return report(change, left_.ended ? ChangeKind::kDeleted : ChangeKind::kNew);
		}
		// Keys are only comparable between positions of one level.
		if (left_.level != right_.level) {
			(left_.level > right_.level ? left_move_ : right_move_) = Move::kDown;
			continue;
		}

		int order = left_.key().compare(right_.key());
		if (left_.level == 0) {
			if (order < 0) {
				left_move_ = Move::kStepOver;
				return report(change, ChangeKind::kNew);
			}
			if (order > 0) {
				right_move_ = Move::kStepOver;
				return report(change, ChangeKind::kDeleted);
			}
			left_move_ = right_move_ = Move::kStepOver;
			Bytes left = left_.block().item_data(left_.slots[0]);
			Bytes right = right_.block().item_data(right_.slots[0]);
			if (left.size() != right.size() || !bytes_equal(left.data(), right.data(), left.size()))
				return report(change, ChangeKind::kChanged);
			continue;
		}

		if (order < 0) {
			left_move_ = Move::kDown;
		} else if (order > 0) {
			right_move_ = Move::kDown;
		} else {
			const format::TreeBlockView& left_node = left_.block();
			const format::TreeBlockView& right_node = right_.block();
			u32 left_slot = left_.slots[left_.level], right_slot = right_.slots[right_.level];
			bool shared = left_node.ptr_blockptr(left_slot) == right_node.ptr_blockptr(right_slot) &&
				      left_node.ptr_generation(left_slot) == right_node.ptr_generation(right_slot);
			left_move_ = right_move_ = shared ? Move::kStepOver : Move::kDown;
		}
	}
}

Result<bool> TreeCompare::recover(const Error& error)
{
	if (error.errno_value != err::kCorrupt || retried_since_report_)
		return false;
	retried_since_report_ = true;
	// Another reader of fs may have moved it on already.
	TRY(fs_.refresh());
	if (fs_.super().generation == rooted_at_)
		return false;
	rooted_at_ = fs_.super().generation;
	left_.root = TRY(fs_.tree_root(left_.root.tree_id));
	right_.root = TRY(fs_.tree_root(right_.root.tree_id));
	left_move_ = right_move_ = Move::kStay;
	started_ = true;
	if (!reported_any_) {
		TRY(start(left_));
		TRY(start(right_));
		return true;
	}
	TRY(seek_after(left_, last_reported_));
	TRY(seek_after(right_, last_reported_));
	return true;
}

Result<bool> TreeCompare::next(TreeChange* change)
{
	while (true) {
		auto found = step(change);
		if (found.is_ok())
			return found.value();
		if (!TRY(recover(found.error())))
			return found.error();
	}
}

} // namespace bsend::tree
