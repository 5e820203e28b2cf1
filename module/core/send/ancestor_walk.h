// A walk up from an inode to the subvolume root, one parent directory at a
// time, that always ends: a loop in the parent links (crafted metadata, or a
// name table of the engine's own gone wrong) is caught by Brent's cycle
// detection within twice its length, and a chain deeper than any path a
// send may give is refused at that depth, long before the walk could cost
// time that matters.
#pragma once

#include "module/core/support/errno.h"
#include "module/core/support/result.h"

namespace bsend::send {

// The longest path a send gives, in bytes: PATH_MAX less its NUL, as the
// in-kernel send's fs_path allows (ENAMETOOLONG beyond), and what btrfs
// receive can join to its destination. Every step of a walk adds at least
// two bytes, a name of one and a slash, so no walk deeper than
// kMaxPathDepth can end in a path.
constexpr usize kMaxPathBytes = 4095;
constexpr u64 kMaxPathDepth = kMaxPathBytes / 2 + 1;

class AncestorWalk {
public:
	// loop_errno is what a loop means where the links come from: EUCLEAN
	// for a snapshot's own references, the engine's limit for its names.
	AncestorWalk(u64 start, int loop_errno) : start_(start), marker_(start), loop_errno_(loop_errno) {}

	// The walk moved up to at; an error when at closes a loop, or when
	// the walk is deeper than any path.
	Result<void> step_to(u64 at)
	{
		if (at == marker_)
			return Error::make(loop_errno_, "directory references form a loop").at_ino(start_);
		if (++depth_ > kMaxPathDepth)
			return Error::make(err::kNameTooLong, "directory nested deeper than a send path can hold")
				.at_ino(start_)
				.mismatch(kMaxPathDepth, depth_);
		if (++steps_since_marker_ == marker_interval_) {
			marker_ = at;
			marker_interval_ *= 2;
			steps_since_marker_ = 0;
		}
		return {};
	}

	u64 depth() const { return depth_; }

private:
	u64 start_;
	u64 marker_;
	int loop_errno_;
	u64 depth_ = 0;
	u64 steps_since_marker_ = 0;
	u64 marker_interval_ = 1;
};

} // namespace bsend::send
