// tree/read_ahead: blocks read ahead in batches are the blocks read_block
// reads, a batch started stays in flight until one of its blocks is read,
// a bad block in a batch is left for read_block to report, and the
// tree compare, the key-order scan and the block walk read their leaves in
// batches of host reads, with the same results; and the leaves of scattered
// lookups, read ahead by key, serve those lookups. On the snapshot pair of
// engine_tree_compare_test (btrfs-image metadata, 4 KiB nodes).
#include <gtest/gtest.h>

#include <linux/btrfs_tree.h>

#include <cstring>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "module/core/support/errno.h"
#include "module/core/tree/compare.h"
#include "module/core/tree/path.h"
#include "module/core/tree/read_ahead.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/walk.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/snapshot_fixture.h"
#include "tests/unit/test_image.h"

using namespace bsend;

namespace {

// An image host that counts the reads the engine asks of it, one at a time
// and in batches, and can serve one physical block with a byte flipped.
class CountingHost {
public:
	explicit CountingHost(const std::string& path) { EXPECT_EQ(image_.open(path), 0); }

	bsend_host_fs* host() { return &state_.base; }
	void corrupt_at(uint64_t physical) { corrupt_physical_ = physical; }

	uint64_t single_reads = 0;	// bsend_host_read() calls
	uint64_t batches = 0;		// batches read (bsend_host_read_start() calls)
	uint64_t batched_reads = 0;	// requests in those batches

private:
	struct State {
		bsend_host_fs base;
		CountingHost* self;
	};

	int read_image(uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		int ret = image_.host()->read(image_.host(), devid, physical, buf, len);
		if (ret == 0 && corrupt_physical_ && physical == corrupt_physical_)
			static_cast<uint8_t*>(buf)[len / 2] ^= 0x40;
		return ret;
	}
	static int read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		CountingHost* self = reinterpret_cast<State*>(fs)->self;
		self->single_reads++;
		return self->read_image(devid, physical, buf, len);
	}
	static void read_many(bsend_host_fs* fs, bsend_read_request* reqs, size_t count)
	{
		CountingHost* self = reinterpret_cast<State*>(fs)->self;
		self->batches++;
		self->batched_reads += count;
		for (size_t i = 0; i < count; i++)
			reqs[i].result = self->read_image(reqs[i].devid, reqs[i].physical, reqs[i].buf, reqs[i].len);
	}

	posix::ImageHost image_;
	uint64_t corrupt_physical_ = 0;
	State state_{{&CountingHost::read, &CountingHost::read_many}, this};
};

// A filesystem opened on a counting host.
struct Counted {
	explicit Counted(const std::string& path, usize cache_bytes = 8 << 20) : host(path)
	{
		auto opened = tree::Filesystem::open(host.host(), cache_bytes);
		EXPECT_TRUE(opened.is_ok()) << (opened.is_ok() ? "" : opened.error().cause);
		if (opened.is_ok())
			fs = opened.release_value();
	}
	tree::TreeRoot root(const char* name)
	{
		for (u64 id = BTRFS_FIRST_FREE_OBJECTID; id < BTRFS_FIRST_FREE_OBJECTID + 8; id++) {
			Vec<char> found;
			if (tree::read_subvolume_name(*fs, id, &found).is_ok() &&
			    std::string(found.data(), found.size()) == name)
				return fs->tree_root(id).release_value();
		}
		ADD_FAILURE() << "no subvolume " << name;
		return {};
	}
	// The node at level 1 that the first pointer of the root leads to.
	tree::BlockRef first_level1_node(const tree::TreeRoot& root)
	{
		tree::BlockRef block = fs->read_block(tree::root_expectation(root)).release_value();
		while (block->view().level() > 1)
			block = fs->read_block(tree::child_expectation(block->view(), 0, root.tree_id)).release_value();
		return block;
	}
	uint64_t physical_of(u64 bytenr) { return fs->map(bytenr, fs->super().nodesize).value().copies[0].physical; }

	CountingHost host;
	UniquePtr<tree::Filesystem> fs;
};

