// A position in one tree: the blocks from the root down to a leaf slot.
// search, next and prev move it; each works by key, so when a block turns
// out bad (freed and reused under a long send, relocated by a balance, or
// corrupt) the path re-reads the newest superblock and, if a commit newer
// than the one it was rooted in is there, resumes from the same key in the
// newer tree. Each step may move on that way up to kMaxRecoveriesPerStep
// times, each to a newer commit, so a send goes on under a balance that
// commits again and again. A bad block with no newer commit is returned as
// the error it is; a watched subvolume that changed in the newer commit
// fails the step with -ESTALE (Filesystem::refresh).
#pragma once

#include "module/core/format/key.h"
#include "module/core/tree/filesystem.h"

namespace bsend::tree {

// Newer commits one step of a path moves to before it gives up: far more
// than a balance commits while one leaf is read.
constexpr u32 kMaxRecoveriesPerStep = 8;

class TreePath {
public:
	// root must be of the commit fs is at now.
	TreePath(Filesystem& fs, const TreeRoot& root) : fs_(fs), root_(root), rooted_at_(fs.super().generation) {}

	// For a scan of the tree in key order (search, then next after next):
	// when the path enters a leaf that is not cached, it reads that leaf
	// and the next ones of the same node ahead, in one batch.
	void read_leaves_ahead() { read_ahead_ = true; }

	// Moves to the first item whose key is >= key; false if there is none.
	Result<bool> search(const format::Key& key);
	// Moves to the last item whose key is <= key; false if there is none.
	Result<bool> search_last_at_or_before(const format::Key& key);
	// The item after (before) the current one; false at the end (start).
	Result<bool> next();
	Result<bool> prev();

	// The current item; valid after a call that returned true.
	format::Key key() const { return leaf().item_key(slots_[0]); }
	Bytes data() const { return leaf().item_data(slots_[0]); }
	u64 leaf_bytenr() const { return leaf().bytenr(); }
	const TreeRoot& root() const { return root_; }

private:
	enum class Step { kNext, kPrev };

	const format::TreeBlockView& leaf() const { return nodes_[0]->view(); }
	Result<bool> search_once(const format::Key& key);
	Result<bool> last_once();
	Result<bool> step_once(Step step);
	// step_once, which must reach a key after (kNext) or before (kPrev)
	// from, the key it left.
	Result<bool> step_in_order(Step step, const format::Key& from);
	Result<void> read_root();
	Result<void> descend_from(u8 level, Step step);
	Result<BlockRef> read_child(const format::TreeBlockView& node, u32 slot);
	// Reads ahead the leaves from the one at slot of node, with
	// read_leaves_ahead() and when node is a level-1 node.
	Result<void> maybe_read_ahead(const format::TreeBlockView& node, u32 slot);
	// After an error from an operation: true when the caller should redo
	// it, the tree having been re-rooted at a newer commit.
	Result<bool> recover(const Error& error);
	// Runs attempt(); while it (then resume()) fails with a bad block and a
	// newer commit is on disk, runs resume() in the re-rooted tree.
	template <typename Attempt, typename Resume> Result<bool> with_recovery(Attempt attempt, Resume resume)
	{
		{
			auto result = attempt();
			if (result.is_ok())
				return result.value();
			if (!TRY(recover(result.error())))
				return result.error();
		}
		for (u32 recoveries = 1;; recoveries++) {
			auto result = resume();
			if (result.is_ok())
				return result.value();
			if (recoveries == kMaxRecoveriesPerStep || !TRY(recover(result.error())))
				return result.error();
		}
	}
	void release();

	Filesystem& fs_;
	TreeRoot root_;
	BlockRef nodes_[BTRFS_MAX_LEVEL];
	u32 slots_[BTRFS_MAX_LEVEL] = {};
	u64 rooted_at_;			// the commit root_ is of
	bool positioned_ = false;	// at a valid item of nodes_[0]
	bool read_ahead_ = false;
};

} // namespace bsend::tree
