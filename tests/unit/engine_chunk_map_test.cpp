// The chunk map's striped and parity layouts, on chunk items built here:
// each expected physical address is worked out by hand from btrfs's layout
// (64 KiB elements; RAID0 round robin; RAID10 round robin over mirrored
// pairs; RAID5/6 full stripes of data elements whose first lies on the
// stripe numbered as the full stripe, modulo the stripe count, the parity
// after them). The offline ctest raid-profiles-offline checks the same on
// filesystems the kernel made.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <linux/btrfs_tree.h>
#include <memory>
#include <vector>

#include "module/core/format/items.h"
#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/core/tree/chunk_map.h"
#include "module/core/tree/filesystem.h"
#include "module/core/tree/subvolume.h"
#include "module/posix/image.h"
#include "tests/unit/test_image.h"

namespace bsend {
namespace {

using test::ImageOptions;
using test::TestImage;

constexpr u64 kChunkStart = 1ull << 30;
constexpr u64 kMiB = 1 << 20;
constexpr u64 kElement = tree::kStripeElementLength;

// A CHUNK_ITEM of 16 MiB with num_stripes stripes, stripe i on devid i + 1
// at physical (i + 1) MiB.
std::vector<u8> chunk_item(u64 type, u16 num_stripes, u16 sub_stripes = 1, u64 stripe_len = kElement)
{
	std::vector<u8> item(format::ChunkView::size_with_stripes(num_stripes), 0);
	u8* p = item.data();
	store_le64(p + offsetof(btrfs_chunk, length), 16 * kMiB);
	store_le64(p + offsetof(btrfs_chunk, owner), BTRFS_EXTENT_TREE_OBJECTID);
	store_le64(p + offsetof(btrfs_chunk, stripe_len), stripe_len);
	store_le64(p + offsetof(btrfs_chunk, type), type);
	store_le16(p + offsetof(btrfs_chunk, num_stripes), num_stripes);
	store_le16(p + offsetof(btrfs_chunk, sub_stripes), sub_stripes);
	for (u16 i = 0; i < num_stripes; i++) {
		u8* stripe = p + format::ChunkView::size_with_stripes(i);
		store_le64(stripe + offsetof(btrfs_stripe, devid), i + 1);
		store_le64(stripe + offsetof(btrfs_stripe, offset), (i + 1) * kMiB);
	}
	return item;
}

class ChunkLayout : public testing::Test {
protected:
	Result<void> add(const std::vector<u8>& item)
	{
		auto view = format::ChunkView::over(Bytes(item.data(), item.size()));
		EXPECT_TRUE(view.is_ok());
		return map_.add(kChunkStart, view.value());
	}

	// Copy number copy of chunk offset: "devid@physical".
	std::string where(u64 offset, u32 copy = 0, u64 length = 4096)
	{
		auto mapping = map_.map(kChunkStart + offset, length);
		if (!mapping.is_ok())
			return std::string("error: ") + mapping.error().cause;
		if (copy >= mapping.value().num_copies)
			return "no such copy";
		const tree::Stripe& stripe = mapping.value().copies[copy];
		return std::to_string(stripe.devid) + "@" + std::to_string(stripe.physical);
	}

	u32 copies(u64 offset)
	{
		auto mapping = map_.map(kChunkStart + offset, 4096);
		return mapping.is_ok() ? mapping.value().num_copies : 0;
	}

	static std::string at(u64 devid, u64 physical) { return std::to_string(devid) + "@" + std::to_string(physical); }

	// Element element of the chunk lies on stripe stripe (devid stripe + 1)
	// at row row of its elements there.
	struct Placement {
		u64 element;
		u64 stripe;
		u64 row;
	};
	void expect_placements(const std::vector<Placement>& placements)
	{
		for (const Placement& p : placements)
			EXPECT_EQ(where(p.element * kElement), at(p.stripe + 1, (p.stripe + 1) * kMiB + p.row * kElement))
				<< "element " << p.element;
	}

