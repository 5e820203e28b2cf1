// tree/: the stale-versus-corrupt rule, subvolume root items, watched
// subvolumes across commits, and profiles
// the reader does not support.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <linux/btrfs_tree.h>
#include <unistd.h>

#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/subvolume_watch.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/block_doctor.h"
#include "tests/unit/host_adapter.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

// An image host that serves a doctored primary superblock: on the first
// read only (a commit that was newest when the send started and has since
// been superseded), or on every read (corruption that no newer commit
// explains).
class DoctoredSuperHost {
public:
	DoctoredSuperHost(const std::string& path, bool doctor_every_read) : doctor_every_read_(doctor_every_read)
	{
		EXPECT_EQ(image_.open(path), 0);
	}

	// The superblock as the doctored copy will have it; its checksum is
	// recomputed after edit() ran.
	template <typename Edit> void doctor(const std::vector<uint8_t>& real, Edit edit)
	{
		doctored_ = real;
		edit(doctored_.data());
		bsend_host_checksum(BSEND_CSUM_CRC32C, doctored_.data() + BTRFS_CSUM_SIZE,
				    doctored_.size() - BTRFS_CSUM_SIZE, doctored_.data());
	}

	bsend_host_fs* host() { return adapter_.host(); }
	int super_reads() const { return super_reads_; }

	int read_at(uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		if (physical == BSEND_SUPER_OFFSET && len == BSEND_SUPER_SIZE) {
			bool doctor = doctor_every_read_ || super_reads_ == 0;
			super_reads_++;
			if (doctor) {
				std::memcpy(buf, doctored_.data(), len);
				return 0;
			}
		}
		return image_.host()->read(image_.host(), devid, physical, buf, len);
	}

private:
	posix::ImageHost image_;
	bool doctor_every_read_;
	std::vector<uint8_t> doctored_;
	int super_reads_ = 0;
	test::HostAdapter<DoctoredSuperHost> adapter_{this};
};

// An older superblock whose chunk root pointer leads to a block that is not
// (or no longer) a chunk tree block: the root tree's root, which lies in a
// metadata chunk that only the chunk tree itself could map.
void point_chunk_root_at_root_tree(uint8_t* super)
{
	uint64_t generation = load_le64(super + offsetof(btrfs_super_block, generation));
	uint64_t root = load_le64(super + offsetof(btrfs_super_block, root));
	store_le64(super + offsetof(btrfs_super_block, generation), generation - 1);
	store_le64(super + offsetof(btrfs_super_block, chunk_root), root);
	store_le64(super + offsetof(btrfs_super_block, chunk_root_generation), generation);
	super[offsetof(btrfs_super_block, chunk_root_level)] = super[offsetof(btrfs_super_block, root_level)];
}

class TreeRecovery : public testing::Test {
protected:
	void TearDown() override { EXPECT_EQ(posix::allocations_outstanding(), 0); }
};

} // namespace

TEST_F(TreeRecovery, ABadBlockFromAnOlderCommitIsRetriedFromTheNewest)
{
	TestImage image(ImageOptions{});
	DoctoredSuperHost host(image.path(), false);
	host.doctor(image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE), point_chunk_root_at_root_tree);

	auto fs = tree::Filesystem::open(host.host(), 1 << 20);
	ASSERT_TRUE(fs.is_ok()) << fs.error().cause;
	EXPECT_EQ(fs.value()->stats().refreshes, 1u);
	EXPECT_EQ(fs.value()->stats().newer_commits, 1u);
	EXPECT_EQ(host.super_reads(), 2);
	EXPECT_EQ(fs.value()->super().generation, std::stoull(image.dump_super_field("generation")));
	EXPECT_TRUE(fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID).is_ok());
}

TEST_F(TreeRecovery, ABadBlockWithNoNewerCommitIsCorruption)
{
	TestImage image(ImageOptions{});
	DoctoredSuperHost host(image.path(), true);
	auto real = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	host.doctor(real, point_chunk_root_at_root_tree);
	uint64_t root_tree = load_le64(real.data() + offsetof(btrfs_super_block, root));

	auto fs = tree::Filesystem::open(host.host(), 1 << 20);
	ASSERT_FALSE(fs.is_ok());
	EXPECT_EQ(fs.error().errno_value, err::kCorrupt);
	EXPECT_STREQ(fs.error().cause, "no chunk maps the logical address");
	EXPECT_EQ(fs.error().bytenr, root_tree);
	EXPECT_EQ(host.super_reads(), 2);
}

