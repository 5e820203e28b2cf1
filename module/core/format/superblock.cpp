#include "module/core/format/superblock.h"

#include "module/core/support/errno.h"

namespace bsend::format {

static_assert(sizeof(btrfs_super_block) <= SuperblockView::kSize,
	      "every accessor offset lies inside the 4096-byte block");

Result<SuperblockView> SuperblockView::over(Bytes bytes)
{
	if (bytes.size() < kSize)
		return Error::make(err::kCorrupt, "superblock shorter than 4096 bytes")
			.mismatch(kSize, bytes.size());
	return SuperblockView(bytes.subspan(0, kSize));
}

} // namespace bsend::format
