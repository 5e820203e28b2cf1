// Finding the devices of a btrfs filesystem from BTRFS_IOC_DEV_INFO answers.
#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ctl/devices.h"

namespace sendctl {
namespace {

// DEV_INFO of a filesystem whose devices are the map's entries.
DeviceQuery fake_dev_info(const std::map<std::uint64_t, std::string> &paths,
			  int *queries = nullptr)
{
	return [paths, queries](std::uint64_t devid, DeviceEntry *entry) {
		if (queries)
			++*queries;
		auto it = paths.find(devid);
		if (it == paths.end())
			return ENODEV;
		entry->devid = devid;
		entry->path = it->second;
		return 0;
	};
}

TEST(Devices, SkipsUnusedDeviceIds)
{
	// devid 2 was removed, devid 3 added later.
	auto devices = collect_devices(3, 2,
				       fake_dev_info({{1, "/dev/vdb"},
						      {3, "/dev/vdc"}}));
	ASSERT_TRUE(devices.ok()) << devices.error().message;
	const auto &present = devices.value().present;
	ASSERT_EQ(present.size(), 2u);
	EXPECT_EQ(present[0].devid, 1u);
	EXPECT_EQ(present[0].path, "/dev/vdb");
	EXPECT_EQ(present[1].devid, 3u);
	EXPECT_EQ(present[1].path, "/dev/vdc");
	EXPECT_TRUE(devices.value().missing.empty());
}

TEST(Devices, StopsOnceAllDevicesAreFound)
{
	int queries = 0;
	auto devices = collect_devices(1000, 1,
				       fake_dev_info({{1, "/dev/vdb"}}, &queries));
	ASSERT_TRUE(devices.ok());
	EXPECT_EQ(queries, 1);
}

TEST(Devices, ReportsAMissingDeviceOfADegradedMount)
{
	// btrfs answers DEV_INFO for a missing device with an empty path.
	auto devices = collect_devices(3, 3,
				       fake_dev_info({{1, "/dev/vdb"}, {2, ""},
						      {3, "/dev/vdd"}}));
	ASSERT_TRUE(devices.ok()) << devices.error().message;
	ASSERT_EQ(devices.value().present.size(), 2u);
	EXPECT_EQ(devices.value().present[1].devid, 3u);
	ASSERT_EQ(devices.value().missing.size(), 1u);
	EXPECT_EQ(devices.value().missing[0], 2u);
}

TEST(Devices, APlaceholderPathIsAMissingDevice)
{
	auto devices = collect_devices(3, 3,
				       fake_dev_info({{1, "<missing disk>"},
						      {2, "/dev/vdc"},
						      {3, "<missing disk>"}}));
	ASSERT_TRUE(devices.ok()) << devices.error().message;
	ASSERT_EQ(devices.value().present.size(), 1u);
	EXPECT_EQ(devices.value().present[0].path, "/dev/vdc");
	EXPECT_EQ(devices.value().missing,
		  (std::vector<std::uint64_t>{1, 3}));
	EXPECT_EQ(devid_list(devices.value().missing), "1 and 3");
}

TEST(Devices, RejectsAFilesystemWithEveryDeviceMissing)
{
	auto devices = collect_devices(2, 2,
				       fake_dev_info({{1, ""}, {2, ""}}));
	ASSERT_FALSE(devices.ok());
	EXPECT_EQ(devices.error().errnum, ENODEV);
	EXPECT_EQ(devices.error().message.rfind(
			  "every device of the filesystem is missing", 0), 0u)
		<< devices.error().message;
}

TEST(Devices, RejectsFewerDevicesThanTheFilesystemHas)
{
	auto devices = collect_devices(2, 3,
				       fake_dev_info({{1, "/dev/vdb"},
						      {2, "/dev/vdc"}}));
	ASSERT_FALSE(devices.ok());
	EXPECT_EQ(devices.error().errnum, ENODEV);
}

TEST(Devices, ReportsOtherQueryErrors)
{
	auto devices = collect_devices(1, 1, [](std::uint64_t, DeviceEntry *) {
		return EPERM;
	});
	ASSERT_FALSE(devices.ok());
	EXPECT_EQ(devices.error().errnum, EPERM);
	EXPECT_EQ(devices.error().message,
		  "cannot read the path of device 1: Operation not permitted");
}

}  // namespace
}  // namespace sendctl
