// Builds the path of an inode in the receiver's tree from the names up to
// the subvolume root: no recursion, no fixed buffer. The walk up always ends
// (AncestorWalk): a reference loop (corrupt metadata) is reported instead of
// walked forever, and a path is refused as soon as it is longer than
// kMaxPathBytes, not after a deep chain was collected whole.
#pragma once

#include "module/core/send/ancestor_walk.h"
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
	AncestorWalk walk(ino, err::kCorrupt);
	usize length = 0;
	for (u64 at = ino; at != kRootDir;) {
		Text name;
		u64 parent = 0;
		bool goes_on = TRY(name_of(at, &name, &parent));
		length += name.length() + (names.size() ? 1 : 0);
		if (length > kMaxPathBytes)
			return Error::make(err::kNameTooLong, "path longer than PATH_MAX")
				.at_ino(ino)
				.mismatch(kMaxPathBytes, length);
		TRY(names.push(bsend::move(name)));
		if (!goes_on)
			break;
		at = parent;
		TRY(walk.step_to(at));
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