	tree::ChunkMap map_;
};

TEST_F(ChunkLayout, Raid0TakesTheDevicesInTurn)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_DATA | BTRFS_BLOCK_GROUP_RAID0, 2)).is_ok());
	EXPECT_EQ(where(0), at(1, 1 * kMiB));
	EXPECT_EQ(where(kElement), at(2, 2 * kMiB));
	EXPECT_EQ(where(2 * kElement + 4096), at(1, 1 * kMiB + kElement + 4096));
	EXPECT_EQ(where(3 * kElement + 100, 0, 100), at(2, 2 * kMiB + kElement + 100));
	EXPECT_EQ(copies(0), 1u);
}

TEST_F(ChunkLayout, Raid10MirrorsEachElementOnAPair)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_RAID10, 4, 2)).is_ok());
	EXPECT_EQ(copies(0), 2u);
	EXPECT_EQ(where(0, 0), at(1, 1 * kMiB));
	EXPECT_EQ(where(0, 1), at(2, 2 * kMiB));
	EXPECT_EQ(where(kElement, 0), at(3, 3 * kMiB));
	EXPECT_EQ(where(kElement, 1), at(4, 4 * kMiB));
	EXPECT_EQ(where(2 * kElement + 8192, 0), at(1, 1 * kMiB + kElement + 8192));
	EXPECT_EQ(where(2 * kElement + 8192, 1), at(2, 2 * kMiB + kElement + 8192));
}

TEST_F(ChunkLayout, Raid5RotatesItsParity)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_DATA | BTRFS_BLOCK_GROUP_RAID5, 3)).is_ok());
	// Full stripe 0: data on stripes 0 and 1, parity on 2; full stripe 1:
	// data on 1 and 2, parity on 0; full stripe 2: data on 2 and 0.
	expect_placements({{0, 0, 0}, {1, 1, 0}, {2, 1, 1}, {3, 2, 1}, {4, 2, 2}, {5, 0, 2}});
	EXPECT_EQ(where(4 * kElement + 4096), at(3, 3 * kMiB + 2 * kElement + 4096));
	EXPECT_EQ(copies(0), 1u);
}

TEST_F(ChunkLayout, Raid6RotatesBothParities)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_RAID6, 4)).is_ok());
	// Full stripe 0: data on 0 and 1, P on 2, Q on 3; full stripe 1: data
	// on 1 and 2; full stripe 3: data on 3 and 0, P on 1, Q on 2.
	expect_placements({{0, 0, 0}, {1, 1, 0}, {2, 1, 1}, {3, 2, 1}, {6, 3, 3}, {7, 0, 3}});
}

TEST_F(ChunkLayout, TheRebuildRowIsTheWholeFullStripeInRowOrder)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_RAID6, 4)).is_ok());
	// Element 2 is full stripe 1's first data element, on stripe 1: the
	// row is data on stripes 1 and 2, P on 3 and Q on 0, each at the
	// full stripe's offset (1 element) plus the range's 4096.
	auto mapping = map_.map(kChunkStart + 2 * kElement + 4096, 4096).value();
	ASSERT_EQ(mapping.row_data, 2u);
	ASSERT_EQ(mapping.row_parity, 2u);
	ASSERT_EQ(mapping.row_size(), 4u);
	EXPECT_EQ(mapping.row_target, 0u);
	const u64 offset = kElement + 4096;
	EXPECT_EQ(at(mapping.row[0].devid, mapping.row[0].physical), at(2, 2 * kMiB + offset));
	EXPECT_EQ(at(mapping.row[1].devid, mapping.row[1].physical), at(3, 3 * kMiB + offset));
	EXPECT_EQ(at(mapping.row[2].devid, mapping.row[2].physical), at(4, 4 * kMiB + offset));
	EXPECT_EQ(at(mapping.row[3].devid, mapping.row[3].physical), at(1, 1 * kMiB + offset));
	// Element 3, the second data element of the same row.
	EXPECT_EQ(map_.map(kChunkStart + 3 * kElement, 4096).value().row_target, 1u);

	tree::ChunkMap mirrored;
	auto item = chunk_item(BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_RAID10, 4, 2);
	ASSERT_TRUE(mirrored.add(kChunkStart, format::ChunkView::over(Bytes(item.data(), item.size())).value()).is_ok());
	EXPECT_EQ(mirrored.map(kChunkStart, 4096).value().row_data, 0u);
	EXPECT_EQ(mirrored.map(kChunkStart, 4096).value().row_size(), 0u);
}

