// Crafted metadata that once made a walk run forever or for a time that
// grows faster than the tree: every block passes the checks of one block
// (checksum, bytenr, fsid, owner, level, generation, keys in order), and
// only what spans blocks finds the change. Each must end quickly with a
// clear error; SIGALRM (kTimeBound) fails the test process if one does not.
//   - a node whose pointers all name one child (a shared subtree under
//     other keys): the child's first key is not its pointer's;
//   - a leaf whose keys run into the next leaf's: keys do not rise across
//     leaves;
//   - a directory that is its own parent in the parent snapshot of an
//     incremental send: a loop, found at its first step;
//   - a directory chain deeper than any path: refused at PATH_MAX, as the
//     in-kernel send refuses it;
//   - a name that is not a file name ("..", a '/', a NUL): refused before
//     a path of it could take the receiver out of its directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btrfs_tree.h>

#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/send/incremental_send.h"
#include "module/core/tree/path.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/walk.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/block_doctor.h"
#include "tests/unit/opened_fs.h"
#include "tests/unit/snapshot_fixture.h"
#include "tests/unit/stream_commands.h"
#include "tests/unit/string_sink.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

constexpr int kCorrupt = 117;		// EUCLEAN
constexpr int kNameTooLong = 36;	// ENAMETOOLONG
// Seconds any of these may take before the process is killed: far above
// what they take (well under a second each), far below a walk gone wrong.
constexpr unsigned kTimeBound = 60;
// Two chains of directories, each shallower than PATH_MAX allows, which
// joined are deeper: 2 x 1100 components of one letter.
constexpr int kChainDepth = 1100;


// The error a result holds, as "errno: cause" (or "ok").
template <typename T> std::string outcome(const Result<T>& result)
{
	if (result.is_ok())
		return "ok";
	return std::to_string(result.error().errno_value) + ": " + result.error().cause;
}

Result<u64> count_blocks(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	u64 blocks = 0;
	TRY(tree::walk_blocks(fs, root, [&blocks](const format::TreeBlockView&) -> Result<void> {
		blocks++;
		return {};
	}));
	return blocks;
}

Result<u64> count_items(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	tree::TreePath path(fs, root);
	u64 items = 0;
	for (bool more = TRY(path.search(format::Key::min())); more; more = TRY(path.next()))
		items++;
	return items;
}

Result<send::SendStats> send_full(tree::Filesystem& fs, std::string* stream)
{
	test::StringSink sink;
	auto writer = TRY(stream::StreamWriter::create(sink, 1));
	send::DiskFileData data(fs);
	send::SendOptions options;
	options.subvolume = BTRFS_FS_TREE_OBJECTID;
	options.name = "received";
	auto sent = send::full_send(fs, data, writer, options);
	*stream = sink.data;
	return sent;
}

class CraftedTrees : public testing::Test {
protected:
	void SetUp() override
	{
		alarm(kTimeBound);
		char name[] = "/tmp/bsend-test-crafted-XXXXXX";
		root_ = mkdtemp(name);
		for (int i = 0; i < 400; i++)
			std::ofstream(root_ + "/f" + std::to_string(i)) << "file " << i << "\n";
	}

	// The image of what root_ holds, with 4 KiB nodes: a fs tree of a few
	// levels.
	void make_image()
	{
		ImageOptions options("crc32c", 4096);
		options.rootdir = root_;
		image_ = std::make_unique<TestImage>(options);
	}
	void TearDown() override
	{
		image_.reset();
		std::filesystem::remove_all(root_);
		EXPECT_EQ(posix::allocations_outstanding(), 0);
		alarm(0);
	}

	// kChainDepth directories named name, each in the one before, made
	// by file descriptor (std::filesystem trips over such paths); with a
	// file at the bottom if asked.
	void make_chain(const char* name, bool with_file)
	{
		int dir = open(root_.c_str(), O_DIRECTORY | O_RDONLY);
		ASSERT_GE(dir, 0);
		for (int i = 0; i < kChainDepth; i++) {
			ASSERT_EQ(mkdirat(dir, name, 0755), 0);
			int below = openat(dir, name, O_DIRECTORY | O_RDONLY);
			ASSERT_GE(below, 0);
			close(dir);
			dir = below;
		}
		if (with_file) {
			int file = openat(dir, "bottom", O_CREAT | O_WRONLY, 0644);
			ASSERT_GE(file, 0);
			ASSERT_EQ(write(file, "bottom\n", 7), 7);
			close(file);
		}
		close(dir);
	}

