// tree/: the stale-versus-corrupt rule, subvolume root items, and profiles
// the reader does not support.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/btrfs_tree.h>

#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/core/tree/subvolume.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
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

	bsend_host_fs* host() { return &state_.base; }
	int super_reads() const { return super_reads_; }

private:
	struct State {
		bsend_host_fs base;
		DoctoredSuperHost* self;
	};
	static int read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		DoctoredSuperHost* self = reinterpret_cast<State*>(fs)->self;
		if (physical == BSEND_SUPER_OFFSET && len == BSEND_SUPER_SIZE) {
			bool doctor = self->doctor_every_read_ || self->super_reads_ == 0;
			self->super_reads_++;
			if (doctor) {
				std::memcpy(buf, self->doctored_.data(), len);
				return 0;
			}
		}
		return self->image_.host()->read(self->image_.host(), devid, physical, buf, len);
	}

	posix::ImageHost image_;
	bool doctor_every_read_;
	std::vector<uint8_t> doctored_;
	int super_reads_ = 0;
	State state_{{&DoctoredSuperHost::read}, this};
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

TEST_F(TreeRecovery, StripedProfilesAreRefusedByName)
{
	TestImage first(ImageOptions{});
	TestImage second(ImageOptions{});
	test::run_command("mkfs.btrfs -f -q -d raid0 -m raid0 " + first.path() + " " + second.path() + " 2>&1");

	posix::ImageHost host;
	ASSERT_EQ(host.open(first.path()), 0);
	auto fs = tree::Filesystem::open(host.host(), 1 << 20);
	ASSERT_FALSE(fs.is_ok());
	EXPECT_EQ(fs.error().errno_value, err::kNotSupported);
	EXPECT_STREQ(fs.error().cause, "chunk profile raid0 is not supported");
}
