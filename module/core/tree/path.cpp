#include "module/core/tree/path.h"

#include "module/core/support/errno.h"
#include "module/core/tree/read_ahead.h"
#include "module/core/tree/slot_search.h"

namespace bsend::tree {

void TreePath::release()
{
	for (BlockRef& node : nodes_)
		node = BlockRef();
	positioned_ = false;
}

Result<BlockRef> TreePath::read_child(const format::TreeBlockView& node, u32 slot)
{
	return fs_.read_block(child_expectation(node, slot, root_.tree_id));
}

Result<void> TreePath::maybe_read_ahead(const format::TreeBlockView& node, u32 slot)
{
	if (!read_ahead_ || node.level() != 1)
		return {};
	return read_ahead_children(fs_, node, slot, root_.tree_id);
}

Result<bool> TreePath::recover(const Error& error)
{
	if (error.errno_value != err::kCorrupt)
		return false;
	// Another path may have moved the filesystem on already.
	TRY(fs_.refresh());
	if (fs_.super().generation == rooted_at_)
		return false;
	root_ = TRY(fs_.tree_root(root_.tree_id));
	rooted_at_ = fs_.super().generation;
	return true;
}

Result<void> TreePath::read_root()
{
	release();
	nodes_[root_.level] = TRY(fs_.read_block(root_expectation(root_)));
	return {};
}

Result<bool> TreePath::search_once(const format::Key& key)
{
	TRY(read_root());
	for (u8 level = root_.level; level > 0; level--) {
		const format::TreeBlockView& node = nodes_[level]->view();
		slots_[level] = node_slot(node, key);
		TRY(maybe_read_ahead(node, slots_[level]));
		nodes_[level - 1] = TRY(read_child(node, slots_[level]));
	}
	u32 nritems = leaf().nritems();
	if (nritems == 0)
		return false;
	slots_[0] = leaf_slot(leaf(), key);
	positioned_ = true;
	if (slots_[0] < nritems)
		return true;
	// Every key in this leaf is smaller: the answer is the first item of
	// the next leaf, if any.
	slots_[0] = nritems - 1;
	return step_once(Step::kNext);
}

Result<bool> TreePath::last_once()
{
	TRY(read_root());
	const format::TreeBlockView& root = nodes_[root_.level]->view();
	if (root.nritems() == 0)
		return false;
	slots_[root_.level] = root.nritems() - 1;
	TRY(descend_from(root_.level, Step::kPrev));
	positioned_ = true;
	return true;
}

Result<void> TreePath::descend_from(u8 level, Step step)
{
	for (; level > 0; level--) {
		const format::TreeBlockView& node = nodes_[level]->view();
		if (step == Step::kNext)
			TRY(maybe_read_ahead(node, slots_[level]));
		nodes_[level - 1] = TRY(read_child(node, slots_[level]));
		// Never empty: read_child checks that it starts at its pointer's key.
		const format::TreeBlockView& child = nodes_[level - 1]->view();
		slots_[level - 1] = step == Step::kNext ? 0 : child.nritems() - 1;
	}
	return {};
}

Result<bool> TreePath::step_once(Step step)
{
	if (!positioned_)
		return false;
	// The lowest level with a neighbour in the direction of the step.
	u8 level = 0;
	while (true) {
		u32 nritems = nodes_[level]->view().nritems();
		bool has_neighbour = step == Step::kNext ? slots_[level] + 1 < nritems : slots_[level] > 0;
		if (has_neighbour)
			break;
		if (level == root_.level) {
			positioned_ = false;
			return false;
		}
		level++;
	}
	if (step == Step::kNext)
		slots_[level]++;
	else
		slots_[level]--;
	positioned_ = false;
	TRY(descend_from(level, step));
	positioned_ = true;
	return true;
}

Result<bool> TreePath::step_in_order(Step step, const format::Key& from)
{
	if (!TRY(step_once(step)))
		return false;
	// Keys rise from leaf to leaf as they do within one: a node whose
	// pointers lead back into a subtree already walked (crafted, or a
	// block reused under the send) is caught at its first item, so no walk
	// visits a leaf twice.
	bool in_order = step == Step::kNext ? from < key() : key() < from;
	if (!in_order)
		return Error::make(err::kCorrupt, "tree keys out of order across leaves")
			.at_bytenr(leaf_bytenr())
			.mismatch(from.objectid, key().objectid);
	return true;
}

Result<bool> TreePath::search(const format::Key& key)
{
	auto again = [&] { return search_once(key); };
	return with_recovery(again, again);
}

Result<bool> TreePath::search_last_at_or_before(const format::Key& key)
{
	if (TRY(search(key))) {
		if (this->key() == key)
			return true;
		return prev();
	}
	auto last = [&] { return last_once(); };
	return with_recovery(last, last);
}

Result<bool> TreePath::next()
{
	if (!positioned_)
		return false;
	format::Key from = key();
	return with_recovery([&] { return step_in_order(Step::kNext, from); },
			     [&]() -> Result<bool> {
				     format::Key after;
				     if (!from.successor(&after))
					     return false;
				     return search_once(after);
			     });
}

Result<bool> TreePath::prev()
{
	if (!positioned_)
		return false;
	format::Key from = key();
	// Resumes at the last item before `from` in the newer tree.
	return with_recovery([&] { return step_in_order(Step::kPrev, from); },
			     [&]() -> Result<bool> {
				     if (!TRY(search_once(from)))
					     return last_once();
				     return step_once(Step::kPrev);
			     });
}

} // namespace bsend::tree
