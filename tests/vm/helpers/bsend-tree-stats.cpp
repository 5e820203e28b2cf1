// bsend-tree-stats SUBVOL [TREE_ID]: asks the module to walk one committed
// tree (BSEND_IOC_TREE_STATS) with bsend's own reader, and prints what it
// counted. The VM cases compare the inode count with `find | wc -l`.
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <vector>

#include "ctl/devices.h"
#include "ctl/unique_fd.h"
#include "uapi/bsend.h"

int main(int argc, char** argv)
{
	if (argc < 2 || argc > 3) {
		std::fprintf(stderr, "usage: bsend-tree-stats SUBVOL [TREE_ID]\n");
		return 2;
	}
	sendctl::UniqueFd subvol(open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!subvol.valid()) {
		std::fprintf(stderr, "bsend-tree-stats: %s: %s\n", argv[1], std::strerror(errno));
		return 1;
	}
	auto devices = sendctl::list_devices(subvol.get());
	if (!devices.ok()) {
		std::fprintf(stderr, "bsend-tree-stats: %s\n", devices.error().message.c_str());
		return 1;
	}
	auto device_fds = sendctl::open_devices(devices.value().present);
	if (!device_fds.ok()) {
		std::fprintf(stderr, "bsend-tree-stats: %s\n", device_fds.error().message.c_str());
		return 1;
	}
	std::vector<__s32> fds;
	for (const auto& fd : device_fds.value())
		fds.push_back(fd.get());
	sendctl::UniqueFd control(open("/dev/bsend", O_RDWR | O_CLOEXEC));
	if (!control.valid()) {
		std::fprintf(stderr, "bsend-tree-stats: /dev/bsend: %s\n", std::strerror(errno));
		return 1;
	}
	bsend_ioctl_tree_stats_args args = {};
	args.subvol_fd = subvol.get();
	args.device_count = static_cast<__u32>(fds.size());
	args.device_fds = reinterpret_cast<uintptr_t>(fds.data());
	args.missing_devices = static_cast<__u32>(devices.value().missing.size());
	args.tree_id = argc == 3 ? std::strtoull(argv[2], nullptr, 0) : 0;
	if (ioctl(control.get(), BSEND_IOC_TREE_STATS, &args) != 0) {
		std::fprintf(stderr, "bsend-tree-stats: BSEND_IOC_TREE_STATS: %s\n", std::strerror(errno));
		return 1;
	}
	std::printf("tree %" PRIu64 "\ninodes %" PRIu64 "\nitems %" PRIu64 "\nblocks %" PRIu64
		    "\nlevel %u\ngeneration %" PRIu64 "\npeak_memory %" PRIu64 "\n",
		    static_cast<uint64_t>(args.walked_tree_id), static_cast<uint64_t>(args.inodes),
		    static_cast<uint64_t>(args.items), static_cast<uint64_t>(args.blocks), args.root_level,
		    static_cast<uint64_t>(args.root_generation), static_cast<uint64_t>(args.peak_memory));
	return 0;
}