TEST_F(ChunkLayout, ARangeStaysInsideOneElement)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_DATA | BTRFS_BLOCK_GROUP_RAID0, 3)).is_ok());
	auto crossing = map_.map(kChunkStart + kElement - 4096, 8192);
	ASSERT_FALSE(crossing.is_ok());
	EXPECT_EQ(crossing.error().errno_value, err::kCorrupt);
	EXPECT_EQ(map_.contiguous_bytes(kChunkStart + kElement - 4096).value(), 4096u);
	EXPECT_EQ(map_.contiguous_bytes(kChunkStart).value(), kElement);
	EXPECT_FALSE(map_.contiguous_bytes(kChunkStart + 16 * kMiB).is_ok());
}

TEST_F(ChunkLayout, CopyProfilesAreContiguousToTheChunkEnd)
{
	ASSERT_TRUE(add(chunk_item(BTRFS_BLOCK_GROUP_DATA | BTRFS_BLOCK_GROUP_RAID1C3, 3)).is_ok());
	EXPECT_EQ(map_.contiguous_bytes(kChunkStart + kMiB).value(), 15 * kMiB);
	EXPECT_EQ(copies(kMiB), 3u);
	EXPECT_EQ(where(kMiB, 2, 2 * kElement), at(3, 3 * kMiB + kMiB));
}

TEST_F(ChunkLayout, ImpossibleLayoutsAreRefused)
{
	auto refused = [&](const std::vector<u8>& item) {
		tree::ChunkMap map;
		auto view = format::ChunkView::over(Bytes(item.data(), item.size()));
		EXPECT_TRUE(view.is_ok());
		auto added = map.add(kChunkStart, view.value());
		return added.is_ok() ? 0 : added.error().errno_value;
	};
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID10, 3, 2)), err::kCorrupt);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID10, 4, 1)), err::kCorrupt);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID6, 2)), err::kCorrupt);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID5, 1)), err::kCorrupt);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID0, 2, 1, 32 * 1024)), err::kCorrupt);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID0 | BTRFS_BLOCK_GROUP_RAID1, 2)), err::kNotSupported);
	EXPECT_EQ(refused(chunk_item(BTRFS_BLOCK_GROUP_RAID5, 3)), 0);
}

// mkfs.btrfs of three image files as one RAID5 filesystem: the engine opens
// it from all three and reads its subvolume; an image given twice is refused.
TEST(MultiDeviceImage, Raid5FromItsThreeImages)
{
	TestImage first(ImageOptions{});
	TestImage second(ImageOptions{});
	TestImage third(ImageOptions{});
	test::run_command("mkfs.btrfs -f -q -d raid5 -m raid5 " + first.path() + " " + second.path() + " " +
			  third.path() + " 2>&1");
	posix::ImageHost host;
	ASSERT_EQ(host.open(first.path()), 0);
	ASSERT_EQ(host.open(second.path()), 0);
	ASSERT_EQ(host.open(third.path()), 0);
	EXPECT_EQ(host.open(second.path()), -EEXIST);
	auto fs = tree::Filesystem::open(host.host(), 1 << 20);
	ASSERT_TRUE(fs.is_ok()) << fs.error().cause;
	EXPECT_TRUE(tree::read_subvolume(*fs.value(), BTRFS_FS_TREE_OBJECTID).is_ok());
}

