#include "module/core/tree/read_ahead.h"

#include "module/core/support/errno.h"
#include "module/core/tree/slot_search.h"

namespace bsend::tree {

namespace {

// The leaf of the tree at root where key is or would be, as a lookup would
// find it, reading the nodes above it (root.level >= 1).
Result<BlockExpectation> leaf_for(Filesystem& fs, const TreeRoot& root, const format::Key& key)
{
	BlockRef node = TRY(fs.read_block({root.bytenr, root.generation, root.level, root.tree_id}));
	while (node->view().level() > 1) {
		const format::TreeBlockView& view = node->view();
		node = TRY(fs.read_block(child_expectation(view, node_slot(view, key), root.tree_id)));
	}
	return child_expectation(node->view(), node_slot(node->view(), key), root.tree_id);
}

// One block of a read-ahead batch: what it must be, and its bytes.
struct BlockBeingReadAhead {
	BlockExpectation expect;
	Vec<u8> bytes;
};

} // namespace

usize Filesystem::read_ahead_limit() const
{
	usize quarter = cache_.capacity() / 4;
	return quarter < kReadAheadMaxBlocks ? quarter : kReadAheadMaxBlocks;
}

Result<void> Filesystem::read_ahead(Span<const BlockExpectation> blocks)
{
	usize limit = read_ahead_limit();
	Vec<BlockBeingReadAhead> batch;
	Vec<bsend_read_request> requests;
	TRY(batch.reserve(limit));
	TRY(requests.reserve(limit));
	for (usize i = 0; i < blocks.size() && batch.size() < limit; i++) {
		const BlockExpectation& expect = blocks.data()[i];
		if (is_cached(expect))
			continue;
		auto mapping = chunks_.map(expect.bytenr, super_.nodesize);
		if (!mapping.is_ok() || mapping.value().num_copies == 0)
			continue;
		const Stripe& copy = mapping.value().copies[0];
		BlockBeingReadAhead block{expect, TRY(buffers_->take())};
		bsend_read_request request = {copy.devid, copy.physical, block.bytes.data(), block.bytes.size(), 0};
		TRY(batch.push(bsend::move(block)));
		TRY(requests.push(request));
	}
	if (batch.empty())
		return {};

	stats_.read_ahead_batches++;
	// Each request's result tells how its read went; a failed one is left
	// to read_block().
	bsend_host_read_many(host_, requests.data(), requests.size());
	for (usize i = 0; i < batch.size(); i++) {
		if (requests[i].result < 0)
			continue;
		const BlockExpectation& expect = batch[i].expect;
		auto block = check_block(expect, bsend::move(batch[i].bytes));
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
	if (node.is_leaf() || slot >= node.nritems() || fs.is_cached(child_expectation(node, slot, tree_id)))
		return {};
	auto batch = TRY(ReadAheadBatch::make(fs.read_ahead_limit()));
	for (u32 i = slot; i < node.nritems() && !batch.full(); i++)
		batch.add(child_expectation(node, i, tree_id));
	return fs.read_ahead(batch.blocks());
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
