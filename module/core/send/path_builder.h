// Builds the path of an inode in the receiver's tree from the names up to
// the subvolume root: no recursion, no depth limit, no fixed buffer; a
// reference loop (corrupt metadata) is caught by Brent's cycle detection in
// O(depth) and reported instead of walked forever.
#pragma once

#include "module/core/send/commands.h"
#include "module/core/support/errno.h"

namespace bsend::send {

// name_of(u64 at, Text* name, u64* parent) -> Result<bool> gives the name
// of inode at: true when it is an entry of directory *parent (the walk goes
// on up), false when it is the whole rest of the path (an orphan name in
// the root, where the walk ends).
template <typename NameOf> Result<void> build_path(u64 ino, Text* out, NameOf&& name_of)
{
	Vec<Text> names;
	u64 at = ino;
	u64 marker = ino, steps_since_marker = 0, marker_interval = 1;
	while (at != kRootDir) {
		Text name;
		u64 parent = 0;
		bool goes_on = TRY(name_of(at, &name, &parent));
		TRY(names.push(bsend::move(name)));
		if (!goes_on)
			break;
		at = parent;
		if (at == marker)
			return Error::make(err::kCorrupt, "directory references form a loop").at_ino(ino);
		if (++steps_since_marker == marker_interval) {
			marker = at;
			marker_interval *= 2;
			steps_since_marker = 0;
		}
	}
	out->clear();
	for (usize i = names.size(); i > 0; i--) {
		TRY(out->append(names[i - 1].view()));
		if (i > 1)
			TRY(out->append("/"));
	}
	return {};
}

} // namespace bsend::send