// A filesystem that mkfs.btrfs made over `count` image files, all data and
// metadata in one profile, opened from them all; damage() flips a byte of
// the node at a stripe.
class ParityImages {
public:
	ParityImages(int count, const std::string& profile)
	{
		std::string paths;
		for (int i = 0; i < count; i++) {
			images_.push_back(std::make_unique<TestImage>(ImageOptions{}));
			paths += " " + images_.back()->path();
		}
		test::run_command("mkfs.btrfs -f -q -d " + profile + " -m " + profile + paths + " 2>&1");
	}

	// Opens the filesystem from every image but those of the devids in
	// `absent` (image i is devid i + 1), as a degraded mount has them.
	Result<UniquePtr<tree::Filesystem>> open(posix::ImageHost& host, const std::vector<u64>& absent = {})
	{
		for (usize i = 0; i < images_.size(); i++) {
			if (std::find(absent.begin(), absent.end(), i + 1) != absent.end())
				continue;
			EXPECT_EQ(host.open(images_[i]->path()), 0);
		}
		return tree::Filesystem::open(host.host(), 1 << 20);
	}

	void damage(const tree::Stripe& stripe, u32 at)
	{
		TestImage& image = *images_[stripe.devid - 1];
		auto byte = image.read(stripe.physical + at, 1);
		byte[0] ^= 0x40;
		image.write(stripe.physical + at, byte);
	}

	// Where the fs tree root block lies.
	struct FsRoot {
		u64 bytenr = 0;
		tree::Mapping mapping;
		u32 nodesize = 0;
	};

	FsRoot locate_fs_root()
	{
		posix::ImageHost host;
		auto fs = open(host);
		EXPECT_TRUE(fs.is_ok()) << fs.error().cause;
		FsRoot root;
		if (!fs.is_ok())
			return root;
		root.bytenr = fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID).value().bytenr;
		root.nodesize = fs.value()->super().nodesize;
		root.mapping = fs.value()->map(root.bytenr, root.nodesize).value();
		return root;
	}

	// Reads the fs tree root: 0 or the errno; *rebuilt counts rebuilds.
	int read_fs_root(u64* rebuilt)
	{
		posix::ImageHost host;
		auto fs = open(host);
		EXPECT_TRUE(fs.is_ok()) << fs.error().cause;
		auto root = fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID).value();
		auto block = fs.value()->read_block(tree::root_expectation(root));
		*rebuilt = fs.value()->stats().blocks_rebuilt;
		return block.is_ok() ? 0 : block.error().errno_value;
	}

private:
	std::vector<std::unique_ptr<TestImage>> images_;
};

// A RAID5 tree block whose data element is damaged is rebuilt from the
// rest of its full stripe and P; with P damaged too, the read fails.
TEST(MultiDeviceImage, Raid5BlockRebuiltFromParity)
{
	ParityImages fs(3, "raid5");
	const auto [bytenr, mapping, nodesize] = fs.locate_fs_root();
	ASSERT_EQ(mapping.num_copies, 1u);
	ASSERT_EQ(mapping.row_size(), 3u);
	u64 rebuilt = 0;
	fs.damage(mapping.copies[0], nodesize / 2);
	EXPECT_EQ(fs.read_fs_root(&rebuilt), 0);
	EXPECT_EQ(rebuilt, 1u);
	// P follows the data elements in the row.
	fs.damage(mapping.row[mapping.row_data], nodesize / 2);
	EXPECT_EQ(fs.read_fs_root(&rebuilt), err::kCorrupt);
	EXPECT_EQ(rebuilt, 0u);
}

