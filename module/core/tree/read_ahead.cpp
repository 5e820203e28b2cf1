#include "module/core/tree/read_ahead.h"

#include "module/core/support/errno.h"
#include "module/core/tree/slot_search.h"

namespace bsend::tree {

namespace {

// The leaf of the tree at root where key is or would be, as a lookup would
// find it, reading the nodes above it (root.level >= 1).
Result<BlockExpectation> leaf_for(Filesystem& fs, const TreeRoot& root, const format::Key& key)
{
	BlockRef node = TRY(fs.read_block(root_expectation(root)));
	while (node->view().level() > 1) {
		const format::TreeBlockView& view = node->view();
		node = TRY(fs.read_block(child_expectation(view, node_slot(view, key), root.tree_id)));
	}
	return child_expectation(node->view(), node_slot(node->view(), key), root.tree_id);
}

// The children of node from slot on that are not cached, as many as a
// batch takes.
Result<ReadAheadBatch> uncached_children(Filesystem& fs, const format::TreeBlockView& node, u32 slot, u64 tree_id)
{
	auto batch = TRY(ReadAheadBatch::make(fs.read_ahead_limit()));
	for (u32 i = slot; i < node.nritems() && !batch.full(); i++) {
		BlockExpectation child = child_expectation(node, i, tree_id);
		if (!fs.is_cached(child))
			batch.add(child);
	}
	return batch;
}

} // namespace

usize Filesystem::read_ahead_limit() const
{
	usize quarter = cache_.capacity() / 4;
	return quarter < kReadAheadMaxBlocks ? quarter : kReadAheadMaxBlocks;
}

Result<void> Filesystem::read_ahead(Span<const BlockExpectation> blocks)
{
	if (!TRY(issue_read_ahead(blocks)))
		return {};
	return finish_batch(batches_in_flight() - 1);
}

Result<void> Filesystem::start_read_ahead(Span<const BlockExpectation> blocks)
{
	TRY(issue_read_ahead(blocks));
	return {};
}

usize Filesystem::batches_in_flight() const
{
	usize count = 0;
	while (count < kReadAheadBatchesInFlight && in_flight_[count])
		count++;
	return count;
}

usize Filesystem::batch_holding(const BlockExpectation& expect) const
{
	for (usize i = 0; i < batches_in_flight(); i++)
		for (const BlockExpectation& block : in_flight_[i]->expected)
			if (block.bytenr == expect.bytenr && block.generation == expect.generation)
				return i;
	return kReadAheadBatchesInFlight;
}

bool Filesystem::is_in_flight(const BlockExpectation& expect) const
{
	return batch_holding(expect) < kReadAheadBatchesInFlight;
}

Result<bool> Filesystem::issue_read_ahead(Span<const BlockExpectation> blocks)
{
	if (batches_in_flight() == kReadAheadBatchesInFlight)
		TRY(finish_batch(0));
	usize limit = read_ahead_limit();
	UniquePtr<BlocksInFlight> batch(create<BlocksInFlight>());
	if (!batch)
		return Error::make(err::kNoMemory, "out of memory");
	TRY(batch->expected.reserve(limit));
	TRY(batch->buffers.reserve(limit));
	TRY(batch->requests.reserve(limit));
	for (usize i = 0; i < blocks.size() && batch->expected.size() < limit; i++) {
		const BlockExpectation& expect = blocks.data()[i];
		if (is_cached(expect) || is_in_flight(expect))
			continue;
		auto mapping = chunks_.map(expect.bytenr, super_.nodesize);
		if (!mapping.is_ok() || mapping.value().num_copies == 0)
			continue;
		// The first copy on a device that is there.
		u32 first = 0;
		while (first + 1 < mapping.value().num_copies && is_missing_device(mapping.value().copies[first].devid))
			first++;
		const Stripe& copy = mapping.value().copies[first];
		BlockBuffer bytes = TRY(buffers_->take());
		bsend_read_request request = {copy.devid, copy.physical, bytes.data(), bytes.size(), 0};
		// Room was reserved: none of these pushes allocates.
		batch->expected.push_within_capacity(BlockExpectation(expect));
		batch->buffers.push_within_capacity(bsend::move(bytes));
		batch->requests.push_within_capacity(bsend::move(request));
	}
	if (batch->expected.empty())
		return false;
	stats_.read_ahead_batches++;
	batch->batch = bsend_host_read_start(host_, batch->requests.data(), batch->requests.size());
	in_flight_[batches_in_flight()] = bsend::move(batch);
	return true;
}

Result<void> Filesystem::finish_read_ahead_of(const BlockExpectation& expect)
{
	usize index = batch_holding(expect);
	return index < kReadAheadBatchesInFlight ? finish_batch(index) : Result<void>();
}

Result<void> Filesystem::finish_batch(usize index)
{
	UniquePtr<BlocksInFlight> done = bsend::move(in_flight_[index]);
	for (usize i = index; i + 1 < kReadAheadBatchesInFlight; i++)
		in_flight_[i] = bsend::move(in_flight_[i + 1]);
	bsend_host_read_finish(done->batch);
	done->batch = nullptr;
	// Each request's result tells how its read went; a failed one is left
	// to read_block().
	for (usize i = 0; i < done->expected.size(); i++) {
		if (done->requests[i].result < 0)
			continue;
		const BlockExpectation& expect = done->expected[i];
		auto block = check_block(expect, bsend::move(done->buffers[i]));
		if (!block.is_ok()) {
			if (block.error().errno_value == err::kNoMemory)
				return block.error();
			continue;
		}
		TRY(cache_.put({expect.bytenr, expect.generation}, block.release_value()));
		stats_.blocks_read++;
		stats_.blocks_read_ahead++;
	}
	return {};
}

Result<void> read_ahead_children(Filesystem& fs, const format::TreeBlockView& node, u32 slot, u64 tree_id)
{
	if (node.is_leaf() || slot >= node.nritems())
		return {};
	return read_ahead_stepping_into(fs, child_expectation(node, slot, tree_id), slot,
					[&](u32 from) { return uncached_children(fs, node, from, tree_id); });
}

Result<void> read_ahead_leaves_for(Filesystem& fs, const TreeRoot& root, Span<const format::Key> keys)
{
	if (root.level == 0)
		return {};
	auto batch = TRY(ReadAheadBatch::make(fs.read_ahead_limit()));
	u64 last_leaf = 0;
	for (usize i = 0; i < keys.size(); i++) {
		const format::Key& key = keys.data()[i];
		auto found = leaf_for(fs, root, key);
		// Advisory, as read_ahead() is: a node that cannot be read is for
		// the lookups to read again, and to report.
		if (!found.is_ok()) {
			if (found.error().errno_value == err::kNoMemory)
				return found.error();
			break;
		}
		const BlockExpectation& leaf = found.value();
		if (leaf.bytenr == last_leaf || fs.is_cached(leaf))
			continue;
		last_leaf = leaf.bytenr;
		batch.add(leaf);
		if (batch.full()) {
			TRY(fs.read_ahead(batch.blocks()));
			batch = TRY(ReadAheadBatch::make(fs.read_ahead_limit()));
		}
	}
	return fs.read_ahead(batch.blocks());
}

} // namespace bsend::tree
