// Opening a subvolume to send (or a parent or clone source) and finding
// its root id, uuids and ctransid.
#ifndef SENDCTL_SUBVOLUME_H
#define SENDCTL_SUBVOLUME_H

#include <array>
#include <cstdint>
#include <string>

#include "ctl/result.h"
#include "ctl/subvolume_identity.h"
#include "ctl/unique_fd.h"

namespace sendctl {

struct Subvolume {
	UniqueFd fd;				// its root directory
	SubvolumeIdentity identity;		// root id, uuids, ctransid
	std::array<std::uint8_t, 16> fsid{};	// filesystem it is on
};

// Opens path, a subvolume that btrfs send's checks passed (send_paths.h),
// and reads what identifies it and its filesystem.
Result<Subvolume> open_subvolume(const std::string &path);

}  // namespace sendctl

#endif
