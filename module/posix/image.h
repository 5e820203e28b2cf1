// The POSIX host for one filesystem image file, read with pread. The image
// is a single-device filesystem; its devid comes from its own superblock.
#pragma once

#include <string>

#include "module/posix/host_fs.h"

namespace bsend::posix {

// Owns the image's file descriptor.
class ImageHost {
public:
	ImageHost() = default;
	~ImageHost();
	ImageHost(const ImageHost&) = delete;
	ImageHost& operator=(const ImageHost&) = delete;

	// Opens path read-only; returns 0 or a negative errno.
	int open(const std::string& path);
	bsend_host_fs* host() { return &state_.base; }

private:
	struct State {
		bsend_host_fs base;	// first: host() hands out its address
		int fd = -1;
		uint64_t devid = 0;
	};
	static int read(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len);

	State state_{{&ImageHost::read}};
};

} // namespace bsend::posix
