// tree/: the chunk map, validated block reads, search/next/prev and tree
// walks, on images made by mkfs.btrfs --rootdir, checked against
// btrfs inspect-internal dump-tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <vector>

#include "module/core/support/errno.h"
#include "module/core/tree/path.h"
#include "module/core/tree/walk.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/tools/tree_listing.h"
#include "tests/unit/dump_tree_text.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

constexpr int kBigDirEntries = 50000;

// A source tree with one directory of 50k entries (so the fs tree has
// several levels at every nodesize) and a few other kinds of files.
class SourceTree {
public:
	SourceTree()
	{
		char name[] = "/tmp/bsend-test-root-XXXXXX";
		path_ = mkdtemp(name);
		std::filesystem::create_directories(path_ + "/big");
		for (int i = 0; i < kBigDirEntries; i++)
			std::ofstream(path_ + "/big/entry-" + std::to_string(i));
		std::filesystem::create_directories(path_ + "/a/b/c");
		std::ofstream(path_ + "/a/b/c/data") << std::string(300000, 'x');
		std::filesystem::create_symlink("a/b/c/data", path_ + "/link");
		std::filesystem::create_hard_link(path_ + "/a/b/c/data", path_ + "/a/hardlink");
		std::ofstream(path_ + "/inline") << "small";
		std::filesystem::create_directories(path_ + "/sub/inner");
		std::ofstream(path_ + "/sub/inner/file") << std::string(70000, 'y');
	}
	~SourceTree() { std::filesystem::remove_all(path_); }
	const std::string& path() const { return path_; }
	// Inodes of the top subvolume: root, big, its entries, a, b, c, data
	// (with its hard link), link, inline. sub is a subvolume of its own
	// (--subvol ro:sub) with its root, inner and file.
	static constexpr u64 kInodes = 2 + kBigDirEntries + 6;

private:
	std::string path_;
};

SourceTree* source;

struct OpenedImage {
	std::unique_ptr<TestImage> image;
	posix::ImageHost host;
	UniquePtr<tree::Filesystem> fs;
};

std::unique_ptr<OpenedImage> open_image(ImageOptions options)
{
	auto opened = std::make_unique<OpenedImage>();
	options.size = 1ull << 30;
	opened->image = std::make_unique<TestImage>(options);
	EXPECT_EQ(opened->host.open(opened->image->path()), 0);
	auto fs = tree::Filesystem::open(opened->host.host(), 8 << 20);
	EXPECT_TRUE(fs.is_ok()) << (fs.is_ok() ? "" : fs.error().cause);
	if (fs.is_ok())
		opened->fs = fs.release_value();
	return opened;
}

std::vector<format::Key> all_keys_by_walk(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	std::vector<format::Key> keys;
	auto walked = tree::walk_blocks(fs, root, [&](const format::TreeBlockView& block) -> Result<void> {
		if (block.is_leaf())
			for (u32 slot = 0; slot < block.nritems(); slot++)
				keys.push_back(block.item_key(slot));
		return {};
	});
	EXPECT_TRUE(walked.is_ok());
	return keys;
}

std::string options_name(const ImageOptions& options)
{
	return options.csum + "_" + std::to_string(options.nodesize) + (options.mixed ? "_mixed" : "");
}

// The tests of one parameter share its image, made once: mkfs.btrfs
// --rootdir of 50k entries costs seconds.
class TreeReader : public testing::TestWithParam<ImageOptions> {
protected:
	static void SetUpTestSuite() { source = new SourceTree(); }
	static void TearDownTestSuite()
	{
		images().clear();
		EXPECT_EQ(posix::allocations_outstanding(), 0);
		delete source;
		source = nullptr;
	}
	void SetUp() override
	{
		auto& opened = images()[options_name(GetParam())];
		if (!opened) {
			ImageOptions options = GetParam();
			options.rootdir = source->path();
			options.extra = "--subvol ro:sub --compress zstd";
			opened = open_image(options);
		}
		opened_ = opened.get();
		ASSERT_TRUE(opened_->fs);
	}
	tree::Filesystem& fs() { return *opened_->fs; }
	const std::string& image_path() { return opened_->image->path(); }

	static std::map<std::string, std::unique_ptr<OpenedImage>>& images()
	{
		static std::map<std::string, std::unique_ptr<OpenedImage>> opened;
		return opened;
	}

	OpenedImage* opened_ = nullptr;
};

} // namespace

