#include "module/posix/image.h"

#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <linux/btrfs_tree.h>
#include <unistd.h>

#include "module/core/support/endian.h"

namespace bsend::posix {

ImageHost::~ImageHost()
{
	for (const Device& device : state_.devices)
		close(device.fd);
}

int ImageHost::open(const std::string& path)
{
	Device device;
	device.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (device.fd < 0)
		return -errno;
	uint8_t devid[8];
	off_t at = BSEND_SUPER_OFFSET + offsetof(btrfs_super_block, dev_item) + offsetof(btrfs_dev_item, devid);
	if (pread(device.fd, devid, sizeof(devid), at) != sizeof(devid)) {
		close(device.fd);
		return -EIO;
	}
	device.devid = load_le64(devid);
	for (const Device& opened : state_.devices) {
		if (opened.devid == device.devid) {
			close(device.fd);
			return -EEXIST;
		}
	}
	state_.devices.push_back(device);
	return 0;
}

int ImageHost::read(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len)
{
	State* state = reinterpret_cast<State*>(self);
	const Device* device = nullptr;
	for (const Device& opened : state->devices) {
		if (devid == BSEND_ANY_DEVICE || opened.devid == devid) {
			device = &opened;
			break;
		}
	}
	if (!device)
		return -ENODEV;
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(device->fd, static_cast<char*>(buf) + done, len - done,
				  static_cast<off_t>(physical + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += static_cast<size_t>(n);
	}
	return 0;
}

} // namespace bsend::posix
