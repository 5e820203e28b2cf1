// What the bsend module says about itself (generic netlink GET_INFO):
// parsing the reply and printing it for "sendctl info".
#ifndef SENDCTL_MODULE_INFO_H
#define SENDCTL_MODULE_INFO_H

#include <cstdint>
#include <string>

#include "ctl/result.h"

struct nlmsghdr;

namespace sendctl {

struct ModuleInfo {
	std::string module_version;
	std::uint32_t proto_min = 0;	// lowest stream version written
	std::uint32_t proto_max = 0;	// highest stream version written
	std::uint64_t send_flags = 0;	// BTRFS_SEND_FLAG_* accepted
	// The memory counters, which the module tells a caller with
	// CAP_SYS_ADMIN only; the two below are 0 without them.
	bool has_memory_counters = false;
	std::uint64_t allocations = 0;	// module allocations outstanding
	// Peak bytes allocated since the last send that started alone.
	std::uint64_t send_peak_memory = 0;
};

// Parses a BSEND_CMD_GET_INFO reply (a generic netlink message). Every
// attribute must be present with its documented type and size, but the
// two memory counters, which come together or not at all.
Result<ModuleInfo> parse_module_info(const nlmsghdr *reply);

// The names of the set BTRFS_SEND_FLAG_* bits in bit order, separated by
// spaces, e.g. "no-file-data version"; bits without a name as "0x40";
// "none" for 0.
std::string send_flag_names(std::uint64_t flags);

// The lines "sendctl info" prints.
std::string format_module_info(const ModuleInfo &info);

}  // namespace sendctl

#endif