TEST_P(TreeReader, ListingsAgreeWithDumpTree)
{
	// Every tree the root tree has a root item for, plus the root and
	// chunk trees themselves.
	std::vector<u64> trees = {BTRFS_ROOT_TREE_OBJECTID, BTRFS_CHUNK_TREE_OBJECTID};
	for (const format::Key& key : all_keys_by_walk(fs(), fs().tree_root(1).value()))
		if (key.type == BTRFS_ROOT_ITEM_KEY)
			trees.push_back(key.objectid);
	ASSERT_GE(trees.size(), 6u);
	for (u64 id : trees) {
		std::string ours;
		auto root = fs().tree_root(id);
		ASSERT_TRUE(root.is_ok()) << "tree " << id;
		ASSERT_TRUE(test::list_tree(fs(), root.value(), &ours).is_ok()) << "tree " << id;
		EXPECT_EQ(ours, test::progs_tree_listing(image_path(), id)) << "tree " << id;
	}
}

TEST_P(TreeReader, FsTreeHasSeveralLevelsAndEveryInode)
{
	auto root = fs().tree_root(BTRFS_FS_TREE_OBJECTID);
	ASSERT_TRUE(root.is_ok());
	EXPECT_GE(root.value().level, 1);
	u64 inodes = 0;
	for (const format::Key& key : all_keys_by_walk(fs(), root.value()))
		inodes += key.type == BTRFS_INODE_ITEM_KEY;
	EXPECT_EQ(inodes, SourceTree::kInodes);
}

TEST_P(TreeReader, NextAndPrevVisitEveryItemAcrossLeaves)
{
	auto root = fs().tree_root(BTRFS_FS_TREE_OBJECTID).release_value();
	std::vector<format::Key> expected = all_keys_by_walk(fs(), root);

	tree::TreePath path(fs(), root);
	std::vector<format::Key> forward;
	for (bool more = path.search(format::Key::min()).value(); more; more = path.next().value())
		forward.push_back(path.key());
	ASSERT_EQ(forward.size(), expected.size());
	EXPECT_TRUE(forward == expected);

	std::vector<format::Key> backward;
	for (bool more = path.search_last_at_or_before(format::Key::max()).value(); more;
	     more = path.prev().value())
		backward.push_back(path.key());
	std::reverse(backward.begin(), backward.end());
	EXPECT_TRUE(backward == expected);
}

TEST_P(TreeReader, SearchFindsEveryKeyAndItsNeighbours)
{
	auto root = fs().tree_root(BTRFS_FS_TREE_OBJECTID).release_value();
	std::vector<format::Key> keys = all_keys_by_walk(fs(), root);
	tree::TreePath path(fs(), root);
	for (size_t i = 0; i < keys.size(); i += 37) {
		ASSERT_TRUE(path.search(keys[i]).value());
		EXPECT_TRUE(path.key() == keys[i]);
		format::Key after;
		ASSERT_TRUE(keys[i].successor(&after));
		bool found = path.search(after).value();
		ASSERT_EQ(found, i + 1 < keys.size());
		if (found) {
			EXPECT_TRUE(path.key() == keys[i + 1]);
		}
		// The last key <= after: after itself when it is the next key.
		bool after_is_next = found && keys[i + 1] == after;
		ASSERT_TRUE(path.search_last_at_or_before(after).value());
		EXPECT_TRUE(path.key() == (after_is_next ? keys[i + 1] : keys[i]));
	}
	EXPECT_FALSE(path.search(format::Key::max()).value());
}

TEST_P(TreeReader, ChunkMapMatchesChunkTree)
{
	std::string dump = test::run_command("btrfs inspect-internal dump-tree -t 3 " + image_path());
	std::regex chunk(R"(key \(FIRST_CHUNK_TREE CHUNK_ITEM (\d+)\)[^\n]*\n(?:[^\n]*\n)*?\s+stripe 0 devid (\d+) offset (\d+))");
	int checked = 0;
	for (std::sregex_iterator it(dump.begin(), dump.end(), chunk), end; it != end; ++it) {
		u64 logical = std::stoull((*it)[1]);
		auto mapping = fs().map(logical + 4096, 4096);
		ASSERT_TRUE(mapping.is_ok()) << logical;
		EXPECT_EQ(mapping.value().copies[0].devid, std::stoull((*it)[2]));
		EXPECT_EQ(mapping.value().copies[0].physical, std::stoull((*it)[3]) + 4096);
		checked++;
	}
	EXPECT_GE(checked, 2);
	EXPECT_FALSE(fs().map(0, 4096).is_ok());
}