// RAID6 over 4 images: a block whose data element and P are both damaged
// (all of the row readable) is rebuilt from Q and the other data element;
// with the other data element damaged as well, nothing can rebuild it.
TEST(MultiDeviceImage, Raid6BlockRebuiltFromQ)
{
	ParityImages fs(4, "raid6");
	const auto [bytenr, mapping, nodesize] = fs.locate_fs_root();
	ASSERT_EQ(mapping.row_data, 2u);
	ASSERT_EQ(mapping.row_parity, 2u);
	u64 rebuilt = 0;
	fs.damage(mapping.copies[0], nodesize / 2);
	fs.damage(mapping.row[mapping.row_data], nodesize / 2);
	EXPECT_EQ(fs.read_fs_root(&rebuilt), 0);
	EXPECT_EQ(rebuilt, 1u);
	// Elsewhere in the block: at the same byte as P's, the flips would
	// cancel in P's XOR.
	fs.damage(mapping.row[1 - mapping.row_target], nodesize / 4);
	EXPECT_EQ(fs.read_fs_root(&rebuilt), err::kCorrupt);
	EXPECT_EQ(rebuilt, 0u);
}

// RAID6: a block whose data element and the row's other data element are
// damaged (P and Q intact) is rebuilt from P and Q together.
TEST(MultiDeviceImage, Raid6BlockRebuiltFromPAndQ)
{
	ParityImages fs(4, "raid6");
	const auto [bytenr, mapping, nodesize] = fs.locate_fs_root();
	ASSERT_EQ(mapping.row_data, 2u);
	u64 rebuilt = 0;
	fs.damage(mapping.copies[0], nodesize / 2);
	fs.damage(mapping.row[1 - mapping.row_target], nodesize / 4);
	EXPECT_EQ(fs.read_fs_root(&rebuilt), 0);
	EXPECT_EQ(rebuilt, 1u);
}

// Without the device of the fs tree root's data element, or without that
// and P's, a RAID6 filesystem's blocks are rebuilt (from P, then from Q)
// and the device is remembered as missing.
TEST(MultiDeviceImage, Raid6WithOneOrTwoImagesAbsent)
{
	ParityImages raid6(4, "raid6");
	const auto [bytenr, mapping, nodesize] = raid6.locate_fs_root();
	const u64 data_devid = mapping.copies[0].devid;
	const u64 p_devid = mapping.row[mapping.row_data].devid;
	for (const auto& absent : {std::vector<u64>{data_devid}, std::vector<u64>{data_devid, p_devid}}) {
		posix::ImageHost host;
		auto fs = raid6.open(host, absent);
		ASSERT_TRUE(fs.is_ok()) << fs.error().cause;
		EXPECT_TRUE(tree::read_subvolume(*fs.value(), BTRFS_FS_TREE_OBJECTID).is_ok());
		auto root = fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID).value();
		EXPECT_TRUE(fs.value()->read_block(tree::root_expectation(root)).is_ok());
		EXPECT_GE(fs.value()->stats().blocks_rebuilt, 1u);
		EXPECT_TRUE(fs.value()->is_missing_device(data_devid));
	}
}

// RAID0 has nothing to rebuild from: without an image, the first block on
// it fails with ENODEV naming its device, whether that is while opening
// (the chunk or root tree) or reading the fs tree.
TEST(MultiDeviceImage, Raid0WithAnImageAbsentNamesTheDevice)
{
	ParityImages raid0(2, "raid0");
	const auto [bytenr, mapping, nodesize] = raid0.locate_fs_root();
	const u64 absent = mapping.copies[0].devid;
	posix::ImageHost host;
	auto fs = raid0.open(host, {absent});
	Error error;
	if (!fs.is_ok()) {
		error = fs.error();
	} else {
		auto root = fs.value()->tree_root(BTRFS_FS_TREE_OBJECTID).value();
		auto block = fs.value()->read_block(tree::root_expectation(root));
		ASSERT_FALSE(block.is_ok());
		error = block.error();
	}
	EXPECT_EQ(error.errno_value, err::kNoDevice) << error.cause;
	EXPECT_EQ(error.devid, absent);
	EXPECT_NE(error.bytenr, 0u);
}

} // namespace
} // namespace bsend