	std::string root_;
	std::unique_ptr<TestImage> image_;
};

TEST_F(CraftedTrees, ANodeWhosePointersAllNameOneChildIsRefused)
{
	make_image();
	{
		test::OpenedFs opened(image_->path());
		tree::TreeRoot root = opened.root(BTRFS_FS_TREE_OBJECTID);
		ASSERT_GE(root.level, 1);
		ASSERT_TRUE(count_blocks(*opened.fs, root).is_ok());
		// Every pointer of the root names its first child, under the
		// keys it had: a walk would go through that subtree once per
		// pointer, at every level such a node is.
		test::rewrite_block(image_->path(), *opened.fs, root.bytenr, [](std::vector<uint8_t>& block) {
			btrfs_key_ptr* pointers = test::node_pointers(block);
			for (u32 i = 1; i < test::block_header(block)->nritems; i++) {
				pointers[i].blockptr = pointers[0].blockptr;
				pointers[i].generation = pointers[0].generation;
			}
		});
	}
	test::OpenedFs opened(image_->path());
	tree::TreeRoot root = opened.root(BTRFS_FS_TREE_OBJECTID);
	const char* cause = "tree block's first key differs from its parent's pointer";

	auto walked = count_blocks(*opened.fs, root);
	EXPECT_EQ(outcome(walked), std::to_string(kCorrupt) + ": " + cause);
	auto scanned = count_items(*opened.fs, root);
	EXPECT_EQ(outcome(scanned), std::to_string(kCorrupt) + ": " + cause);
	std::string stream;
	auto sent = send_full(*opened.fs, &stream);
	EXPECT_EQ(outcome(sent), std::to_string(kCorrupt) + ": " + cause);
}

TEST_F(CraftedTrees, ALeafWhoseKeysRunIntoTheNextLeafIsRefused)
{
	make_image();
	{
		test::OpenedFs opened(image_->path());
		tree::TreeRoot root = opened.root(BTRFS_FS_TREE_OBJECTID);
		tree::TreePath path(*opened.fs, root);
		ASSERT_TRUE(path.search(format::Key::min()).value());
		u64 first_leaf = path.leaf_bytenr();
		while (path.leaf_bytenr() == first_leaf)
			ASSERT_TRUE(path.next().value());
		format::Key next_first = path.key();
		// The first leaf's last key moves past the second leaf's first:
		// still in order within its leaf, out of order across the two.
		test::rewrite_block(image_->path(), *opened.fs, first_leaf, [&](std::vector<uint8_t>& block) {
			u32 nritems = test::block_header(block)->nritems;
			ASSERT_GT(nritems, 1u);
			test::leaf_items(block)[nritems - 1].key.objectid = next_first.objectid + 1;
		});
	}
	test::OpenedFs opened(image_->path());
	tree::TreeRoot root = opened.root(BTRFS_FS_TREE_OBJECTID);

	auto walked = count_blocks(*opened.fs, root);
	EXPECT_EQ(outcome(walked), std::to_string(kCorrupt) + ": tree blocks of one level out of key order");
	auto scanned = count_items(*opened.fs, root);
	EXPECT_EQ(outcome(scanned), std::to_string(kCorrupt) + ": tree keys out of order across leaves");
	// The send reads the inodes' items by search, and finds first that the
	// moved item stands before its inode's INODE_ITEM: it fails, one way
	// or the other, and never ends the stream.
	std::string stream;
	auto sent = send_full(*opened.fs, &stream);
	EXPECT_FALSE(sent.is_ok());
	EXPECT_FALSE(test::has_command(stream, BSEND_SEND_C_END));
}

