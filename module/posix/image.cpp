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
	if (state_.fd >= 0)
		close(state_.fd);
}

int ImageHost::open(const std::string& path)
{
	state_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (state_.fd < 0)
		return -errno;
	uint8_t devid[8];
	off_t at = BSEND_SUPER_OFFSET + offsetof(btrfs_super_block, dev_item) + offsetof(btrfs_dev_item, devid);
	if (pread(state_.fd, devid, sizeof(devid), at) != sizeof(devid))
		return -EIO;
	state_.devid = load_le64(devid);
	return 0;
}

int ImageHost::read(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len)
{
	State* state = reinterpret_cast<State*>(self);
	if (devid != BSEND_ANY_DEVICE && devid != state->devid)
		return -ENODEV;
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(state->fd, static_cast<char*>(buf) + done, len - done,
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
