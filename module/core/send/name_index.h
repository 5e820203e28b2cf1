// Which (parent directory, name) pairs one inode's list of names holds,
// looked up in O(log n). An inode may have 65,535 names (hard links, all
// in one directory or in many): matching each old name against each new
// one would cost billions of compares for one inode.
#pragma once

#include "module/core/send/incremental_sender.h"
#include "module/core/support/result.h"
#include "module/core/support/vec.h"

namespace bsend::send::incremental {

class NameIndex {
public:
	// Indexes names, which must outlive the index unchanged. A short list
	// (most inodes have one name) is searched as it is: no allocation.
	Result<void> build(const Vec<InodeName>& names);
	bool contains(const InodeName& name) const;

private:
	static constexpr usize kScannedAtMost = 8;

	const Vec<InodeName>* names_ = nullptr;
	Vec<const InodeName*> sorted_;	// empty for a short list
};

} // namespace bsend::send::incremental
