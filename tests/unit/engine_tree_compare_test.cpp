// tree/compare: the compare of two committed trees against a brute-force
// diff of their item lists, on unrelated subvolumes made by mkfs.btrfs
// --rootdir and on real snapshots that share blocks (made in a VM by
// tests/fixtures/make-snapshot-images, kept as btrfs-image metadata); what
// it reads; and its resume after a bad block.
#include <gtest/gtest.h>

#include <linux/btrfs_tree.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/core/tree/compare.h"
#include "module/core/tree/path.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/walk.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/opened_fs.h"
#include "tests/unit/snapshot_fixture.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;
using tree::ChangeKind;

namespace {

struct Change {
	ChangeKind kind;
	format::Key key;
	std::vector<uint8_t> left;
	std::vector<uint8_t> right;

	bool operator==(const Change& other) const
	{
		return kind == other.kind && key == other.key && left == other.left && right == other.right;
	}
};

void PrintTo(const Change& change, std::ostream* out)
{
	static const char* const kinds[] = {"new", "deleted", "changed"};
	*out << kinds[static_cast<int>(change.kind)] << " (" << change.key.objectid << " "
	     << int(change.key.type) << " " << change.key.offset << ")";
}

std::vector<uint8_t> copy_of(Bytes bytes) { return {bytes.data(), bytes.data() + bytes.size()}; }

struct Item {
	format::Key key;
	std::vector<uint8_t> bytes;
};

// A path step's answer; a failed step fails the test and ends the loop.
bool found(Result<bool> step)
{
	EXPECT_TRUE(step.is_ok()) << step.error().cause;
	return step.is_ok() && step.value();
}

// Every item of a tree, in key order, by TreePath.
std::vector<Item> all_items(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	std::vector<Item> items;
	tree::TreePath path(fs, root);
	for (bool more = found(path.search(format::Key::min())); more; more = found(path.next()))
		items.push_back({path.key(), copy_of(path.data())});
	return items;
}

// The differences of two item lists, by merging them whole.
std::vector<Change> brute_force_diff(tree::Filesystem& fs, const tree::TreeRoot& left, const tree::TreeRoot& right)
{
	std::vector<Item> l = all_items(fs, left), r = all_items(fs, right);
	std::vector<Change> changes;
	size_t i = 0, j = 0;
	while (i < l.size() || j < r.size()) {
		if (j == r.size() || (i < l.size() && l[i].key < r[j].key)) {
			changes.push_back({ChangeKind::kNew, l[i].key, l[i].bytes, {}});
			i++;
		} else if (i == l.size() || r[j].key < l[i].key) {
			changes.push_back({ChangeKind::kDeleted, r[j].key, {}, r[j].bytes});
			j++;
		} else {
			if (l[i].bytes != r[j].bytes)
				changes.push_back({ChangeKind::kChanged, l[i].key, l[i].bytes, r[j].bytes});
			i++;
			j++;
		}
	}
	return changes;
}

std::vector<Change> compared(tree::Filesystem& fs, const tree::TreeRoot& left, const tree::TreeRoot& right)
{
	std::vector<Change> changes;
	auto done = tree::compare_trees(fs, left, right, [&](const tree::TreeChange& change) -> Result<void> {
		changes.push_back({change.kind, change.key, copy_of(change.left), copy_of(change.right)});
		return {};
	});
	EXPECT_TRUE(done.is_ok()) << done.error().cause << " at bytenr " << done.error().bytenr;
	return changes;
}

// Blocks in a tree, as a full walk reads them.
uint64_t blocks_in(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	uint64_t blocks = 0;
	auto walked = tree::walk_blocks(fs, root, [&](const format::TreeBlockView&) -> Result<void> {
		blocks++;
		return {};
	});
	EXPECT_TRUE(walked.is_ok());
	return blocks;
}

size_t count_kind(const std::vector<Change>& changes, ChangeKind kind, int type = -1)
{
	size_t n = 0;
	for (const Change& change : changes)
		n += change.kind == kind && (type < 0 || change.key.type == type);
	return n;
}


// Two subvolumes with nothing shared but the names of many files, some of
// them with the same contents, so that equal keys hold equal and unequal
// items; 4 KiB nodes give each tree several levels.
class UnrelatedSubvolumes : public testing::Test {
protected:
	static void SetUpTestSuite()
	{
		char dir[] = "/tmp/bsend-test-compare-XXXXXX";
		std::string root = mkdtemp(dir);
		for (const char* sub : {"one", "two"})
			std::filesystem::create_directories(root + "/" + sub + "/dir");
		for (int i = 0; i < 1500; i++) {
			std::string name = "file-" + std::to_string(i);
			std::ofstream(root + "/one/dir/" + name) << "content " << i;
			if (i % 3 != 0)
				std::ofstream(root + "/two/dir/" + name) << "content " << (i % 5 ? i : -i);
		}
		for (int i = 0; i < 300; i++)
			std::ofstream(root + "/two/only-" + std::to_string(i)) << std::string(i, 'z');
		ImageOptions options("crc32c", 4096);
		options.rootdir = root;
		options.extra = "--subvol rw:one --subvol rw:two";
		image = new TestImage(options);
		std::filesystem::remove_all(root);
	}
	static void TearDownTestSuite()
	{
		delete image;
		image = nullptr;
	}
	void TearDown() override { EXPECT_EQ(posix::allocations_outstanding(), 0); }

