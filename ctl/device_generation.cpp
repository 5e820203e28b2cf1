#include "ctl/device_generation.h"

#include <cerrno>
#include <cstring>

#include <endian.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>

namespace sendctl {

namespace {

constexpr off_t kPrimarySuperOffset = 64 * 1024;

std::string device_name(const DeviceEntry &device)
{
	return "device " + std::to_string(device.devid) + " of the filesystem (" +
	       device.path + ")";
}

}  // namespace

Result<std::uint64_t> commit_filesystem(int fs_fd)
{
	__u64 transid = 0;
	if (::ioctl(fs_fd, BTRFS_IOC_START_SYNC, &transid) < 0 ||
	    ::ioctl(fs_fd, BTRFS_IOC_WAIT_SYNC, &transid) < 0) {
		int errnum = errno;
		return Error{errnum, std::string("cannot commit the filesystem: ") +
					     strerror(errnum)};
	}
	return static_cast<std::uint64_t>(transid);
}

int read_super_generation(int fd, std::uint64_t *generation)
{
	btrfs_super_block super;
	ssize_t got = ::pread(fd, &super, sizeof(super), kPrimarySuperOffset);
	if (got < 0)
		return errno;
	if (static_cast<std::size_t>(got) != sizeof(super) ||
	    le64toh(super.magic) != BTRFS_MAGIC)
		return EINVAL;
	*generation = le64toh(super.generation);
	return 0;
}

Status check_device_generations(const std::vector<DeviceEntry> &devices,
				std::uint64_t committed,
				const SuperGenerationReader &read_generation)
{
	for (std::size_t i = 0; i < devices.size(); i++) {
		std::uint64_t generation = 0;
		int errnum = read_generation(i, &generation);
		if (errnum == EINVAL)
			return Error{EXDEV, device_name(devices[i]) +
						    " has no btrfs superblock"};
		if (errnum)
			return Error{errnum, "cannot read the superblock of " +
						     device_name(devices[i]) + ": " +
						     strerror(errnum)};
		if (generation < committed)
			return Error{EXDEV, device_name(devices[i]) +
						    ": its superblock records generation " +
						    std::to_string(generation) +
						    ", older than the filesystem's committed transaction " +
						    std::to_string(committed) +
						    ", so it is not the device btrfs writes"};
	}
	return success();
}

}  // namespace sendctl