INSTANTIATE_TEST_SUITE_P(
	ChecksumsNodesizesMixed, TreeReader,
	testing::Values(ImageOptions{"crc32c", 16384}, ImageOptions{"xxhash", 4096},
			ImageOptions{"sha256", 65536}, ImageOptions{"blake2", 16384},
			ImageOptions{"crc32c", 4096, true}),
	[](const testing::TestParamInfo<ImageOptions>& info) { return options_name(info.param); });

namespace {

// Flips one byte in the middle of one copy of a tree block.
void corrupt_block(OpenedImage& opened, u64 bytenr, u32 copy)
{
	auto mapping = opened.fs->map(bytenr, opened.fs->super().nodesize);
	ASSERT_TRUE(mapping.is_ok());
	ASSERT_LT(copy, mapping.value().num_copies);
	u64 at = mapping.value().copies[copy].physical + opened.fs->super().nodesize / 2;
	auto byte = opened.image->read(at, 1);
	byte[0] ^= 0x40;
	opened.image->write(at, byte);
}

// Opens the image afresh and reads its whole fs tree; returns the error,
// or an Error with errno 0 when everything read cleanly.
Error walk_fs_tree(const TestImage& image)
{
	posix::ImageHost host;
	EXPECT_EQ(host.open(image.path()), 0);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20);
	if (!fs.is_ok())
		return fs.error();
	auto root = fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID);
	if (!root.is_ok())
		return root.error();
	auto walked = tree::walk_blocks(*fs.value(), root.value(),
					[](const format::TreeBlockView&) -> Result<void> { return {}; });
	return walked.is_ok() ? Error() : walked.error();
}

class CorruptBlocks : public testing::Test {
protected:
	static void SetUpTestSuite() { source = new SourceTree(); }
	static void TearDownTestSuite()
	{
		delete source;
		source = nullptr;
	}
	void open(const char* metadata_profile)
	{
		ImageOptions options{"crc32c", 4096};
		options.rootdir = source->path();
		options.metadata = metadata_profile;
		opened_ = open_image(options);
		ASSERT_TRUE(opened_->fs);
		fs_root_ = opened_->fs->tree_root(BTRFS_FS_TREE_OBJECTID).release_value();
		ASSERT_GE(fs_root_.level, 1);
		tree::TreePath path(*opened_->fs, fs_root_);
		ASSERT_TRUE(path.search({300, 0, 0}).value());
		fs_leaf_ = path.leaf_bytenr();
	}
	void TearDown() override
	{
		opened_.reset();
		EXPECT_EQ(posix::allocations_outstanding(), 0);
	}

	std::unique_ptr<OpenedImage> opened_;
	tree::TreeRoot fs_root_;
	u64 fs_leaf_ = 0;
};

} // namespace

TEST_F(CorruptBlocks, FlippedByteInALeafNamesTheBytenr)
{
	open("single");
	corrupt_block(*opened_, fs_leaf_, 0);
	Error error = walk_fs_tree(*opened_->image);
	EXPECT_EQ(error.errno_value, err::kCorrupt);
	EXPECT_STREQ(error.cause, "tree block checksum mismatch");
	EXPECT_EQ(error.bytenr, fs_leaf_);
}

TEST_F(CorruptBlocks, FlippedByteInANodeNamesTheBytenr)
{
	open("single");
	corrupt_block(*opened_, fs_root_.bytenr, 0);
	Error error = walk_fs_tree(*opened_->image);
	EXPECT_EQ(error.errno_value, err::kCorrupt);
	EXPECT_STREQ(error.cause, "tree block checksum mismatch");
	EXPECT_EQ(error.bytenr, fs_root_.bytenr);
}

TEST_F(CorruptBlocks, FlippedByteInTheChunkTreeFailsTheOpen)
{
	open("single");
	u64 chunk_root = opened_->fs->super().chunk_root;
	corrupt_block(*opened_, chunk_root, 0);
	Error error = walk_fs_tree(*opened_->image);
	EXPECT_EQ(error.errno_value, err::kCorrupt);
	EXPECT_STREQ(error.cause, "tree block checksum mismatch");
	EXPECT_EQ(error.bytenr, chunk_root);
}

TEST_F(CorruptBlocks, DupMetadataReadsTheGoodCopy)
{
	open("dup");
	corrupt_block(*opened_, fs_leaf_, 0);
	EXPECT_EQ(walk_fs_tree(*opened_->image).errno_value, 0);
	corrupt_block(*opened_, fs_leaf_, 1);
	Error error = walk_fs_tree(*opened_->image);
	EXPECT_EQ(error.errno_value, err::kCorrupt);
	EXPECT_EQ(error.bytenr, fs_leaf_);
}
