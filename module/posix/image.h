// The POSIX host for one filesystem image file: bsend_host_read() with
// pread. The image is a single-device filesystem; its devid comes from its
// own superblock.
#pragma once

#include <string>

#include "module/core/platform.h"

struct bsend_host_fs {
	int fd = -1;
	uint64_t devid = 0;
};

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
	bsend_host_fs* host() { return &fs_; }

private:
	bsend_host_fs fs_;
};

} // namespace bsend::posix