	static TestImage* image;
};

TestImage* UnrelatedSubvolumes::image;

// Real snapshots: subvolume "vol" with 5000 small files in 4 KiB nodes,
// read-only snapshot "snap1", files created, deleted, renamed, modified,
// truncated, given xattrs, a mode and a hard link, then "snap2". Restored
// once per test process from the committed btrfs-image metadata.
class SnapshotPair : public test::SnapshotFixtureTest {};

} // namespace

TEST_F(UnrelatedSubvolumes, ATreeAgainstItselfReadsOnlyItsRoot)
{
	test::OpenedFs opened(image->path());
	tree::TreeRoot one = opened.root(opened.subvolume("one"));
	ASSERT_GT(one.level, 0);

	uint64_t before = opened.fs->stats().blocks_read;
	EXPECT_TRUE(compared(*opened.fs, one, one).empty());
	EXPECT_EQ(opened.fs->stats().blocks_read - before, 1u);
}

TEST_F(UnrelatedSubvolumes, ChangesAreTheDiffOfTheItemLists)
{
	test::OpenedFs opened(image->path());
	tree::TreeRoot one = opened.root(opened.subvolume("one"));
	tree::TreeRoot two = opened.root(opened.subvolume("two"));

	std::vector<Change> changes = compared(*opened.fs, two, one);
	EXPECT_EQ(changes, brute_force_diff(*opened.fs, two, one));
	EXPECT_GT(count_kind(changes, ChangeKind::kNew), 0u);
	EXPECT_GT(count_kind(changes, ChangeKind::kDeleted), 0u);
	EXPECT_GT(count_kind(changes, ChangeKind::kChanged), 0u);

	EXPECT_EQ(compared(*opened.fs, one, two), brute_force_diff(*opened.fs, one, two));
}

TEST_F(UnrelatedSubvolumes, TreesOfDifferentHeightsCompare)
{
	test::OpenedFs opened(image->path());
	tree::TreeRoot top = opened.root(BTRFS_FS_TREE_OBJECTID);
	tree::TreeRoot two = opened.root(opened.subvolume("two"));
	ASSERT_LT(top.level, two.level);

	EXPECT_EQ(compared(*opened.fs, top, two), brute_force_diff(*opened.fs, top, two));
	EXPECT_EQ(compared(*opened.fs, two, top), brute_force_diff(*opened.fs, two, top));
}

TEST_F(SnapshotPair, ASnapshotAgainstItselfReadsOnlyItsRoot)
{
	test::OpenedFs opened(*path);
	tree::TreeRoot snap1 = opened.root(opened.subvolume("snap1"));
	ASSERT_EQ(snap1.level, 2);

	uint64_t before = opened.fs->stats().blocks_read;
	EXPECT_TRUE(compared(*opened.fs, snap1, snap1).empty());
	EXPECT_EQ(opened.fs->stats().blocks_read - before, 1u);
}

