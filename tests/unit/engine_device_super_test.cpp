// tree/device_super: the check that a block device belongs to the
// filesystem being sent, on images made by mkfs.btrfs.
#include <gtest/gtest.h>
#include <linux/btrfs_tree.h>
#include <cstddef>

#include "module/core/platform.h"
#include "module/posix/alloc.h"
#include "tests/unit/test_image.h"

using bsend::test::ImageOptions;
using bsend::test::parse_uuid;
using bsend::test::TestImage;

namespace {

constexpr int kEXDEV = 18;
constexpr int kEUCLEAN = 117;
constexpr int kEOPNOTSUPP = 95;

struct CheckOutcome {
	int ret;
	bsend_device_identity identity;
	bsend_error error;
};

CheckOutcome check(const std::vector<uint8_t>& super, const std::vector<uint8_t>& fsid)
{
	CheckOutcome outcome = {};
	outcome.ret = bsend_engine_check_device_super(super.data(), super.size(), fsid.data(),
						      &outcome.identity, &outcome.error);
	return outcome;
}

class DeviceSuper : public testing::TestWithParam<ImageOptions> {};

} // namespace

TEST_P(DeviceSuper, AcceptsItsOwnFilesystem)
{
	TestImage image(GetParam());
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));

	CheckOutcome outcome = check(super, fsid);
	ASSERT_EQ(outcome.ret, 0) << outcome.error.cause;
	EXPECT_EQ(outcome.identity.devid, std::stoull(image.dump_super_field("dev_item.devid")));
	EXPECT_EQ(outcome.identity.num_devices, 1u);
	EXPECT_EQ(outcome.identity.generation, std::stoull(image.dump_super_field("generation")));
	EXPECT_EQ(outcome.identity.nodesize, std::stoul(image.dump_super_field("nodesize")));
	EXPECT_EQ(outcome.identity.sectorsize, std::stoul(image.dump_super_field("sectorsize")));
	EXPECT_EQ(std::vector<uint8_t>(outcome.identity.fsid, outcome.identity.fsid + 16), fsid);
	EXPECT_EQ(bsend::posix::allocations_outstanding(), 0);
}

TEST_P(DeviceSuper, RejectsAFlippedByteAsCorrupt)
{
	TestImage image(GetParam());
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));
	super[0x200] ^= 0x01;

	CheckOutcome outcome = check(super, fsid);
	EXPECT_EQ(outcome.ret, -kEUCLEAN);
	EXPECT_STREQ(outcome.error.cause, "superblock checksum mismatch");
	EXPECT_EQ(outcome.error.bytenr, uint64_t(BSEND_SUPER_OFFSET));
}

INSTANTIATE_TEST_SUITE_P(
	ChecksumsAndNodesizes, DeviceSuper,
	testing::Values(ImageOptions{"crc32c", 16384, false}, ImageOptions{"xxhash", 16384, false},
			ImageOptions{"sha256", 4096, false}, ImageOptions{"blake2", 65536, false},
			ImageOptions{"crc32c", 4096, true}),
	[](const testing::TestParamInfo<ImageOptions>& info) {
		return info.param.csum + "_" + std::to_string(info.param.nodesize) +
		       (info.param.mixed ? "_mixed" : "");
	});

TEST(DeviceSuperErrors, AnotherFilesystemIsCrossDevice)
{
	TestImage image({});
	TestImage other({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto other_fsid = parse_uuid(other.dump_super_field("fsid"));

	CheckOutcome outcome = check(super, other_fsid);
	EXPECT_EQ(outcome.ret, -kEXDEV);
	EXPECT_STREQ(outcome.error.cause, "device belongs to another btrfs filesystem");
}

// A mount with a temporary fsid: the module has proved the device to be the
// filesystem's, and asks for the fsid the device bears.
TEST(DeviceSuper, NoExpectedFsidTakesTheDevicesOwn)
{
	TestImage image({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));

	CheckOutcome outcome = {};
	outcome.ret = bsend_engine_check_device_super(super.data(), super.size(), nullptr,
						      &outcome.identity, &outcome.error);
	ASSERT_EQ(outcome.ret, 0) << outcome.error.cause;
	EXPECT_EQ(std::vector<uint8_t>(outcome.identity.fsid, outcome.identity.fsid + 16), fsid);
}

TEST(DeviceSuper, NoExpectedFsidStillChecksTheChecksum)
{
	TestImage image({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	super[0x200] ^= 0x01;

	CheckOutcome outcome = {};
	outcome.ret = bsend_engine_check_device_super(super.data(), super.size(), nullptr,
						      &outcome.identity, &outcome.error);
	EXPECT_EQ(outcome.ret, -kEUCLEAN);
	EXPECT_STREQ(outcome.error.cause, "superblock checksum mismatch");
}

TEST(DeviceSuperErrors, NoMagicIsCrossDevice)
{
	TestImage image({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));
	super[offsetof(btrfs_super_block, magic)] = 0;

	CheckOutcome outcome = check(super, fsid);
	EXPECT_EQ(outcome.ret, -kEXDEV);
	EXPECT_STREQ(outcome.error.cause, "no btrfs superblock magic on device");
}

TEST(DeviceSuperErrors, ShortBufferIsCorrupt)
{
	TestImage image({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));
	super.resize(4095);

	CheckOutcome outcome = check(super, fsid);
	EXPECT_EQ(outcome.ret, -kEUCLEAN);
	EXPECT_EQ(outcome.error.found, 4095u);
}

TEST(DeviceSuperErrors, UnknownChecksumTypeIsNotSupported)
{
	TestImage image({});
	auto super = image.read(BSEND_SUPER_OFFSET, BSEND_SUPER_SIZE);
	auto fsid = parse_uuid(image.dump_super_field("fsid"));
	super[offsetof(btrfs_super_block, csum_type)] = 9;

	CheckOutcome outcome = check(super, fsid);
	EXPECT_EQ(outcome.ret, -kEOPNOTSUPP);
	EXPECT_EQ(outcome.error.found, 9u);
}