std::vector<tree::BlockExpectation> children_of(const format::TreeBlockView& node, u64 tree_id)
{
	std::vector<tree::BlockExpectation> children;
	for (u32 slot = 0; slot < node.nritems(); slot++)
		children.push_back(tree::child_expectation(node, slot, tree_id));
	return children;
}

Span<const tree::BlockExpectation> span_of(const std::vector<tree::BlockExpectation>& blocks)
{
	return {blocks.data(), blocks.size()};
}

std::vector<uint8_t> bytes_of(const tree::BlockRef& block)
{
	Bytes raw = block->view().bytes();
	return {raw.data(), raw.data() + raw.size()};
}

struct Change {
	tree::ChangeKind kind;
	format::Key key;
	std::vector<uint8_t> left, right;
	bool operator==(const Change& other) const
	{
		return kind == other.kind && key == other.key && left == other.left && right == other.right;
	}
};

std::vector<Change> compared(tree::Filesystem& fs, const tree::TreeRoot& left, const tree::TreeRoot& right)
{
	std::vector<Change> changes;
	auto done = tree::compare_trees(fs, left, right, [&](const tree::TreeChange& change) -> Result<void> {
		changes.push_back({change.kind, change.key, {change.left.data(), change.left.data() + change.left.size()},
				   {change.right.data(), change.right.data() + change.right.size()}});
		return {};
	});
	EXPECT_TRUE(done.is_ok()) << done.error().cause << " at bytenr " << done.error().bytenr;
	return changes;
}

class ReadAhead : public test::SnapshotFixtureTest {};

} // namespace

TEST_F(ReadAhead, BlocksReadAheadAreTheBlocksReadBlockReads)
{
	Counted ahead(*path), plain(*path);
	tree::TreeRoot snap2 = ahead.root("snap2");
	tree::BlockRef node = ahead.first_level1_node(snap2);
	std::vector<tree::BlockExpectation> leaves = children_of(node->view(), snap2.tree_id);
	size_t expected = std::min<size_t>(leaves.size(), ahead.fs->read_ahead_limit());
	ASSERT_GE(expected, 2u);

	ASSERT_TRUE(ahead.fs->read_ahead(span_of(leaves)).is_ok());
	EXPECT_EQ(ahead.host.batches, 1u);
	EXPECT_EQ(ahead.host.batched_reads, expected);
	EXPECT_EQ(ahead.fs->stats().blocks_read_ahead, expected);
	EXPECT_EQ(ahead.fs->stats().read_ahead_batches, 1u);

	uint64_t single_reads = ahead.host.single_reads, blocks_read = ahead.fs->stats().blocks_read;
	for (size_t i = 0; i < expected; i++) {
		EXPECT_TRUE(ahead.fs->is_cached(leaves[i]));
		auto cached = ahead.fs->read_block(leaves[i]);
		auto read = plain.fs->read_block(leaves[i]);
		ASSERT_TRUE(cached.is_ok() && read.is_ok());
		EXPECT_EQ(bytes_of(cached.value()), bytes_of(read.value())) << "bytenr " << leaves[i].bytenr;
	}
	EXPECT_EQ(ahead.host.single_reads, single_reads);
	EXPECT_EQ(ahead.fs->stats().blocks_read, blocks_read);

	// Blocks already cached are not read again.
	ASSERT_TRUE(ahead.fs->read_ahead(span_of(leaves)).is_ok());
	EXPECT_EQ(ahead.host.batched_reads, expected + std::min<size_t>(leaves.size() - expected, expected));
}

TEST_F(ReadAhead, ABatchIsAtMostAQuarterOfASmallCache)
{
	Counted small(*path, 8 * 4096);
	ASSERT_EQ(small.fs->super().nodesize, 4096u);
	EXPECT_EQ(small.fs->read_ahead_limit(), 2u);
	tree::TreeRoot snap2 = small.root("snap2");
	tree::BlockRef node = small.first_level1_node(snap2);
	std::vector<tree::BlockExpectation> leaves = children_of(node->view(), snap2.tree_id);
	ASSERT_GT(leaves.size(), 2u);

	ASSERT_TRUE(small.fs->read_ahead(span_of(leaves)).is_ok());
	EXPECT_EQ(small.host.batches, 1u);
	EXPECT_EQ(small.host.batched_reads, 2u);
	EXPECT_TRUE(small.fs->is_cached(leaves[0]));
	EXPECT_TRUE(small.fs->is_cached(leaves[1]));
	EXPECT_FALSE(small.fs->is_cached(leaves[2]));
}

