// What send needs from an INODE_ITEM, read into plain values.
#pragma once

#include "module/core/format/items.h"
#include "module/core/tree/filesystem.h"

namespace bsend::send {

struct Timespec {
	u64 seconds = 0;
	u32 nanoseconds = 0;
};

struct InodeInfo {
	u64 ino = 0;
	u64 generation = 0;
	u64 size = 0;
	u64 mode = 0;
	u64 uid = 0;
	u64 gid = 0;
	u64 rdev = 0;
	u64 nlink = 0;
	u64 flags = 0;	// BTRFS_INODE_* (chattr): FILEATTR carries them from v2
	Timespec atime, mtime, ctime;
	Timespec otime;	// creation time: UTIMES carries it from v2
};

InodeInfo inode_info_from(u64 ino, const format::InodeItemView& item);

// The highest inode number in the tree, for progress; 0 if it has none.
Result<u64> highest_inode(tree::Filesystem& fs, const tree::TreeRoot& root);

// The INODE_ITEM of ino in the tree; -ENOENT naming ino if it has none.
Result<InodeInfo> read_inode_info(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino);

} // namespace bsend::send
