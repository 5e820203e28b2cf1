#include "module/core/tree/subvolume_watch.h"

#include "module/core/support/errno.h"

namespace bsend::tree {

Result<void> check_watched_subvolume(const WatchedSubvolume& watched, const Result<SubvolumeInfo>& now)
{
	if (!now.is_ok()) {
		if (now.error().errno_value != err::kNoEntry)
			return now.error();
		return Error::make(err::kStale, "filesystem changed under the send: subvolume deleted (no root item)")
			.at_ino(watched.tree_id);
	}
	const SubvolumeInfo& info = now.value();
	if (info.flags & BTRFS_ROOT_SUBVOL_DEAD)
		return Error::make(err::kStale, "filesystem changed under the send: subvolume deleted (marked dead)")
			.at_ino(watched.tree_id);
	if (info.refs == 0)
		return Error::make(err::kStale, "filesystem changed under the send: subvolume deleted (root refs 0)")
			.at_ino(watched.tree_id);
	if (!info.readonly())
		return Error::make(err::kStale, "filesystem changed under the send: subvolume made read-write")
			.at_ino(watched.tree_id);
	if (info.ctransid != watched.ctransid)
		return Error::make(err::kStale, "filesystem changed under the send: subvolume written (ctransid)")
			.at_ino(watched.tree_id)
			.mismatch(watched.ctransid, info.ctransid);
	return {};
}

} // namespace bsend::tree
