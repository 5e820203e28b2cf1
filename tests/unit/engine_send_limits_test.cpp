// What a send does with inodes the tree compare and the walk cannot place:
// one without links (deleted while open when the snapshot was taken) is
// not part of the tree and is left out; one with links but no name is a
// limit of bsend (ENOTRECOVERABLE), reported as such and never ended with
// END, not "corrupt metadata". The images are made by mkfs.btrfs --rootdir
// and then doctored: one item of one leaf changed, the leaf's checksum
// made right again, so every block still passes validation.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <linux/btrfs_tree.h>

#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/tree/path.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/stream_commands.h"
#include "tests/unit/string_sink.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

// A key type no item has: what the doctored INODE_REF becomes, between
// INODE_EXTREF and XATTR_ITEM, so that the leaf's keys stay in order.
constexpr u8 kUnusedKeyType = BTRFS_INODE_EXTREF_KEY + 1;
constexpr int kEngineLimitErrno = 131;	// ENOTRECOVERABLE

class SendLimits : public testing::Test {
protected:
	void SetUp() override
	{
		char name[] = "/tmp/bsend-test-limits-XXXXXX";
		root_ = mkdtemp(name);
		std::filesystem::create_directories(root_ + "/dir");
		std::ofstream(root_ + "/dir/kept") << "kept\n";
		std::ofstream(root_ + "/dir/odd") << "the inode the test doctors\n";
		ImageOptions options;
		options.rootdir = root_;
		image_ = std::make_unique<TestImage>(options);
	}
	void TearDown() override
	{
		image_.reset();
		std::filesystem::remove_all(root_);
		EXPECT_EQ(posix::allocations_outstanding(), 0);
	}

	// The inode number of dir/odd and the leaf holding its INODE_REF.
	void find_odd(u64* ino, u64* leaf)
	{
		posix::ImageHost host;
		ASSERT_EQ(host.open(image_->path()), 0);
		auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
		auto root = fs->tree_root(BTRFS_FS_TREE_OBJECTID).release_value();
		tree::TreePath path(*fs, root);
		for (bool more = path.search({BTRFS_FIRST_FREE_OBJECTID, 0, 0}).release_value(); more;
		     more = path.next().release_value()) {
			format::Key key = path.key();
			Bytes data = path.data();
			// struct btrfs_inode_ref, then the name.
			if (key.type == BTRFS_INODE_REF_KEY && data.size() == sizeof(btrfs_inode_ref) + 3 &&
			    std::memcmp(data.data() + sizeof(btrfs_inode_ref), "odd", 3) == 0) {
				*ino = key.objectid;
				*leaf = path.leaf_bytenr();
				mapping_ = fs->map(*leaf, fs->super().nodesize).release_value();
				nodesize_ = fs->super().nodesize;
				return;
			}
		}
		FAIL() << "no INODE_REF named odd";
	}

	// Changes, in every copy of the leaf, the item of key (ino, type):
	// its key type to new_type, and an inode item's nlink to nlink.
	void doctor(u64 ino, u8 type, u8 new_type, int nlink = -1)
	{
		for (u32 c = 0; c < mapping_.num_copies; c++) {
			u64 at = mapping_.copies[c].physical;
			std::vector<uint8_t> block = image_->read(at, nodesize_);
			auto* header = reinterpret_cast<btrfs_header*>(block.data());
			auto* items = reinterpret_cast<btrfs_item*>(block.data() + sizeof(btrfs_header));
			bool found = false;
			for (u32 i = 0; i < header->nritems; i++) {
				btrfs_disk_key& key = items[i].key;
				if (key.objectid != ino || key.type != type)
					continue;
				key.type = new_type;
				if (nlink >= 0) {
					auto* inode = reinterpret_cast<btrfs_inode_item*>(
						block.data() + sizeof(btrfs_header) + items[i].offset);
					inode->nlink = nlink;
				}
				found = true;
			}
			ASSERT_TRUE(found) << "no item (" << ino << ", " << int(type) << ") in the leaf";
			bsend_host_checksum(BSEND_CSUM_CRC32C, block.data() + BTRFS_CSUM_SIZE, nodesize_ - BTRFS_CSUM_SIZE,
					    block.data());
			image_->write(at, block);
		}
	}

	// A full send of subvolume 5 into *stream.
	Result<send::SendStats> send_all(std::string* stream)
	{
		posix::ImageHost host;
		EXPECT_EQ(host.open(image_->path()), 0);
		auto fs = tree::Filesystem::open(host.host(), 1 << 20).release_value();
		test::StringSink sink;
		auto writer = stream::StreamWriter::create(sink, 1).release_value();
		send::DiskFileData data(*fs);
		send::SendOptions options;
		options.subvolume = BTRFS_FS_TREE_OBJECTID;
		options.name = "received";
		auto sent = send::full_send(*fs, data, writer, options);
		*stream = sink.data;
		return sent;
	}

	std::string root_;
	std::unique_ptr<TestImage> image_;
	tree::Mapping mapping_;
	u32 nodesize_ = 0;
};

TEST_F(SendLimits, AnInodeWithLinksButNoNameFailsAsALimitWithoutEnd)
{
	u64 ino = 0, leaf = 0;
	find_odd(&ino, &leaf);
	doctor(ino, BTRFS_INODE_REF_KEY, kUnusedKeyType);
	std::string stream;
	auto sent = send_all(&stream);
	ASSERT_FALSE(sent.is_ok());
	EXPECT_EQ(sent.error().errno_value, kEngineLimitErrno);
	EXPECT_STREQ(sent.error().cause, "inode has links but no reference to a directory");
	EXPECT_EQ(sent.error().ino, ino);
	EXPECT_FALSE(test::has_command(stream, BSEND_SEND_C_END));
}

TEST_F(SendLimits, AnInodeWithoutLinksIsLeftOut)
{
	u64 ino = 0, leaf = 0;
	find_odd(&ino, &leaf);
	// What a file deleted while open looks like in a snapshot: nlink 0,
	// no name (its directory entries are left, which a full send reads
	// from the inodes' side only).
	doctor(ino, BTRFS_INODE_REF_KEY, kUnusedKeyType);
	doctor(ino, BTRFS_INODE_ITEM_KEY, BTRFS_INODE_ITEM_KEY, 0);
	std::string stream;
	auto sent = send_all(&stream);
	ASSERT_TRUE(sent.is_ok()) << sent.error().cause << ", ino " << sent.error().ino;
	EXPECT_TRUE(test::has_command(stream, BSEND_SEND_C_END));
	// The root, dir and dir/kept: 3 inodes.
	EXPECT_EQ(sent.value().inodes, 3u);
	EXPECT_EQ(stream.find("the inode the test doctors"), std::string::npos);
}

} // namespace
