// The check that every device sendctl opened carries the filesystem's
// committed transaction, and the superblock read behind it.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <endian.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <linux/btrfs_tree.h>

#include "ctl/device_generation.h"
#include "ctl/unique_fd.h"

namespace sendctl {
namespace {

const std::vector<DeviceEntry> kTwoDevices = {{1, "/dev/vdb"}, {2, "/dev/vdc"}};

SuperGenerationReader generations(std::vector<std::uint64_t> values)
{
	return [values](std::size_t index, std::uint64_t *generation) {
		*generation = values.at(index);
		return 0;
	};
}

TEST(DeviceGeneration, AcceptsDevicesAtOrPastTheCommit)
{
	auto checked = check_device_generations(kTwoDevices, 40, generations({40, 41}));
	EXPECT_TRUE(checked.ok()) << checked.error().message;
}

TEST(DeviceGeneration, NamesTheDeviceThatIsBehind)
{
	auto checked = check_device_generations(kTwoDevices, 40, generations({40, 12}));
	ASSERT_FALSE(checked.ok());
	EXPECT_EQ(checked.error().errnum, EXDEV);
	EXPECT_EQ(checked.error().message,
		  "device 2 of the filesystem (/dev/vdc): its superblock records generation 12,"
		  " older than the filesystem's committed transaction 40, so it is not the"
		  " device btrfs writes");
}

TEST(DeviceGeneration, ReportsAMissingSuperblockAndReadErrors)
{
	auto no_super = check_device_generations(kTwoDevices, 40,
						 [](std::size_t, std::uint64_t *) { return EINVAL; });
	ASSERT_FALSE(no_super.ok());
	EXPECT_EQ(no_super.error().errnum, EXDEV);
	EXPECT_EQ(no_super.error().message,
		  "device 1 of the filesystem (/dev/vdb) has no btrfs superblock");

	auto unreadable = check_device_generations(kTwoDevices, 40,
						   [](std::size_t, std::uint64_t *) { return EIO; });
	ASSERT_FALSE(unreadable.ok());
	EXPECT_EQ(unreadable.error().errnum, EIO);
	EXPECT_EQ(unreadable.error().message,
		  "cannot read the superblock of device 1 of the filesystem (/dev/vdb):"
		  " Input/output error");
}

// A file holding a primary superblock with MAGIC and GENERATION at 64 KiB.
UniqueFd file_with_super(std::uint64_t magic, std::uint64_t generation)
{
	char name[] = "/tmp/sendctl-super-XXXXXX";
	UniqueFd fd(::mkstemp(name));
	::unlink(name);
	btrfs_super_block super = {};
	super.magic = htole64(magic);
	super.generation = htole64(generation);
	if (::pwrite(fd.get(), &super, sizeof(super), 64 * 1024) != sizeof(super))
		return UniqueFd();
	return fd;
}

TEST(DeviceGeneration, ReadsTheGenerationOfAPrimarySuperblock)
{
	UniqueFd fd = file_with_super(BTRFS_MAGIC, 1234567);
	ASSERT_TRUE(fd.valid());
	std::uint64_t generation = 0;
	EXPECT_EQ(read_super_generation(fd.get(), &generation), 0);
	EXPECT_EQ(generation, 1234567u);
}

TEST(DeviceGeneration, ReadingWithoutMagicOrPastTheEndIsEinval)
{
	UniqueFd wrong_magic = file_with_super(BTRFS_MAGIC + 1, 5);
	ASSERT_TRUE(wrong_magic.valid());
	std::uint64_t generation = 0;
	EXPECT_EQ(read_super_generation(wrong_magic.get(), &generation), EINVAL);

	char name[] = "/tmp/sendctl-super-XXXXXX";
	UniqueFd empty(::mkstemp(name));
	::unlink(name);
	EXPECT_EQ(read_super_generation(empty.get(), &generation), EINVAL);
}

}  // namespace
}  // namespace sendctl