TEST_F(ReadAhead, ABatchStartedStaysInFlightUntilOneOfItsBlocksIsRead)
{
	Counted ahead(*path);
	tree::TreeRoot snap2 = ahead.root("snap2");
	std::vector<tree::BlockExpectation> leaves =
		children_of(ahead.first_level1_node(snap2)->view(), snap2.tree_id);
	size_t expected = std::min<size_t>(leaves.size(), ahead.fs->read_ahead_limit());
	ASSERT_GE(expected, 3u);

	ASSERT_TRUE(ahead.fs->start_read_ahead(span_of(leaves)).is_ok());
	EXPECT_TRUE(ahead.fs->is_in_flight(leaves[0]));
	EXPECT_TRUE(ahead.fs->is_in_flight(leaves[expected - 1]));
	EXPECT_FALSE(ahead.fs->is_cached(leaves[0]));
	EXPECT_EQ(ahead.fs->stats().blocks_read_ahead, 0u);

	// Reading one of its blocks takes in the whole batch, without a read
	// of its own.
	uint64_t singles = ahead.host.single_reads;
	ASSERT_TRUE(ahead.fs->read_block(leaves[1]).is_ok());
	EXPECT_EQ(ahead.host.single_reads, singles);
	EXPECT_FALSE(ahead.fs->is_in_flight(leaves[0]));
	EXPECT_EQ(ahead.fs->stats().blocks_read_ahead, expected);
	for (size_t i = 0; i < expected; i++)
		EXPECT_TRUE(ahead.fs->is_cached(leaves[i])) << i;

	// Two batches are in flight at once; a third finishes the oldest. The
	// ones left in flight are waited for and freed with the filesystem (the
	// fixture checks that nothing is left allocated).
	ASSERT_GE(leaves.size(), 6u);
	Counted three(*path);
	std::vector<tree::BlockExpectation> first(leaves.begin(), leaves.begin() + 2);
	std::vector<tree::BlockExpectation> second(leaves.begin() + 2, leaves.begin() + 4);
	std::vector<tree::BlockExpectation> third(leaves.begin() + 4, leaves.end());
	ASSERT_TRUE(three.fs->start_read_ahead(span_of(first)).is_ok());
	ASSERT_TRUE(three.fs->start_read_ahead(span_of(second)).is_ok());
	EXPECT_TRUE(three.fs->is_in_flight(first[0]));
	EXPECT_TRUE(three.fs->is_in_flight(second[0]));
	// A block already in flight is not asked for again.
	ASSERT_TRUE(three.fs->start_read_ahead(span_of(first)).is_ok());
	EXPECT_EQ(three.host.batched_reads, 4u);
	ASSERT_TRUE(three.fs->start_read_ahead(span_of(third)).is_ok());
	EXPECT_TRUE(three.fs->is_cached(first[0]));
	EXPECT_TRUE(three.fs->is_cached(first[1]));
	EXPECT_TRUE(three.fs->is_in_flight(second[1]));
	EXPECT_TRUE(three.fs->is_in_flight(third[0]));
	// Finishing the batch of one block leaves the other in flight.
	ASSERT_TRUE(three.fs->finish_read_ahead_of(third[0]).is_ok());
	EXPECT_TRUE(three.fs->is_cached(third[0]));
	EXPECT_TRUE(three.fs->is_in_flight(second[0]));
}

