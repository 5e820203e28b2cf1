// A subvolume's (or any tree's) ROOT_ITEM in the root tree: where its tree
// is and what send needs to know about it.
#pragma once

#include "module/core/support/vec.h"
#include "module/core/tree/filesystem.h"

namespace bsend::tree {

struct SubvolumeInfo {
	TreeRoot root;			// its tree's root block
	u64 flags = 0;			// BTRFS_ROOT_SUBVOL_*
	u32 refs = 0;			// 0 once the subvolume is deleted
	bool has_uuids = false;		// the item has the v2 fields below
	u8 uuid[BTRFS_UUID_SIZE] = {};
	u8 parent_uuid[BTRFS_UUID_SIZE] = {};
	u8 received_uuid[BTRFS_UUID_SIZE] = {};
	u64 ctransid = 0;
	u64 otransid = 0;

	bool readonly() const { return flags & BTRFS_ROOT_SUBVOL_RDONLY; }
	// The uuid a send stream names it by: received_uuid when it has one
	// (it was itself received), so that a chain of sends finds its
	// parents.
	const u8* stream_uuid() const
	{
		for (u8 byte : received_uuid)
			if (byte)
				return received_uuid;
		return uuid;
	}
};

// The newest ROOT_ITEM of tree_id; -ENOENT when there is none.
Result<SubvolumeInfo> read_subvolume(Filesystem& fs, u64 tree_id);

// The subvolume's name in its parent directory, from its ROOT_BACKREF;
// empty for a tree that has none (the top-level subvolume).
Result<void> read_subvolume_name(Filesystem& fs, u64 tree_id, Vec<char>* name);

} // namespace bsend::tree
