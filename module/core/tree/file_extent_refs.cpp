#include "module/core/tree/file_extent_refs.h"

#include "module/core/format/items.h"
#include "module/core/support/errno.h"
#include "module/core/tree/data_backrefs.h"
#include "module/core/tree/path.h"

namespace bsend::tree {

namespace {

// Whether a file extent item (regular or prealloc, not inline) points at
// disk_bytenr; if so, where in the extent its bytes begin and how many.
// Errors name the leaf and the inode.
Result<bool> file_extent_points_at(Bytes item, u64 disk_bytenr, u64 leaf_bytenr, u64 ino, ExtentRef* out)
{
	auto view = format::FileExtentItemView::over(item);
	if (!view.is_ok())
		return Error(view.error()).at_bytenr(leaf_bytenr).at_ino(ino);
	if (view.value().is_inline() || view.value().disk_bytenr() != disk_bytenr)
		return false;
	out->ino = ino;
	out->extent_offset = view.value().offset();
	out->num_bytes = view.value().num_bytes();
	return true;
}

} // namespace

Result<void> backref_keys_in_leaf(Filesystem& fs, const TreeRoot& extent_root, u64 leaf_bytenr, u64 disk_bytenr,
				  Vec<BackrefKey>* keys)
{
	u64 generation = TRY(tree_block_generation(fs, extent_root, leaf_bytenr));
	// Any subvolume id makes the reader accept any subvolume as the owner.
	BlockRef leaf = TRY(fs.read_block({leaf_bytenr, generation, 0, BTRFS_FS_TREE_OBJECTID, {}, false}));
	const format::TreeBlockView& view = leaf->view();
	for (u32 slot = 0; slot < view.nritems(); slot++) {
		format::Key key = view.item_key(slot);
		if (key.type != BTRFS_EXTENT_DATA_KEY)
			continue;
		ExtentRef ref;
		if (TRY(file_extent_points_at(view.item_data(slot), disk_bytenr, leaf_bytenr, key.objectid, &ref)))
			TRY(keys->push({key.objectid, key.offset - ref.extent_offset}));
	}
	return {};
}

Result<void> find_file_extent_refs(Filesystem& fs, const TreeRoot& root, const BackrefKey& key, u64 disk_bytenr,
				   u64 span, Vec<ExtentRef>* refs)
{
	u64 first = key.offset;
	u64 end = key.offset + span;
	// An offset that wrapped below 0: the items are at [0, end).
	if (end < first)
		first = 0;
	TreePath path(fs, root);
	for (bool more = TRY(path.search({key.ino, BTRFS_EXTENT_DATA_KEY, first})); more; more = TRY(path.next())) {
		format::Key at = path.key();
		if (at.objectid != key.ino || at.type != BTRFS_EXTENT_DATA_KEY || at.offset >= end)
			break;
		ExtentRef ref;
		if (!TRY(file_extent_points_at(path.data(), disk_bytenr, path.leaf_bytenr(), key.ino, &ref)) ||
		    at.offset - ref.extent_offset != key.offset)
			continue;
		ref.root = root.tree_id;
		ref.file_offset = at.offset;
		TRY(refs->push(ref));
	}
	return {};
}

} // namespace bsend::tree