TEST_F(TreeRecovery, SubvolumeRootItemsCarryFlagsAndUuids)
{
	char dir[] = "/tmp/bsend-test-subvols-XXXXXX";
	std::string root = mkdtemp(dir);
	std::filesystem::create_directories(root + "/ro");
	std::filesystem::create_directories(root + "/rw");
	std::ofstream(root + "/ro/file") << "x";
	ImageOptions options;
	options.rootdir = root;
	options.extra = "--subvol ro:ro --subvol rw:rw";
	TestImage image(options);
	std::filesystem::remove_all(root);

	posix::ImageHost host;
	ASSERT_EQ(host.open(image.path()), 0);
	auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
	std::string dump = test::run_command("btrfs inspect-internal dump-tree -t 1 " + image.path());

	int readonly = 0, writable = 0;
	for (u64 id = BTRFS_FIRST_FREE_OBJECTID; id < BTRFS_FIRST_FREE_OBJECTID + 2; id++) {
		auto info = tree::read_subvolume(*fs, id);
		ASSERT_TRUE(info.is_ok()) << id;
		ASSERT_TRUE(info.value().has_uuids);
		readonly += info.value().readonly();
		writable += !info.value().readonly();
		auto uuid = test::parse_uuid(
			dump.substr(dump.find("\t\tuuid ", dump.find("key (" + std::to_string(id) + " ROOT_ITEM")) + 7, 36));
		EXPECT_EQ(std::memcmp(uuid.data(), info.value().uuid, 16), 0) << id;
	}
	EXPECT_EQ(readonly, 1);
	EXPECT_EQ(writable, 1);
	EXPECT_FALSE(tree::read_subvolume(*fs, BTRFS_FS_TREE_OBJECTID).value().readonly());

	auto missing = tree::read_subvolume(*fs, 4242);
	ASSERT_FALSE(missing.is_ok());
	EXPECT_EQ(missing.error().errno_value, err::kNoEntry);
	EXPECT_EQ(missing.error().ino, 4242u);
}

namespace {

// A filesystem that commits once while it is open: a host that reads an
// image until next_commit(), then a copy of it whose superblock and root
// tree leaf are one generation newer and whose root item of one subvolume
// was edited, as btrfs would write it after a change to that subvolume.
class CommittingHost {
public:
	CommittingHost(const std::string& path, const std::string& newer_path)
	{
		EXPECT_EQ(image_.open(path), 0);
		EXPECT_EQ(newer_.open(newer_path), 0);
	}

	void next_commit() { committed_ = true; }
	bsend_host_fs* host() { return adapter_.host(); }

	int read_at(uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		bsend_host_fs* host = committed_ ? newer_.host() : image_.host();
		return host->read(host, devid, physical, buf, len);
	}

private:
	posix::ImageHost image_;
	posix::ImageHost newer_;
	bool committed_ = false;
	test::HostAdapter<CommittingHost> adapter_{this};
};

// An image with subvolumes "ro" (read-only, id 256) and "rw" (id 257).
class WatchedSubvolumes : public TreeRecovery {
protected:
	static constexpr u64 kReadOnly = BTRFS_FIRST_FREE_OBJECTID;
	static constexpr u64 kWritable = BTRFS_FIRST_FREE_OBJECTID + 1;

	void SetUp() override
	{
		char dir[] = "/tmp/bsend-test-watch-XXXXXX";
		std::string root = mkdtemp(dir);
		std::filesystem::create_directories(root + "/ro");
		std::filesystem::create_directories(root + "/rw");
		ImageOptions options;
		options.rootdir = root;
		options.extra = "--subvol ro:ro --subvol rw:rw";
		image_ = std::make_unique<TestImage>(options);
		std::filesystem::remove_all(root);
		newer_path_ = image_->path() + ".newer";
	}
	void TearDown() override
	{
		unlink(newer_path_.c_str());
		TreeRecovery::TearDown();
	}