TEST_F(SnapshotPair, ChangesAreTheDiffAndCostFarLessThanAWalk)
{
	test::OpenedFs opened(*path);
	tree::TreeRoot snap1 = opened.root(opened.subvolume("snap1"));
	tree::TreeRoot snap2 = opened.root(opened.subvolume("snap2"));

	uint64_t before = opened.fs->stats().blocks_read;
	std::vector<Change> changes = compared(*opened.fs, snap2, snap1);
	uint64_t compare_reads = opened.fs->stats().blocks_read - before;

	test::OpenedFs cold(*path);
	uint64_t cold_before = cold.fs->stats().blocks_read;
	uint64_t walk_blocks = blocks_in(*cold.fs, snap1) + blocks_in(*cold.fs, snap2);
	uint64_t walk_reads = cold.fs->stats().blocks_read - cold_before;
	std::cout << "compare of snap2 against snap1: " << changes.size() << " changes, " << compare_reads
		  << " blocks read; a walk of both trees: " << walk_blocks << " blocks, "
		  << walk_reads << " of them distinct\n";
	EXPECT_LT(compare_reads * 4, walk_blocks);

	EXPECT_EQ(changes, brute_force_diff(*opened.fs, snap2, snap1));
	// 20 + 5 new files, a new directory, a hard link; 20 deleted files and
	// a deleted directory of 3; renames; appends; xattrs added, changed and
	// removed.
	EXPECT_GE(count_kind(changes, ChangeKind::kNew, BTRFS_INODE_ITEM_KEY), 26u);
	EXPECT_GE(count_kind(changes, ChangeKind::kDeleted, BTRFS_INODE_ITEM_KEY), 24u);
	EXPECT_GE(count_kind(changes, ChangeKind::kNew, BTRFS_INODE_REF_KEY), 11u);
	EXPECT_GE(count_kind(changes, ChangeKind::kChanged, BTRFS_EXTENT_DATA_KEY), 10u);
	EXPECT_GE(count_kind(changes, ChangeKind::kNew, BTRFS_XATTR_ITEM_KEY), 5u);
	EXPECT_GE(count_kind(changes, ChangeKind::kChanged, BTRFS_XATTR_ITEM_KEY), 1u);
	EXPECT_GE(count_kind(changes, ChangeKind::kDeleted, BTRFS_XATTR_ITEM_KEY), 1u);

	EXPECT_EQ(compared(*opened.fs, snap1, snap2), brute_force_diff(*opened.fs, snap1, snap2));
}

namespace {

// A host over an image that plays a commit that was newest when the compare
// started and has since been superseded: until the superblock is read a
// second time it serves that superblock a generation older (its root tree
// root block with it), and one tree block as bytes that were freed and
// reused. Afterwards it serves the image as it is. With stuck set, the
// superblock never changes and the reused block stays bad: corruption that
// no newer commit explains.
class ReusedBlockHost {
public:
	ReusedBlockHost(const std::string& path, uint64_t reused_bytenr, bool stuck) : stuck_(stuck)
	{
		EXPECT_EQ(image_.open(path), 0);
		test::OpenedFs plain(path);
		const tree::FsSuper& super = plain.fs->super();
		nodesize_ = super.nodesize;
		reused_physical_ = physical_of(*plain.fs, reused_bytenr);
		root_tree_physical_ = physical_of(*plain.fs, super.root);
		old_generation_ = super.generation - 1;
	}

	bsend_host_fs* host() { return &state_.base; }

private:
	struct State {
		bsend_host_fs base;
		ReusedBlockHost* self;
	};

	uint64_t physical_of(tree::Filesystem& fs, uint64_t bytenr)
	{
		auto mapping = fs.map(bytenr, nodesize_);
		EXPECT_TRUE(mapping.is_ok());
		return mapping.value().copies[0].physical;
	}

	// Rewrites the generation field at offset and the checksum over it.
	static void set_generation(uint8_t* bytes, size_t size, size_t offset, uint64_t generation)
	{
		store_le64(bytes + offset, generation);
		bsend_host_checksum(BSEND_CSUM_CRC32C, bytes + BTRFS_CSUM_SIZE, size - BTRFS_CSUM_SIZE, bytes);
	}

