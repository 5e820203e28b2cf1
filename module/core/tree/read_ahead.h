// Reading tree blocks ahead of a walk that will need them: a bounded batch
// of child pointers, and the read-ahead of a node's next children for scans
// that go through a tree in key order.
#pragma once

#include "module/core/format/key.h"
#include "module/core/tree/filesystem.h"

namespace bsend::tree {

// Up to kReadAheadMaxBlocks blocks gathered for Filesystem::read_ahead(), in
// the order they will be read.
class ReadAheadBatch {
public:
	// A batch of at most limit blocks (and never more than
	// kReadAheadMaxBlocks), its room allocated.
	static Result<ReadAheadBatch> make(usize limit)
	{
		ReadAheadBatch batch(limit < kReadAheadMaxBlocks ? limit : kReadAheadMaxBlocks);
		TRY(batch.blocks_.reserve(batch.limit_));
		return batch;
	}

	bool full() const { return blocks_.size() >= limit_; }
	// Adds the block unless the batch is full.
	void add(const BlockExpectation& expect)
	{
		if (!full())
			blocks_.push_within_capacity(BlockExpectation(expect));
	}
	Span<const BlockExpectation> blocks() const { return blocks_.span(); }

private:
	explicit ReadAheadBatch(usize limit) : limit_(limit) {}

	Vec<BlockExpectation> blocks_;
	usize limit_;
};

// The read-ahead of a scan about to step into next, the child at slot of a
// node, when next is not cached: gets it, in the batch in flight that holds
// it or else in batch_from(slot) read now, then starts batch_from(slot + 1),
// which stays in flight while the scan goes through the children just read.
// batch_from(from) gives a Result<ReadAheadBatch> of the children from slot
// from on that the scan will visit and that are not cached.
template <typename BatchFrom>
Result<void> read_ahead_stepping_into(Filesystem& fs, const BlockExpectation& next, u32 slot, BatchFrom&& batch_from)
{
	if (fs.is_cached(next))
		return {};
	if (fs.is_in_flight(next)) {
		TRY(fs.finish_read_ahead_of(next));
	} else {
		auto batch = TRY(batch_from(slot));
		TRY(fs.read_ahead(batch.blocks()));
	}
	auto after = TRY(batch_from(slot + 1));
	return fs.start_read_ahead(after.blocks());
}

// For a scan that visits every child of node from slot on, in key order:
// when the child at slot is not cached (the scan is about to read it), gets
// it and the children after it in one batch of at most
// fs.read_ahead_limit() blocks (the batch in flight, when it holds the
// child, else a batch read now), then starts reading the next children not
// cached, which stay in flight while the scan goes through these. Does
// nothing when the child is cached.
Result<void> read_ahead_children(Filesystem& fs, const format::TreeBlockView& node, u32 slot, u64 tree_id);

// For lookups that will come one at a time, in an order the tree does not
// give (the names up a path): reads the leaves where keys would be found,
// the ones not cached, in batches of fs.read_ahead_limit(). keys must be in
// ascending order. The nodes above the leaves are read as a lookup reads
// them, one at a time (they are few, and mostly cached). Advisory: a node
// that cannot be read ends the read-ahead; fails only when out of memory.
Result<void> read_ahead_leaves_for(Filesystem& fs, const TreeRoot& root, Span<const format::Key> keys);

} // namespace bsend::tree