	// Writes the newer commit: the image copied, the root item of tree_id
	// edited in the root tree's leaf, the leaf and the superblock one
	// generation on.
	void commit_with_root_item_edit(u64 tree_id, const std::function<void(uint8_t* root_item)>& edit)
	{
		test::run_command("cp --sparse=always " + image_->path() + " " + newer_path_);
		posix::ImageHost host;
		ASSERT_EQ(host.open(image_->path()), 0);
		auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
		u64 generation = fs->super().generation;
		test::rewrite_block(newer_path_, *fs, fs->super().root, [&](std::vector<uint8_t>& block) {
			btrfs_header* header = test::block_header(block);
			ASSERT_EQ(header->level, 0) << "the root tree is one leaf";
			store_le64(reinterpret_cast<uint8_t*>(header) + offsetof(btrfs_header, generation), generation + 1);
			btrfs_item* items = test::leaf_items(block);
			for (u32 i = 0; i < load_le32(reinterpret_cast<uint8_t*>(&header->nritems)); i++) {
				const uint8_t* key = reinterpret_cast<const uint8_t*>(&items[i].key);
				if (load_le64(key + offsetof(btrfs_disk_key, objectid)) != tree_id ||
				    key[offsetof(btrfs_disk_key, type)] != BTRFS_ROOT_ITEM_KEY)
					continue;
				u32 offset = load_le32(reinterpret_cast<uint8_t*>(&items[i]) + offsetof(btrfs_item, offset));
				edit(block.data() + sizeof(btrfs_header) + offset);
			}
		});
		auto super = image_->read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
		store_le64(super.data() + offsetof(btrfs_super_block, generation), generation + 1);
		bsend_host_checksum(BSEND_CSUM_CRC32C, super.data() + BTRFS_CSUM_SIZE, super.size() - BTRFS_CSUM_SIZE,
				    super.data());
		std::fstream out(newer_path_, std::ios::in | std::ios::out | std::ios::binary);
		out.seekp(BSEND_SUPER_OFFSET);
		out.write(reinterpret_cast<const char*>(super.data()), super.size());
	}

	// Opens the filesystem, watches the read-only subvolume as it is, and
	// checks it after the newer commit.
	Result<void> watch_then_check_after_commit()
	{
		CommittingHost host(image_->path(), newer_path_);
		auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
		auto subvolume = tree::read_subvolume(*fs, kReadOnly).release_value();
		ctransid_ = subvolume.ctransid;
		EXPECT_TRUE(fs->watch_subvolume({kReadOnly, subvolume.ctransid}).is_ok());
		EXPECT_TRUE(fs->check_watched_unchanged().is_ok()) << "no newer commit yet";
		host.next_commit();
		auto checked = fs->check_watched_unchanged();
		EXPECT_EQ(fs->stats().refreshes, 2u);
		EXPECT_EQ(fs->stats().newer_commits, 1u) << "the first check found no newer commit";
		return checked;
	}

	// An ESTALE naming the subvolume tree_id, for the cause given.
	static void expect_stale(const Result<void>& checked, const char* cause, u64 tree_id)
	{
		ASSERT_FALSE(checked.is_ok());
		EXPECT_EQ(checked.error().errno_value, err::kStale);
		EXPECT_STREQ(checked.error().cause, cause);
		EXPECT_EQ(checked.error().ino, tree_id);
	}

	std::unique_ptr<TestImage> image_;
	std::string newer_path_;
	u64 ctransid_ = 0;
};

constexpr size_t kRootItemFlags = offsetof(btrfs_root_item, flags);
constexpr size_t kRootItemRefs = offsetof(btrfs_root_item, refs);
constexpr size_t kRootItemCtransid = offsetof(btrfs_root_item, ctransid);

} // namespace

TEST_F(WatchedSubvolumes, ANewerCommitThatLeftTheSubvolumeAsItWasPasses)
{
	commit_with_root_item_edit(kWritable, [](uint8_t* item) { store_le64(item + kRootItemCtransid, 99); });
	auto checked = watch_then_check_after_commit();
	EXPECT_TRUE(checked.is_ok()) << checked.error().cause;
}