TEST_F(ReadAhead, ACorruptBlockInABatchIsLeftForReadBlockToReport)
{
	Counted plain(*path);
	tree::TreeRoot snap2 = plain.root("snap2");
	std::vector<tree::BlockExpectation> leaves =
		children_of(plain.first_level1_node(snap2)->view(), snap2.tree_id);
	ASSERT_GE(leaves.size(), 4u);
	const tree::BlockExpectation& bad = leaves[2];

	// Without read-ahead: the error read_block gives.
	Counted direct(*path);
	direct.host.corrupt_at(direct.physical_of(bad.bytenr));
	auto direct_read = direct.fs->read_block(bad);
	ASSERT_FALSE(direct_read.is_ok());

	Counted ahead(*path);
	ahead.host.corrupt_at(ahead.physical_of(bad.bytenr));
	ASSERT_TRUE(ahead.fs->read_ahead(span_of(leaves)).is_ok());
	EXPECT_TRUE(ahead.fs->is_cached(leaves[1]));
	EXPECT_FALSE(ahead.fs->is_cached(bad));
	EXPECT_TRUE(ahead.fs->is_cached(leaves[3]));

	auto read = ahead.fs->read_block(bad);
	ASSERT_FALSE(read.is_ok());
	EXPECT_EQ(read.error().errno_value, err::kCorrupt);
	EXPECT_STREQ(read.error().cause, "tree block checksum mismatch");
	EXPECT_EQ(read.error().bytenr, bad.bytenr);
	EXPECT_STREQ(read.error().cause, direct_read.error().cause);
	EXPECT_EQ(read.error().expected, direct_read.error().expected);
	EXPECT_EQ(read.error().found, direct_read.error().found);
}

TEST_F(ReadAhead, TheCompareReadsItsLeavesInBatchesAndFindsTheSameChanges)
{
	// A cache of three blocks allows no read-ahead: the compare as it is
	// without it.
	Counted without(*path, 3 * 4096);
	ASSERT_EQ(without.fs->read_ahead_limit(), 0u);
	tree::TreeRoot snap1 = without.root("snap1"), snap2 = without.root("snap2");
	uint64_t reads_before = without.host.single_reads;
	std::vector<Change> expected = compared(*without.fs, snap2, snap1);
	uint64_t reads_without = without.host.single_reads - reads_before;
	EXPECT_EQ(without.host.batches, 0u);

	Counted with(*path);
	uint64_t blocks_before = with.fs->stats().blocks_read;
	uint64_t singles_before = with.host.single_reads;
	std::vector<Change> changes = compared(*with.fs, snap2, snap1);
	uint64_t blocks = with.fs->stats().blocks_read - blocks_before;
	uint64_t singles = with.host.single_reads - singles_before;
	std::cout << "compare of snap2 against snap1: without read-ahead " << reads_without
		  << " single reads; with it " << blocks << " blocks read, " << with.fs->stats().blocks_read_ahead
		  << " of them in " << with.host.batches << " batches, " << singles << " single reads\n";

	EXPECT_EQ(changes, expected);
	EXPECT_FALSE(changes.empty());
	EXPECT_GT(with.host.batches, 0u);
	EXPECT_GT(with.host.batched_reads, singles);
	EXPECT_EQ(with.fs->stats().blocks_read_ahead, with.host.batched_reads);
	EXPECT_LT(singles + with.host.batches, reads_without);
	// Read-ahead reads only leaves that the compare visits (none that
	// the trees share), so it reads almost nothing more.
	EXPECT_LE(blocks, reads_without + reads_without / 10);

	// The other way round too.
	Counted reverse_without(*path, 3 * 4096), reverse_with(*path);
	EXPECT_EQ(compared(*reverse_with.fs, snap1, snap2), compared(*reverse_without.fs, snap1, snap2));
	EXPECT_GT(reverse_with.host.batches, 0u);
}

TEST_F(ReadAhead, AScanInKeyOrderReadsItsLeavesInBatches)
{
	Counted plain(*path), ahead(*path);
	tree::TreeRoot snap2 = plain.root("snap2");
	std::vector<format::Key> plain_keys, ahead_keys;
	tree::TreePath plain_path(*plain.fs, snap2), ahead_path(*ahead.fs, snap2);
	ahead_path.read_leaves_ahead();
	uint64_t plain_before = plain.fs->stats().blocks_read;
	for (bool more = plain_path.search(format::Key::min()).value(); more; more = plain_path.next().value())
		plain_keys.push_back(plain_path.key());
	uint64_t singles_before = ahead.host.single_reads, ahead_before = ahead.fs->stats().blocks_read;
	for (bool more = ahead_path.search(format::Key::min()).value(); more; more = ahead_path.next().value())
		ahead_keys.push_back(ahead_path.key());

	EXPECT_EQ(ahead_keys, plain_keys);
	EXPECT_EQ(plain.host.batches, 0u);
	EXPECT_GT(ahead.host.batches, 0u);
	EXPECT_GT(ahead.host.batched_reads, (ahead.host.single_reads - singles_before) * 4);
	EXPECT_EQ(ahead.fs->stats().blocks_read - ahead_before, plain.fs->stats().blocks_read - plain_before);
}

