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
#include "module/core/send/send_options.h"
#include "module/core/support/hash_map.h"
#include "module/core/tree/path.h"

namespace bsend::send {

// Writes the whole stream, header to END, through writer.
Result<SendStats> full_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
			    const SendOptions& options);

} // namespace bsend::send
