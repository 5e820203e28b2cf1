// The POSIX host's stream output, file reads and checkpoints.
#include <cerrno>
#include <unistd.h>

#include "module/posix/output.h"

extern "C" int bsend_host_write(bsend_host_out* out, const void* buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(out->fd, static_cast<const char*>(buf) + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += static_cast<size_t>(n);
	}
	return 0;
}

// Offline there is no page cache to read files through: offline sends read
// extents from the image (send::DiskFileData) instead.
extern "C" int bsend_host_read_file(bsend_host_files*, uint64_t, uint64_t, const bsend_committed_inode*, uint64_t, void*,
				    size_t)
{
	return -EOPNOTSUPP;
}

// Offline sends have no registry and nobody to cancel them.
extern "C" int bsend_host_checkpoint(bsend_host_send*, const bsend_progress*) { return 0; }
