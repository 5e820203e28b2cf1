// The subvolumes of a fuzzed image, for the targets that send or walk more
// than one of them.
#pragma once

#include "module/core/support/vec.h"
#include "module/core/tree/filesystem.h"

namespace bsend::fuzz {

// The top-level subvolume and the ids subvolumes are created with.
inline bool is_subvolume(u64 tree_id)
{
	return tree_id == BTRFS_FS_TREE_OBJECTID ||
	       (tree_id >= BTRFS_FIRST_FREE_OBJECTID && tree_id <= BTRFS_LAST_FREE_OBJECTID);
}

// The ids of the subvolumes whose ROOT_ITEMs the root tree holds, in key
// order, at most max of them.
Result<void> list_subvolumes(tree::Filesystem& fs, usize max, Vec<u64>* ids);

} // namespace bsend::fuzz
