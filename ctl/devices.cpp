#include "ctl/devices.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/btrfs.h>

namespace sendctl {

Result<std::vector<DeviceEntry>> collect_devices(std::uint64_t max_id,
						 std::uint64_t num_devices,
						 const DeviceQuery &query)
{
	std::vector<DeviceEntry> devices;
	for (std::uint64_t devid = 1;
	     devid <= max_id && devices.size() < num_devices; devid++) {
		DeviceEntry entry;
		int errnum = query(devid, &entry);
		if (errnum == ENODEV)
			continue;
		if (errnum)
			return Error{errnum, "cannot read the path of device " +
						     std::to_string(devid) +
						     ": " + strerror(errnum)};
		if (entry.path.empty())
			return Error{ENODEV, "device " + std::to_string(devid) +
						     " of the filesystem is"
						     " missing"};
		devices.push_back(std::move(entry));
	}
	if (devices.size() != num_devices)
		return Error{ENODEV, "the filesystem has " +
					     std::to_string(num_devices) +
					     " devices, but only " +
					     std::to_string(devices.size()) +
					     " have a device id up to " +
					     std::to_string(max_id)};
	return devices;
}

Result<std::vector<DeviceEntry>> list_devices(int fs_fd)
{
	btrfs_ioctl_fs_info_args info = {};
	if (::ioctl(fs_fd, BTRFS_IOC_FS_INFO, &info) < 0) {
		int errnum = errno;
		return Error{errnum, std::string("cannot list the devices of"
						 " the filesystem: ") +
					     strerror(errnum)};
	}

	auto dev_info = [fs_fd](std::uint64_t devid, DeviceEntry *entry) {
		btrfs_ioctl_dev_info_args args = {};
		args.devid = devid;
		if (::ioctl(fs_fd, BTRFS_IOC_DEV_INFO, &args) < 0)
			return errno;
		entry->devid = args.devid;
		entry->path.assign(reinterpret_cast<const char *>(args.path),
				   strnlen(reinterpret_cast<const char *>(args.path),
					   sizeof(args.path)));
		return 0;
	};
	return collect_devices(info.max_id, info.num_devices, dev_info);
}

Result<std::vector<UniqueFd>> open_devices(const std::vector<DeviceEntry> &devices)
{
	std::vector<UniqueFd> fds;
	for (const DeviceEntry &device : devices) {
		UniqueFd fd(::open(device.path.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd.valid()) {
			int errnum = errno;
			return Error{errnum, "cannot open device " +
						     std::to_string(device.devid) +
						     " of the filesystem (" +
						     device.path + "): " +
						     strerror(errnum)};
		}
		fds.push_back(std::move(fd));
	}
	return fds;
}

}  // namespace sendctl
