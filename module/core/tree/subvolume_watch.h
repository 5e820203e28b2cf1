// Watched subvolumes (Filesystem::watch_subvolume): bsend cannot take btrfs's own
// exclusion against a snapshot made read-write, written or deleted under a
// send, so it detects each: every newer commit the reader moves to must
// still show every watched subvolume there (root item present, refs above
// zero), read-only, and with the ctransid it had (btrfs bumps ctransid
// with every inode change in the subvolume; relocation does not).
#pragma once

#include "module/core/support/result.h"
#include "module/core/tree/subvolume.h"

namespace bsend::tree {

// Whether `now` (tree_id's root item at a newer commit, or the error of
// reading it) still describes the watched subvolume. -ESTALE naming the
// subvolume (as the inode) and what changed otherwise; an error other than
// -ENOENT from reading it is returned as it is.
Result<void> check_watched_subvolume(const WatchedSubvolume& watched, const Result<SubvolumeInfo>& now);

} // namespace bsend::tree
