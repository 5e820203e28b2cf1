// An incremental send: the commands that turn the parent snapshot, as the
// receiver has it, into the snapshot sent. The differences come from the
// tree compare of the two committed fs trees, so the cost follows the
// change, not the size of the trees.
//
// The names change in three passes over the changed inodes, in inode
// order, each pass leaving the receiver in a state the next can build on
// without ordering puzzles:
//
//   1. Clear: names that go away are removed. A file unlinks the names it
//      loses; one that keeps none is renamed to its orphan name
//      o<ino>-<gen>-<n> in the subvolume root instead, as is every
//      directory that moves. Inodes that are gone lose all their names;
//      their directories, empty by then, are removed deepest first.
//      After this pass every name left is one the sent snapshot has too,
//      or an orphan name, which it cannot have.
//   2. Place: new inodes are created, in their directory if it exists
//      already, else under their orphan name; then every name an inode
//      gains is made, a RENAME from its orphan name for the first, a LINK
//      for the others. A name in a directory not made yet waits for the
//      end of the pass. No name is taken (pass 1 freed them) and no move
//      makes a loop (every directory still inside a moved one stays in it
//      in the sent snapshot too).
//   3. Contents: a second compare, in key order: xattrs, file data of the
//      changed extents (zeros where a hole replaced data: protocol v1
//      cannot punch), TRUNCATE, CHOWN, CHMOD, the capability, UTIMES; new
//      inodes get everything, as in a full send. Directories whose entries
//      or times changed get their UTIMES last.
//
// Passes 1 and 2 need the inodes whose names change (new, gone, reused,
// renamed or linked); pass 3 runs its own compare and needs nothing held.
// So the inodes whose names stay, usually most of a big change, are held
// only while the change set is within options.change_set_budget (they let
// pass 1 read their paths ahead in batches). Past it, they are dropped
// and pass 3 takes each from its compare as it comes: the memory then
// follows the inodes whose names change, not the inodes changed.
#pragma once

#include "module/core/send/commands.h"
#include "module/core/send/send_options.h"

namespace bsend::send {

// Writes the whole stream, header to END, through writer: SNAPSHOT of
// options.parent, then the changes.
Result<SendStats> incremental_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
				   const SendOptions& options);

} // namespace bsend::send
