#include "ctl/devices.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/btrfs.h>

namespace sendctl {

std::string devid_list(const std::vector<std::uint64_t> &devids)
{
	std::string text;
	for (std::size_t i = 0; i < devids.size(); i++) {
		if (i)
			text += i + 1 == devids.size() ? " and " : ", ";
		text += std::to_string(devids[i]);
	}
	return text;
}

Result<FilesystemDevices> collect_devices(std::uint64_t max_id,
					  std::uint64_t num_devices,
					  const DeviceQuery &query)
{
	FilesystemDevices devices;
	std::size_t found = 0;
	for (std::uint64_t devid = 1; devid <= max_id && found < num_devices;
	     devid++) {
		DeviceEntry entry;
		int errnum = query(devid, &entry);
		if (errnum == ENODEV)
			continue;
		if (errnum)
			return Error{errnum, "cannot read the path of device " +
						     std::to_string(devid) +
						     ": " + strerror(errnum)};
		found++;
		if (entry.path.empty() || entry.path.front() != '/')
			devices.missing.push_back(devid);
		else
			devices.present.push_back(std::move(entry));
	}
	if (found != num_devices)
		return Error{ENODEV, "the filesystem has " +
					     std::to_string(num_devices) +
					     " devices, but only " +
					     std::to_string(found) +
					     " have a device id up to " +
					     std::to_string(max_id)};
	if (devices.present.empty())
		return Error{ENODEV, "every device of the filesystem is missing"
				     " (device " + devid_list(devices.missing) +
				     ")"};
	return devices;
}

Result<FilesystemDevices> list_devices(int fs_fd)
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
