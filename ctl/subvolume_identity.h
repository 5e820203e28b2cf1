// What relates a snapshot to the subvolume it was taken of: the fields of a
// subvolume's root item that btrfs send's choice of a parent reads.
#ifndef SENDCTL_SUBVOLUME_IDENTITY_H
#define SENDCTL_SUBVOLUME_IDENTITY_H

#include <cstdint>

#include "ctl/uuid.h"

namespace sendctl {

struct SubvolumeIdentity {
	std::uint64_t root_id = 0;	// subvolume (tree) id
	Uuid uuid{};			// its own uuid
	Uuid parent_uuid{};		// the subvolume it is a snapshot of;
					// nil when it is not a snapshot
	std::uint64_t ctransid = 0;	// transaction of its last change
};

}  // namespace sendctl

#endif
