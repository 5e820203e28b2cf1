// Finding a subvolume of a mounted btrfs filesystem by its uuid, as
// btrfs-progs does (subvol_uuid_search): the uuid tree gives its root id,
// the root tree its root item. Both are BTRFS_IOC_TREE_SEARCH, which needs
// CAP_SYS_ADMIN.
#ifndef SENDCTL_SUBVOLUME_BY_UUID_H
#define SENDCTL_SUBVOLUME_BY_UUID_H

#include "ctl/result.h"
#include "ctl/subvolume_identity.h"
#include "ctl/uuid.h"

namespace sendctl {

// The subvolume with this uuid on the filesystem of fs_fd (any fd on it).
// ENOENT when there is none (never made, or deleted).
Result<SubvolumeIdentity> find_subvolume_by_uuid(int fs_fd, const Uuid &uuid);

}  // namespace sendctl

#endif