TEST_F(CraftedTrees, APathDeeperThanPathMaxIsRefusedAtItsLimit)
{
	make_chain("a", false);
	make_chain("b", true);
	make_image();
	{
		test::OpenedFs opened(image_->path());
		tree::TreeRoot root = opened.root(BTRFS_FS_TREE_OBJECTID);
		// The deepest "a" and the top "b": the INODE_REF of "b" moves
		// under that "a", so that the two chains are one, too deep.
		u64 deepest_a = 0, top_b = 0, top_b_leaf = 0;
		u32 top_b_slot = 0;
		tree::TreePath path(*opened.fs, root);
		for (bool more = path.search(format::Key::min()).value(); more; more = path.next().value()) {
			format::Key key = path.key();
			Bytes data = path.data();
			if (key.type != BTRFS_INODE_REF_KEY || data.size() != sizeof(btrfs_inode_ref) + 1)
				continue;
			char name = static_cast<char>(data.data()[sizeof(btrfs_inode_ref)]);
			if (name == 'a')
				deepest_a = std::max(deepest_a, key.objectid);
			if (name == 'b' && key.offset == BTRFS_FIRST_FREE_OBJECTID) {
				top_b = key.objectid;
				top_b_leaf = path.leaf_bytenr();
			}
		}
		ASSERT_NE(deepest_a, 0u);
		ASSERT_NE(top_b, 0u);
		test::rewrite_block(image_->path(), *opened.fs, top_b_leaf, [&](std::vector<uint8_t>& block) {
			btrfs_item* items = test::leaf_items(block);
			for (u32 i = 0; i < test::block_header(block)->nritems; i++) {
				if (items[i].key.objectid == top_b && items[i].key.type == BTRFS_INODE_REF_KEY) {
					items[i].key.offset = deepest_a;
					top_b_slot = i;
				}
			}
		});
		// Slot 0 would change the leaf's first key, which its parent's
		// pointer names: another error than the one under test.
		ASSERT_NE(top_b_slot, 0u);
	}
	test::OpenedFs opened(image_->path());
	std::string stream;
	auto started = std::chrono::steady_clock::now();
	auto sent = send_full(*opened.fs, &stream);
	auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	EXPECT_EQ(outcome(sent), std::to_string(kNameTooLong) + ": path longer than PATH_MAX");
	EXPECT_EQ(sent.error().expected, 4095u);
	// The first path too long is 4096 or 4097 bytes: found as it grows.
	EXPECT_LE(sent.error().found, 4097u);
	std::cout << "refused in " << seconds << " s\n";
}

// A file's INODE_REF name rewritten to each of these (two bytes, as the
// name it had): the full send stops at that inode, before any path made of
// the name reaches the stream, and never ends it.
class CraftedNames : public CraftedTrees, public testing::WithParamInterface<std::string> {};

TEST_P(CraftedNames, ANameThatIsNotAFileNameIsRefused)
{
	std::ofstream(root_ + "/xy") << "named\n";
	make_image();
	u64 ino = 0;
	{
		test::OpenedFs opened(image_->path());
		tree::TreePath path(*opened.fs, opened.root(BTRFS_FS_TREE_OBJECTID));
		u64 leaf = 0;
		for (bool more = path.search(format::Key::min()).value(); more; more = path.next().value()) {
			Bytes data = path.data();
			if (path.key().type == BTRFS_INODE_REF_KEY && data.size() == sizeof(btrfs_inode_ref) + 2 &&
			    std::memcmp(data.data() + sizeof(btrfs_inode_ref), "xy", 2) == 0) {
				ino = path.key().objectid;
				leaf = path.leaf_bytenr();
			}
		}
		ASSERT_NE(ino, 0u);
		bool renamed = false;
		test::rewrite_block(image_->path(), *opened.fs, leaf, [&](std::vector<uint8_t>& block) {
			btrfs_item* items = test::leaf_items(block);
			for (u32 i = 0; i < test::block_header(block)->nritems; i++) {
				if (items[i].key.objectid != ino || items[i].key.type != BTRFS_INODE_REF_KEY)
					continue;
				u8* name = block.data() + sizeof(btrfs_header) + items[i].offset + sizeof(btrfs_inode_ref);
				std::memcpy(name, GetParam().data(), 2);
				renamed = true;
			}
		});
		ASSERT_TRUE(renamed);
	}
	test::OpenedFs opened(image_->path());
	std::string stream;
	auto sent = send_full(*opened.fs, &stream);
	EXPECT_EQ(outcome(sent), std::to_string(kCorrupt) +
					 ": inode ref name is not a file name (empty, . or .., over 255 bytes, or "
					 "holding / or NUL)");
	EXPECT_EQ(sent.error().ino, ino);
	EXPECT_EQ(stream.find(GetParam()), std::string::npos);
	EXPECT_FALSE(test::has_command(stream, BSEND_SEND_C_END));
}

