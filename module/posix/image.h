// The POSIX host for a filesystem's image files, one per device, read with
// pread. Each image's devid comes from its own superblock.
#pragma once

#include <string>
#include <vector>

#include "module/posix/host_fs.h"

namespace bsend::posix {

// Owns the images' file descriptors.
class ImageHost {
public:
	ImageHost() = default;
	~ImageHost();
	ImageHost(const ImageHost&) = delete;
	ImageHost& operator=(const ImageHost&) = delete;

	// Opens path read-only as one more device of the filesystem (its
	// superblock's devid; the first opened also answers BSEND_ANY_DEVICE);
	// returns 0 or a negative errno (-EEXIST for a devid opened already).
	int open(const std::string& path);
	bsend_host_fs* host() { return &state_.base; }

private:
	struct Device {
		int fd = -1;
		uint64_t devid = 0;
	};
	struct State {
		bsend_host_fs base;	// first: host() hands out its address
		std::vector<Device> devices;
	};
	static int read(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len);

	State state_{{&ImageHost::read}, {}};
};

} // namespace bsend::posix