	static int read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		ReusedBlockHost* self = reinterpret_cast<State*>(fs)->self;
		int ret = self->image_.host()->read(self->image_.host(), devid, physical, buf, len);
		if (ret < 0)
			return ret;
		uint8_t* bytes = static_cast<uint8_t*>(buf);
		bool is_super = physical == BSEND_SUPER_OFFSET && len == BSEND_SUPER_SIZE;
		if (is_super)
			self->super_reads_++;
		bool superseded = self->stuck_ || self->super_reads_ < 2;
		if (!superseded)
			return 0;
		if (is_super && !self->stuck_)
			set_generation(bytes, len, offsetof(btrfs_super_block, generation), self->old_generation_);
		bool is_block = !is_super && len == self->nodesize_;
		if (is_block && physical == self->root_tree_physical_ && !self->stuck_)
			set_generation(bytes, len, offsetof(btrfs_header, generation), self->old_generation_);
		if (is_block && physical == self->reused_physical_)
			bytes[len / 2] ^= 0xff;
		return 0;
	}

	posix::ImageHost image_;
	bool stuck_;
	uint32_t nodesize_ = 0;
	uint64_t reused_physical_ = 0;
	uint64_t root_tree_physical_ = 0;
	uint64_t old_generation_ = 0;
	int super_reads_ = 0;
	State state_{{&ReusedBlockHost::read}, this};
};

// A leaf of snap2 that the compare must read, holding a change that is not
// among the first leaf's: the compare has reported something before it
// reaches the leaf.
uint64_t leaf_in_the_middle(tree::Filesystem& fs, const tree::TreeRoot& snap2, const std::vector<Change>& changes)
{
	tree::TreePath path(fs, snap2);
	EXPECT_TRUE(found(path.search(changes.front().key)));
	uint64_t first_leaf = path.leaf_bytenr();
	for (size_t i = changes.size() / 2; i < changes.size(); i++) {
		if (changes[i].kind == ChangeKind::kDeleted)
			continue;
		EXPECT_TRUE(found(path.search(changes[i].key)));
		if (path.leaf_bytenr() != first_leaf)
			return path.leaf_bytenr();
	}
	ADD_FAILURE() << "no change outside the first leaf";
	return 0;
}

} // namespace

TEST_F(SnapshotPair, AReusedBlockIsReadAgainFromTheNewestCommitAndNothingIsReportedTwice)
{
	test::OpenedFs plain(*path);
	tree::TreeRoot snap1 = plain.root(plain.subvolume("snap1"));
	tree::TreeRoot snap2 = plain.root(plain.subvolume("snap2"));
	std::vector<Change> expected = compared(*plain.fs, snap2, snap1);
	uint64_t reused = leaf_in_the_middle(*plain.fs, snap2, expected);

	ReusedBlockHost host(*path, reused, false);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20).release_value();
	EXPECT_EQ(fs->super().generation, plain.fs->super().generation - 1);
	tree::TreeRoot left = fs->tree_root(snap2.tree_id).value();
	tree::TreeRoot right = fs->tree_root(snap1.tree_id).value();

	std::vector<Change> changes;
	size_t reported_before_refresh = 0;
	auto done = tree::compare_trees(*fs, left, right, [&](const tree::TreeChange& change) -> Result<void> {
		if (fs->stats().refreshes == 0)
			reported_before_refresh++;
		changes.push_back({change.kind, change.key, copy_of(change.left), copy_of(change.right)});
		return {};
	});
	ASSERT_TRUE(done.is_ok()) << done.error().cause << " at bytenr " << done.error().bytenr;
	EXPECT_EQ(fs->stats().refreshes, 1u);
	EXPECT_EQ(fs->super().generation, plain.fs->super().generation);
	EXPECT_GT(reported_before_refresh, 0u);
	EXPECT_LT(reported_before_refresh, expected.size());
	EXPECT_EQ(changes, expected);
}

