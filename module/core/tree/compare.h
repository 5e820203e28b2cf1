// Compares two committed trees: "left", the snapshot being sent, and
// "right", the parent snapshot. Reports, in key order, every item that is
// only in left (new), only in right (deleted), or in both with other bytes
// (changed).
//
// Two cursors go down their trees together, each with an explicit stack of
// blocks bounded by BTRFS_MAX_LEVEL. Where both stand on node pointers of
// the same level and key that name the same block (bytenr and generation),
// the subtree is shared by the two snapshots and is stepped over unread;
// otherwise the cursor whose key is smaller, or whose level is higher, goes
// down. So the blocks read are the ones that differ, plus their parents: a
// tree compared with itself costs its root block.
//
// Leaves are read ahead: when a cursor goes down from a node into a leaf
// that is not cached, that leaf and the next ones of the node that the
// compare will visit (those whose pointers the other tree's node does not
// share) are read in one batch (Filesystem::read_ahead).
//
// Every block is read through Filesystem::read_block with what the parent
// pointer expects. A bad block (freed and reused under a long send, or
// corrupt) is told apart as TreePath does it: the newest superblock is
// re-read and, if it is a newer commit, both roots are resolved again and
// the compare resumes after the last key it reported, so nothing is
// reported twice. It retries once per reported key; a second bad block
// before the next report, or one with no newer commit, is the error.
#pragma once

#include "module/core/format/key.h"
#include "module/core/tree/filesystem.h"
#include "module/core/tree/level_key_order.h"
#include "module/core/tree/read_ahead.h"

namespace bsend::tree {

enum class ChangeKind : u8 {
	kNew,		// only in left
	kDeleted,	// only in right
	kChanged,	// in both, with other bytes
};

struct TreeChange {
	ChangeKind kind = ChangeKind::kNew;
	format::Key key;
	Bytes left;	// the item's bytes in left; empty when deleted
	Bytes right;	// the item's bytes in right; empty when new
};

// What a compare calls each time it goes down into a block: two trees
// that share no block but hold the same items (a parent received from
// another filesystem) are compared leaf by leaf with no difference to
// report, and the send must still reach its checkpoints (a signal, a
// cancel, the scheduler) in between.
class BlockPacer {
public:
	virtual Result<void> entered_block() = 0;

protected:
	~BlockPacer() = default;
};

class TreeCompare {
public:
	TreeCompare(Filesystem& fs, const TreeRoot& left, const TreeRoot& right, BlockPacer* pacer = nullptr)
		: fs_(fs), left_(left), right_(right), pacer_(pacer), rooted_at_(fs.super().generation)
	{
	}

	// The next difference, into *change; false when there is none left.
	// The bytes in *change stay valid until the next call.
	Result<bool> next(TreeChange* change);

	const TreeRoot& left_root() const { return left_.root; }
	const TreeRoot& right_root() const { return right_.root; }

private:
	// One tree's position: a node pointer or a leaf item at level.
	struct Cursor {
		explicit Cursor(const TreeRoot& tree_root) : root(tree_root) {}

		const format::TreeBlockView& block() const { return nodes[level]->view(); }
		format::Key key() const { return block().key(slots[level]); }
		// The next slot at this level, going up past the ends of blocks;
		// reads nothing.
		void step_over();
		void release();

		TreeRoot root;
		BlockRef nodes[BTRFS_MAX_LEVEL];
		u32 slots[BTRFS_MAX_LEVEL] = {};
		u8 level = 0;
		bool ended = false;
		LevelKeyOrder order;	// of the blocks this cursor went down into
	};

	// What a cursor does before the next comparison.
	enum class Move : u8 { kStay, kStepOver, kDown };

	Result<bool> step(TreeChange* change);
	Result<void> start(Cursor& cursor);
	// Goes down to the child at the cursor's slot; reads leaves ahead
	// against other's node, unless other is null.
	Result<void> down(Cursor& cursor, const Cursor* other);
	// Before down() into a leaf that is not cached: gets it, and the leaves
	// after it that the compare will visit, in one batch (the one in
	// flight, when it holds the leaf), then starts reading the next ones.
	Result<void> read_ahead_leaves(const Cursor& cursor, const Cursor& other);
	// The leaves of cursor's level-1 node from slot on that the compare
	// will visit (those other's node does not share) and that are not
	// cached, as many as a batch takes.
	Result<ReadAheadBatch> leaves_to_visit(const Cursor& cursor, const Cursor& other, u32 slot);
	Result<void> apply_move(Cursor& cursor, Move how, const Cursor& other);
	// Puts the cursor on the first item after key, from its root.
	Result<void> seek_after(Cursor& cursor, const format::Key& key);
	// After an error from step(): true when the trees were re-rooted at a
	// newer commit and the compare can go on.
	Result<bool> recover(const Error& error);
	Result<bool> report(TreeChange* change, ChangeKind kind);

	Filesystem& fs_;
	Cursor left_;
	Cursor right_;
	BlockPacer* pacer_;	// null: none
	Move left_move_ = Move::kStay;
	Move right_move_ = Move::kStay;
	bool started_ = false;
	bool reported_any_ = false;
	bool retried_since_report_ = false;
	u64 rooted_at_;		// the commit the two roots are of
	format::Key last_reported_;
};

// Calls visit(const TreeChange&) -> Result<void> for every difference, in
// key order, and pacer (if any) for every block entered. An error from
// either ends the compare and is returned.
template <typename Visit>
Result<void> compare_trees(Filesystem& fs, const TreeRoot& left, const TreeRoot& right, Visit&& visit,
			   BlockPacer* pacer = nullptr)
{
	TreeCompare compare(fs, left, right, pacer);
	TreeChange change;
	while (TRY(compare.next(&change)))
		TRY(visit(static_cast<const TreeChange&>(change)));
	return {};
}

} // namespace bsend::tree
