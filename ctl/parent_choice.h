// The parent "btrfs send -c CLONE_SRC" picks when no -p is given: the rule
// of btrfs-progs' find_good_parent (cmds/send.c), as a pure function.
#ifndef SENDCTL_PARENT_CHOICE_H
#define SENDCTL_PARENT_CHOICE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ctl/subvolume_identity.h"
#include "ctl/uuid.h"

namespace sendctl {

// The subvolume sent is a snapshot of its origin: the subvolume its
// parent_uuid names, whose ctransid is origin_ctransid. Among the clone
// sources, the parent is
//   1. the origin itself, when it is a clone source (the first such);
//   2. otherwise the clone source that is another snapshot of the same
//      origin (same parent_uuid) whose ctransid is closest to the
//      origin's; on a tie, the one that comes first;
//   3. otherwise none (btrfs send then fails: "parent determination
//      failed").
// Returns the index of the parent in clone_sources.
std::optional<std::size_t> choose_parent(
	const Uuid &origin_uuid, std::uint64_t origin_ctransid,
	const std::vector<SubvolumeIdentity> &clone_sources);

// The index of the clone source whose own uuid is uuid, if any.
std::optional<std::size_t> find_by_uuid(
	const std::vector<SubvolumeIdentity> &subvolumes, const Uuid &uuid);

}  // namespace sendctl

#endif
