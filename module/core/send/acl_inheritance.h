// What the receiving kernel adds to the inodes a stream makes: a new inode
// gets its directory's default POSIX ACL (system.posix_acl_default) as its
// own access ACL, and a new directory gets it as its default ACL too. The
// stream then sets the inode's own xattrs, but one the source does not
// have stays unless the stream removes it. This tracks which directories
// of the receiver have a default ACL while inodes are made in them, and
// removes from each new inode what it inherited and its source lacks.
//
// Directories the stream has not made have the default ACL they had before
// it: in the parent snapshot (an incremental send), none (a full send:
// the subvolume is new) until the send sets the root's.
#pragma once

#include "module/core/send/commands.h"
#include "module/core/support/hash_map.h"

namespace bsend::send {

class AclInheritance {
public:
	// before: the tree the receiver starts from (the parent), or null.
	AclInheritance(tree::Filesystem& fs, const tree::TreeRoot* before) : fs_(fs), before_(before) {}

	// The send made dir's default ACL present or absent.
	Result<void> set_default(u64 dir, bool present);
	// The send made ino (a directory if is_dir) in directory dir.
	Result<void> created(u64 ino, bool is_dir, u64 dir);
	// Once ino's own xattrs are sent: REMOVE_XATTR of what it inherited
	// and its source (in root) lacks.
	Result<void> drop_inherited(Commands& commands, const tree::TreeRoot& root, u64 ino, StringView path);

private:
	Result<bool> has_default(u64 dir);

	tree::Filesystem& fs_;
	const tree::TreeRoot* before_;
	HashMap<u64, bool> default_acl_;	// directories whose default ACL the send decided
	HashMap<u64, bool> inherited_;		// new inodes that inherited one
};

// Whether inode ino of root has the xattr name.
Result<bool> has_xattr(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino, StringView name);

} // namespace bsend::send
