#include "module/core/format/tree_block.h"

#include "module/core/support/checked.h"
#include "module/core/support/errno.h"

namespace bsend::format {

namespace {

Error layout_error(const char* cause, u64 bytenr) { return Error::make(err::kCorrupt, cause).at_bytenr(bytenr); }

} // namespace

Result<TreeBlockView> TreeBlockView::over(Bytes block, u64 read_bytenr)
{
	if (block.size() < kHeaderSize)
		return layout_error("tree block smaller than its header", read_bytenr)
			.mismatch(kHeaderSize, block.size());
	TreeBlockView view(block);
	const u64 data_size = block.size() - kHeaderSize;
	const u64 nritems = view.nritems();
	if (view.level() >= BTRFS_MAX_LEVEL)
		return layout_error("tree block level out of range", read_bytenr)
			.mismatch(BTRFS_MAX_LEVEL - 1, view.level());

	if (!view.is_leaf()) {
		if (nritems == 0)
			return layout_error("empty tree node", read_bytenr);
		if (nritems > data_size / sizeof(btrfs_key_ptr))
			return layout_error("node nritems exceeds the block", read_bytenr)
				.mismatch(data_size / sizeof(btrfs_key_ptr), nritems);
	} else {
		if (nritems > data_size / sizeof(btrfs_item))
			return layout_error("leaf nritems exceeds the block", read_bytenr)
				.mismatch(data_size / sizeof(btrfs_item), nritems);
		const u64 array_end = nritems * sizeof(btrfs_item);
		for (u32 slot = 0; slot < nritems; slot++) {
			u64 offset = BSEND_FIELD(view.item(slot), btrfs_item, offset);
			u64 size = BSEND_FIELD(view.item(slot), btrfs_item, size);
			if (offset < array_end || !range_inside(offset, size, data_size))
				return layout_error("leaf item data outside the block", read_bytenr)
					.mismatch(slot, offset);
		}
	}
	for (u32 slot = 1; slot < nritems; slot++) {
		if (!(view.key(slot - 1) < view.key(slot)))
			return layout_error("tree block keys out of order", read_bytenr).mismatch(slot - 1, slot);
	}
	return view;
}

} // namespace bsend::format
