// What "sendctl send [-p PARENT] [-c CLONE_SRC]... SUBVOL..." asks the module
// for, subvolume by subvolume, with btrfs send's rules (btrfs-progs
// cmds/send.c, cmd_send):
//   - neither -p nor -c: a full send of each, without clone sources;
//   - -p: each is sent from PARENT, with the -c clone sources and PARENT
//     as the last one;
//   - -c without -p: each is sent from the parent choose_parent() picks
//     among the clone sources, and once sent becomes a clone source of the
//     subvolumes after it.
#ifndef SENDCTL_SEND_PLAN_H
#define SENDCTL_SEND_PLAN_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctl/result.h"
#include "ctl/subvolume_identity.h"

namespace sendctl {

// A subvolume as the user named it, and what identifies it.
struct NamedSubvolume {
	std::string path;
	SubvolumeIdentity identity;
};

// The parent_root and clone_sources of one BSEND_IOC_SEND.
struct PlannedSend {
	std::uint64_t parent_root = 0;		// 0: a full send
	std::vector<std::uint64_t> clone_roots;	// root ids, in order
};

// Finds the subvolume with a uuid on the filesystem sent from, for the
// origin of a snapshot that is not itself a clone source.
using UuidLookup = std::function<Result<SubvolumeIdentity>(const Uuid &)>;

// One PlannedSend per subvolume of subvols, in order. parent is null
// without -p. Fails, naming the subvolume, when -c without -p finds no
// parent for one of them; the plans of the subvolumes before it are then
// in *before_failure (when given): btrfs send sends those, then fails.
Result<std::vector<PlannedSend>> plan_sends(
	const std::vector<NamedSubvolume> &subvols,
	const std::vector<NamedSubvolume> &clone_sources,
	const NamedSubvolume *parent, const UuidLookup &look_up_uuid,
	std::vector<PlannedSend> *before_failure = nullptr);

}  // namespace sendctl

#endif