TEST_F(ReadAhead, AWalkReadsItsLeavesInBatches)
{
	Counted counted(*path);
	tree::TreeRoot snap2 = counted.root("snap2");
	uint64_t blocks = 0, singles_before = counted.host.single_reads;
	auto walked = tree::walk_blocks(*counted.fs, snap2, [&](const format::TreeBlockView&) -> Result<void> {
		blocks++;
		return {};
	});
	ASSERT_TRUE(walked.is_ok());
	uint64_t singles = counted.host.single_reads - singles_before;
	std::cout << "walk of snap2: " << blocks << " blocks, " << counted.host.batched_reads << " read in "
		  << counted.host.batches << " batches, " << singles << " single reads\n";
	EXPECT_EQ(counted.host.batched_reads + singles, blocks);
	EXPECT_LE(counted.host.batches, blocks / 8);
}

TEST_F(ReadAhead, LeavesForScatteredKeysAreReadInBatchesAndServeTheLookups)
{
	// Keys spread over the whole tree: every 97th item's key.
	Counted plain(*path);
	tree::TreeRoot snap2 = plain.root("snap2");
	ASSERT_GE(snap2.level, 1);
	std::vector<format::Key> all_keys;
	tree::TreePath scan(*plain.fs, snap2);
	for (bool more = scan.search(format::Key::min()).value(); more; more = scan.next().value())
		all_keys.push_back(scan.key());
	std::vector<format::Key> keys;
	for (size_t i = 0; i < all_keys.size(); i += 97)
		keys.push_back(all_keys[i]);
	ASSERT_GE(keys.size(), 8u);

	// Looked up one at a time, without read-ahead: the leaves each lookup
	// reads.
	Counted one_by_one(*path);
	uint64_t singles_before = one_by_one.host.single_reads;
	for (const format::Key& key : keys) {
		tree::TreePath lookup(*one_by_one.fs, snap2);
		ASSERT_TRUE(lookup.search(key).value());
		EXPECT_EQ(lookup.key(), key);
	}
	uint64_t lookup_reads = one_by_one.host.single_reads - singles_before;

	Counted ahead(*path);
	singles_before = ahead.host.single_reads;
	ASSERT_TRUE(tree::read_ahead_leaves_for(*ahead.fs, snap2, {keys.data(), keys.size()}).is_ok());
	uint64_t ahead_singles = ahead.host.single_reads - singles_before;
	std::cout << keys.size() << " scattered lookups: " << lookup_reads << " single reads one by one; read ahead: "
		  << ahead.host.batched_reads << " in " << ahead.host.batches << " batches and " << ahead_singles
		  << " single reads (nodes)\n";
	EXPECT_GT(ahead.host.batched_reads, 0u);
	EXPECT_LE(ahead.host.batches,
		  (ahead.host.batched_reads + ahead.fs->read_ahead_limit() - 1) / ahead.fs->read_ahead_limit() + 1);
	EXPECT_EQ(ahead.host.batched_reads + ahead_singles, lookup_reads);

	// The lookups then read nothing more, and find the same keys.
	singles_before = ahead.host.single_reads;
	uint64_t batched_before = ahead.host.batched_reads;
	for (const format::Key& key : keys) {
		tree::TreePath lookup(*ahead.fs, snap2);
		ASSERT_TRUE(lookup.search(key).value());
		EXPECT_EQ(lookup.key(), key);
	}
	EXPECT_EQ(ahead.host.single_reads, singles_before);
	EXPECT_EQ(ahead.host.batched_reads, batched_before);
}
