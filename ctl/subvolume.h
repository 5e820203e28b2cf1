// Opening a subvolume to send (or a parent or clone source) and finding
// its root id, uuids and ctransid, with the checks btrfs send makes before
// sending.
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

// Opens path as the root directory of a read-only btrfs subvolume. role
// names it in messages: "" for the subvolume sent, "parent", "clone source".
Result<Subvolume> open_readonly_subvolume(const std::string &path,
					  const std::string &role);

}  // namespace sendctl

#endif