TEST_F(WatchedSubvolumes, AWrittenSubvolumeIsStaleWithBothCtransids)
{
	commit_with_root_item_edit(kReadOnly, [](uint8_t* item) {
		store_le64(item + kRootItemCtransid, load_le64(item + kRootItemCtransid) + 1);
	});
	auto checked = watch_then_check_after_commit();
	expect_stale(checked, "filesystem changed under the send: subvolume written (ctransid)", kReadOnly);
	EXPECT_EQ(checked.error().expected, ctransid_);
	EXPECT_EQ(checked.error().found, ctransid_ + 1);
}

TEST_F(WatchedSubvolumes, AChangeOnceFoundIsReportedByEveryLaterCheck)
{
	commit_with_root_item_edit(kReadOnly, [](uint8_t* item) {
		store_le64(item + kRootItemCtransid, load_le64(item + kRootItemCtransid) + 1);
	});
	CommittingHost host(image_->path(), newer_path_);
	auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
	auto subvolume = tree::read_subvolume(*fs, kReadOnly).release_value();
	ASSERT_TRUE(fs->watch_subvolume({kReadOnly, subvolume.ctransid}).is_ok());
	host.next_commit();
	// The first check finds the change (a caller may go on without what
	// failed); the check before END must still fail, though no commit is
	// newer than the one it already read.
	EXPECT_FALSE(fs->refresh().is_ok());
	expect_stale(fs->check_watched_unchanged(), "filesystem changed under the send: subvolume written (ctransid)",
		     kReadOnly);
}

TEST_F(WatchedSubvolumes, ASubvolumeMadeReadWriteIsStale)
{
	commit_with_root_item_edit(kReadOnly, [](uint8_t* item) {
		store_le64(item + kRootItemFlags, load_le64(item + kRootItemFlags) & ~uint64_t(BTRFS_ROOT_SUBVOL_RDONLY));
	});
	auto checked = watch_then_check_after_commit();
	expect_stale(checked, "filesystem changed under the send: subvolume made read-write", kReadOnly);
}

TEST_F(WatchedSubvolumes, ADeletedSubvolumeIsStale)
{
	commit_with_root_item_edit(kReadOnly, [](uint8_t* item) { store_le32(item + kRootItemRefs, 0); });
	auto checked = watch_then_check_after_commit();
	expect_stale(checked, "filesystem changed under the send: subvolume deleted (root refs 0)", kReadOnly);
}

TEST_F(WatchedSubvolumes, ASubvolumeWithNoRootItemLeftIsStale)
{
	auto checked = tree::check_watched_subvolume(
		{4242, 7}, Result<tree::SubvolumeInfo>(Error::make(err::kNoEntry, "no root item for the tree")));
	expect_stale(checked, "filesystem changed under the send: subvolume deleted (no root item)", 4242u);
	auto corrupt = tree::check_watched_subvolume(
		{4242, 7}, Result<tree::SubvolumeInfo>(Error::make(err::kCorrupt, "bad leaf")));
	ASSERT_FALSE(corrupt.is_ok());
	EXPECT_EQ(corrupt.error().errno_value, err::kCorrupt);
}

TEST_F(WatchedSubvolumes, ADeviceWhoseSuperblockIsGoneIsStaleFromThenOn)
{
	// What a device remove or replace leaves on the old device: the data
	// as it was, the superblock wiped.
	test::run_command("cp --sparse=always " + image_->path() + " " + newer_path_);
	{
		std::vector<char> zeros(BSEND_SUPER_SIZE);
		std::fstream out(newer_path_, std::ios::in | std::ios::out | std::ios::binary);
		out.seekp(BSEND_SUPER_OFFSET);
		out.write(zeros.data(), zeros.size());
	}
	CommittingHost host(image_->path(), newer_path_);
	auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
	auto subvolume = tree::read_subvolume(*fs, kReadOnly).release_value();
	ASSERT_TRUE(fs->watch_subvolume({kReadOnly, subvolume.ctransid}).is_ok());
	host.next_commit();
	const char* gone = "a device of the filesystem was removed or replaced during the send (its superblock is gone)";
	for (int check = 0; check < 2; check++) {
		auto checked = fs->check_watched_unchanged();
		ASSERT_FALSE(checked.is_ok());
		EXPECT_EQ(checked.error().errno_value, err::kStale);
		EXPECT_STREQ(checked.error().cause, gone);
		EXPECT_EQ(checked.error().bytenr, u64(BSEND_SUPER_OFFSET));
	}
}
