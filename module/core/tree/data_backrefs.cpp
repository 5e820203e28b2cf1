#include "module/core/tree/data_backrefs.h"

#include "module/core/format/items.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::tree {

namespace {

Error extent_error(int errno_value, const char* cause, u64 disk_bytenr)
{
	return Error::make(errno_value, cause).at_bytenr(disk_bytenr);
}

// Adds one backref of the extent; data is the ref's struct (inline or keyed).
Result<void> add_data_backref(u8 type, u64 offset, Bytes data, u64 disk_bytenr, Vec<DataBackref>* refs)
{
	DataBackref ref;
	if (type == BTRFS_EXTENT_DATA_REF_KEY) {
		auto view = format::ExtentDataRefView::over(data);
		if (!view.is_ok())
			return extent_error(err::kCorrupt, "extent data ref smaller than its struct", disk_bytenr);
		ref.kind = DataBackref::Kind::kIndirect;
		ref.root = view.value().root();
		ref.ino = view.value().objectid();
		ref.offset = view.value().offset();
		ref.count = view.value().count();
	} else {
		auto view = format::SharedDataRefView::over(data);
		if (!view.is_ok())
			return extent_error(err::kCorrupt, "shared data ref smaller than its struct", disk_bytenr);
		ref.kind = DataBackref::Kind::kShared;
		ref.parent = offset;
		ref.count = view.value().count();
	}
	return refs->push(ref);
}

} // namespace

Result<DataExtent> read_data_backrefs(Filesystem& fs, const TreeRoot& extent_root, u64 disk_bytenr,
				      Vec<DataBackref>* refs, usize limit)
{
	const usize refs_before = refs->size();
	TreePath path(fs, extent_root);
	if (!TRY(path.search({disk_bytenr, BTRFS_EXTENT_ITEM_KEY, 0})) || path.key().objectid != disk_bytenr ||
	    path.key().type != BTRFS_EXTENT_ITEM_KEY)
		return extent_error(err::kNoEntry, "no data extent starts at this bytenr", disk_bytenr);

	auto item = format::ExtentItemView::over(path.data());
	if (!item.is_ok())
		return extent_error(err::kCorrupt, "extent item smaller than its struct", disk_bytenr);
	if (!(item.value().flags() & BTRFS_EXTENT_FLAG_DATA))
		return extent_error(err::kCorrupt, "extent is not a data extent", disk_bytenr)
			.mismatch(BTRFS_EXTENT_FLAG_DATA, item.value().flags());
	DataExtent extent{disk_bytenr, path.key().offset, item.value().refs(), item.value().generation()};

	// Data extent items have no tree block info: the inline refs follow
	// the struct btrfs_extent_item directly.
	format::InlineRefs inline_refs(path.data(), sizeof(btrfs_extent_item));
	format::InlineRef inline_ref;
	while (true) {
		auto more = inline_refs.next(&inline_ref);
		if (!more.is_ok())
			return extent_error(err::kCorrupt, more.error().cause, disk_bytenr)
				.mismatch(more.error().expected, more.error().found);
		if (!more.value())
			break;
		switch (inline_ref.type) {
		case BTRFS_EXTENT_DATA_REF_KEY:
		case BTRFS_SHARED_DATA_REF_KEY:
			if (refs->size() - refs_before == limit) {
				extent.all_backrefs = false;
				return extent;
			}
			TRY(add_data_backref(inline_ref.type, inline_ref.offset, inline_ref.data, disk_bytenr, refs));
			break;
		case BTRFS_EXTENT_OWNER_REF_KEY:
			break;	// the simple-quota owner: not a reference
		default:
			return extent_error(err::kCorrupt, "tree block backref in a data extent item", disk_bytenr)
				.mismatch(BTRFS_EXTENT_DATA_REF_KEY, inline_ref.type);
		}
	}

	// The keyed refs: (disk_bytenr, EXTENT_DATA_REF, hash of root, inode
	// and offset) and (disk_bytenr, SHARED_DATA_REF, parent).
	while (TRY(path.next())) {
		format::Key key = path.key();
		// Without a block group tree, a block group item can follow at
		// the same objectid: the refs are the keys up to SHARED_DATA_REF.
		if (key.objectid != disk_bytenr || key.type > BTRFS_SHARED_DATA_REF_KEY)
			break;
		if (key.type != BTRFS_EXTENT_DATA_REF_KEY && key.type != BTRFS_SHARED_DATA_REF_KEY)
			return extent_error(err::kCorrupt, "keyed backref of a type data extents do not have",
					    disk_bytenr)
				.mismatch(BTRFS_EXTENT_DATA_REF_KEY, key.type);
		if (refs->size() - refs_before == limit) {
			extent.all_backrefs = false;
			break;
		}
		TRY(add_data_backref(key.type, key.offset, path.data(), disk_bytenr, refs));
	}
	return extent;
}

Result<u64> tree_block_generation(Filesystem& fs, const TreeRoot& extent_root, u64 bytenr)
{
	TreePath path(fs, extent_root);
	if (TRY(path.search({bytenr, BTRFS_EXTENT_ITEM_KEY, 0})) && path.key().objectid == bytenr &&
	    (path.key().type == BTRFS_METADATA_ITEM_KEY || path.key().type == BTRFS_EXTENT_ITEM_KEY)) {
		auto item = format::ExtentItemView::over(path.data());
		if (!item.is_ok())
			return extent_error(err::kCorrupt, "extent item smaller than its struct", bytenr);
		if (item.value().flags() & BTRFS_EXTENT_FLAG_TREE_BLOCK)
			return item.value().generation();
	}
	return extent_error(err::kNoEntry, "no tree block extent at a shared data ref's parent", bytenr);
}

} // namespace bsend::tree