INSTANTIATE_TEST_SUITE_P(DotDotSlashNul, CraftedNames,
			 testing::Values(std::string(".."), std::string("a/"), std::string("/a"),
					 std::string("a\0", 2)),
			 [](const testing::TestParamInfo<std::string>& info) { return "name" + std::to_string(info.index); });

TEST(FileNames, OnlyWhatCanBeOnePathComponent)
{
	EXPECT_TRUE(format::is_file_name(StringView("a")));
	EXPECT_TRUE(format::is_file_name(StringView("...")));
	EXPECT_TRUE(format::is_file_name(StringView(".a")));
	std::string longest(BTRFS_NAME_LEN, 'n');
	EXPECT_TRUE(format::is_file_name(StringView(longest.data(), longest.size())));
	std::string too_long(BTRFS_NAME_LEN + 1, 'n');
	EXPECT_FALSE(format::is_file_name(StringView(too_long.data(), too_long.size())));
	EXPECT_FALSE(format::is_file_name(StringView()));
	EXPECT_FALSE(format::is_file_name(StringView(".")));
	EXPECT_FALSE(format::is_file_name(StringView("..")));
	EXPECT_FALSE(format::is_file_name(StringView("a/b")));
	EXPECT_FALSE(format::is_file_name(StringView("a\0b", 3)));
}

// The snapshot fixture: "gone" is a directory of snap1 that snap2 lacks.
class CraftedParent : public test::SnapshotFixtureTest {};

TEST_F(CraftedParent, ADirectoryThatIsItsOwnParentIsALoopFoundAtOnce)
{
	alarm(kTimeBound);
	u64 snap1 = 0, snap2 = 0;
	{
		test::OpenedFs opened(*path);
		snap1 = opened.subvolume("snap1");
		snap2 = opened.subvolume("snap2");
		ASSERT_NE(snap1, 0u);
		ASSERT_NE(snap2, 0u);
		tree::TreePath refs(*opened.fs, opened.root(snap1));
		u64 gone = 0, leaf = 0;
		for (bool more = refs.search(format::Key::min()).value(); more; more = refs.next().value()) {
			Bytes data = refs.data();
			if (refs.key().type == BTRFS_INODE_REF_KEY && data.size() == sizeof(btrfs_inode_ref) + 4 &&
			    std::memcmp(data.data() + sizeof(btrfs_inode_ref), "gone", 4) == 0) {
				gone = refs.key().objectid;
				leaf = refs.leaf_bytenr();
			}
		}
		ASSERT_NE(gone, 0u);
		bool moved = false;
		test::rewrite_block(*path, *opened.fs, leaf, [&](std::vector<uint8_t>& block) {
			btrfs_item* items = test::leaf_items(block);
			for (u32 i = 1; i < test::block_header(block)->nritems; i++) {
				if (items[i].key.objectid == gone && items[i].key.type == BTRFS_INODE_REF_KEY) {
					items[i].key.offset = gone;
					moved = true;
				}
			}
		});
		ASSERT_TRUE(moved) << "the INODE_REF of gone is the first item of its leaf";
	}
	test::OpenedFs opened(*path);
	test::StringSink sink;
	auto writer = stream::StreamWriter::create(sink, 1).release_value();
	send::DiskFileData data(*opened.fs);
	send::SendOptions options;
	options.subvolume = snap2;
	options.parent = snap1;
	options.name = "snap2";
	auto sent = send::incremental_send(*opened.fs, data, writer, options);
	EXPECT_EQ(outcome(sent), std::to_string(kCorrupt) + ": directory references form a loop");
	alarm(0);
}

} // namespace
