// Whether the devices sendctl opened carry the filesystem's newest commit.
// After a sync, the primary superblock of every device the filesystem
// writes records at least its last committed transaction; a device with an
// older one is not what btrfs writes (a block-level copy, a stale mirror),
// and what bsend read from it would be another state of the filesystem.
#ifndef SENDCTL_DEVICE_GENERATION_H
#define SENDCTL_DEVICE_GENERATION_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ctl/devices.h"
#include "ctl/result.h"

namespace sendctl {

// Commits the filesystem of fs_fd and waits for the commit
// (BTRFS_IOC_START_SYNC, BTRFS_IOC_WAIT_SYNC): its transid.
Result<std::uint64_t> commit_filesystem(int fs_fd);

// The generation the primary superblock on the block device fd records:
// 0 and *generation, or an errno (EINVAL: no btrfs superblock there).
int read_super_generation(int fd, std::uint64_t *generation);

// Reads the superblock generation of devices[index], as above.
using SuperGenerationReader =
	std::function<int(std::size_t index, std::uint64_t *generation)>;

// Every device's superblock must record a generation of at least
// committed; the first that does not is named in the error (EXDEV).
Status check_device_generations(const std::vector<DeviceEntry> &devices,
				std::uint64_t committed,
				const SuperGenerationReader &read_generation);

}  // namespace sendctl

#endif
