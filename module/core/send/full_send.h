// A full send of one read-only subvolume: every inode of its committed fs
// tree, in inode order, as the commands that rebuild it (seed send.c is the
// reference for the order):
//
//   SUBVOL, then per inode: create under its orphan name o<ino>-<gen>-<n>
//   (creating a parent directory that comes later in inode order first,
//   under its own orphan name), RENAME to its first reference, LINK for the
//   others, SET_XATTR, WRITE, TRUNCATE, CHOWN, CHMOD, security.capability
//   (which CHOWN would drop), UTIMES; directories' UTIMES once their
//   entries are all made;
//   END.
//
// Paths are built by walking references up to the subvolume root: no
// recursion, no fixed buffers, any depth.
#pragma once

#include "module/core/send/commands.h"
#include "module/core/support/hash_map.h"
#include "module/core/tree/path.h"

namespace bsend::send {

struct FullSendOptions {
	u64 subvolume = 0;		// tree id of the subvolume to send
	StringView name;		// the SUBVOL command's path
	bool send_file_data = true;	// false: BTRFS_SEND_FLAG_NO_FILE_DATA
	bool stream_header = true;	// false: BTRFS_SEND_FLAG_OMIT_STREAM_HEADER
	bool end_command = true;	// false: BTRFS_SEND_FLAG_OMIT_END_CMD
	bsend_host_send* control = nullptr;	// progress and cancellation
};


// Writes the whole stream, header to END, through writer.
Result<SendStats> full_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
			    const FullSendOptions& options);

} // namespace bsend::send
