// The block devices of a mounted btrfs filesystem, which the bsend module
// needs as fds: btrfs keeps sb->s_bdev NULL and exports no device list.
#ifndef SENDCTL_DEVICES_H
#define SENDCTL_DEVICES_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctl/result.h"
#include "ctl/unique_fd.h"

namespace sendctl {

struct DeviceEntry {
	std::uint64_t devid = 0;
	std::string path;	// empty: btrfs knows the device but lacks it
};

// The devices of a filesystem: those with a path, and the devids of those
// btrfs knows but lacks (a degraded mount).
struct FilesystemDevices {
	std::vector<DeviceEntry> present;
	std::vector<std::uint64_t> missing;
};

// "4" or "3 and 4": the devids, for messages.
std::string devid_list(const std::vector<std::uint64_t> &devids);

// Answers BTRFS_IOC_DEV_INFO for one devid: 0 and the entry, ENODEV when
// no device has that id, or another errno.
using DeviceQuery = std::function<int(std::uint64_t devid, DeviceEntry *)>;

// Queries devids 1..max_id, skipping unused ids, until num_devices are
// found. A device without a path (empty, or btrfs's "<missing disk>") is
// missing; at least one must be present.
Result<FilesystemDevices> collect_devices(std::uint64_t max_id,
					  std::uint64_t num_devices,
					  const DeviceQuery &query);

// The devices of the filesystem of fs_fd (BTRFS_IOC_FS_INFO, DEV_INFO).
Result<FilesystemDevices> list_devices(int fs_fd);

// Opens each device read-only, without O_EXCL: btrfs holds them open.
Result<std::vector<UniqueFd>> open_devices(
	const std::vector<DeviceEntry> &devices);

}  // namespace sendctl

#endif