TEST_F(SnapshotPair, ABadBlockWithNoNewerCommitEndsTheCompareNamingIt)
{
	test::OpenedFs plain(*path);
	tree::TreeRoot snap1 = plain.root(plain.subvolume("snap1"));
	tree::TreeRoot snap2 = plain.root(plain.subvolume("snap2"));
	uint64_t bad = leaf_in_the_middle(*plain.fs, snap2, compared(*plain.fs, snap2, snap1));

	ReusedBlockHost host(*path, bad, true);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20).release_value();
	size_t reported = 0;
	auto done = tree::compare_trees(*fs, snap2, snap1, [&](const tree::TreeChange&) -> Result<void> {
		reported++;
		return {};
	});
	ASSERT_FALSE(done.is_ok());
	EXPECT_EQ(done.error().errno_value, err::kCorrupt);
	EXPECT_STREQ(done.error().cause, "tree block checksum mismatch");
	EXPECT_EQ(done.error().bytenr, bad);
	EXPECT_EQ(fs->stats().refreshes, 1u);
	EXPECT_GT(reported, 0u);
}

TEST_F(SnapshotPair, AnErrorFromTheVisitorEndsTheCompareWithoutARetry)
{
	test::OpenedFs opened(*path);
	tree::TreeRoot snap1 = opened.root(opened.subvolume("snap1"));
	tree::TreeRoot snap2 = opened.root(opened.subvolume("snap2"));
	size_t reported = 0;
	auto done = tree::compare_trees(*opened.fs, snap2, snap1, [&](const tree::TreeChange&) -> Result<void> {
		if (++reported == 3)
			return Error::make(err::kCorrupt, "visitor says no").at_ino(42);
		return {};
	});
	ASSERT_FALSE(done.is_ok());
	EXPECT_STREQ(done.error().cause, "visitor says no");
	EXPECT_EQ(done.error().ino, 42u);
	EXPECT_EQ(reported, 3u);
	EXPECT_EQ(opened.fs->stats().refreshes, 0u);
}

namespace {

// Counts the blocks a compare enters, and fails the one numbered fail_at
// (from 1; 0: none).
class CountingPacer final : public tree::BlockPacer {
public:
	explicit CountingPacer(size_t fail_at) : fail_at_(fail_at) {}
	Result<void> entered_block() override
	{
		if (++entered == fail_at_)
			return Error::make(err::kInvalid, "send interrupted").at_ino(7);
		return {};
	}
	size_t entered = 0;

private:
	size_t fail_at_;
};

// Compares snap2 with snap1 with pacer, counting the changes reported.
Result<void> compare_paced(test::OpenedFs& opened, CountingPacer& pacer, size_t* reported)
{
	tree::TreeRoot snap1 = opened.root(opened.subvolume("snap1"));
	tree::TreeRoot snap2 = opened.root(opened.subvolume("snap2"));
	return tree::compare_trees(
		*opened.fs, snap2, snap1,
		[reported](const tree::TreeChange&) -> Result<void> {
			(*reported)++;
			return {};
		},
		&pacer);
}

} // namespace

TEST_F(SnapshotPair, ThePacerIsCalledForEachBlockEntered)
{
	test::OpenedFs opened(*path);
	CountingPacer pacer(0);
	uint64_t reads_before = opened.fs->stats().blocks_read;
	size_t reported = 0;
	auto done = compare_paced(opened, pacer, &reported);
	ASSERT_TRUE(done.is_ok()) << done.error().cause;
	EXPECT_GT(reported, 0u);
	// Every block below the two roots that the compare went into, once.
	EXPECT_GT(pacer.entered, 0u);
	EXPECT_LE(pacer.entered, opened.fs->stats().blocks_read - reads_before);
}

TEST_F(SnapshotPair, AnErrorFromThePacerEndsTheCompareWithoutARetry)
{
	test::OpenedFs opened(*path);
	CountingPacer pacer(1);
	size_t reported = 0;
	auto done = compare_paced(opened, pacer, &reported);
	ASSERT_FALSE(done.is_ok());
	EXPECT_EQ(done.error().errno_value, err::kInvalid);
	EXPECT_EQ(done.error().ino, 7u);
	EXPECT_EQ(pacer.entered, 1u);
	EXPECT_EQ(reported, 0u);
	EXPECT_EQ(opened.fs->stats().refreshes, 0u);
}
