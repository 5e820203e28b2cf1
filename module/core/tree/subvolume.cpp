#include "module/core/tree/subvolume.h"

#include "module/core/format/items.h"
#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::tree {

Result<SubvolumeInfo> read_subvolume(Filesystem& fs, u64 tree_id)
{
	TreePath path(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
	format::Key last{tree_id, BTRFS_ROOT_ITEM_KEY, ~0ull};
	if (!TRY(path.search_last_at_or_before(last)) || path.key().objectid != tree_id ||
	    path.key().type != BTRFS_ROOT_ITEM_KEY)
		return Error::make(err::kNoEntry, "no root item for the tree").at_ino(tree_id);
	auto item = TRY(format::RootItemView::over(path.data()));
	if (item.level() >= BTRFS_MAX_LEVEL)
		return Error::make(err::kCorrupt, "root item level out of range")
			.at_ino(tree_id)
			.at_bytenr(path.leaf_bytenr())
			.mismatch(BTRFS_MAX_LEVEL - 1, item.level());

	SubvolumeInfo info;
	info.root = {tree_id, item.bytenr(), item.generation(), static_cast<u8>(item.level())};
	info.flags = item.flags();
	info.refs = item.refs();
	info.has_uuids = item.has_v2();
	if (info.has_uuids) {
		copy_bytes(info.uuid, item.uuid(), BTRFS_UUID_SIZE);
		copy_bytes(info.parent_uuid, item.parent_uuid(), BTRFS_UUID_SIZE);
		copy_bytes(info.received_uuid, item.received_uuid(), BTRFS_UUID_SIZE);
		info.ctransid = item.ctransid();
		info.otransid = item.otransid();
	}
	return info;
}

Result<void> read_subvolume_name(Filesystem& fs, u64 tree_id, Vec<char>* name)
{
	name->clear();
	TreePath path(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
	if (!TRY(path.search({tree_id, BTRFS_ROOT_BACKREF_KEY, 0})) || path.key().objectid != tree_id ||
	    path.key().type != BTRFS_ROOT_BACKREF_KEY)
		return {};
	Bytes item = path.data();
	if (item.size() < sizeof(btrfs_root_ref))
		return Error::make(err::kCorrupt, "root backref smaller than its struct")
			.at_ino(tree_id)
			.at_bytenr(path.leaf_bytenr());
	u64 length = BSEND_FIELD(item.data(), btrfs_root_ref, name_len);
	if (item.size() - sizeof(btrfs_root_ref) < length)
		return Error::make(err::kCorrupt, "root backref name exceeds its item")
			.at_ino(tree_id)
			.at_bytenr(path.leaf_bytenr());
	StringView text(reinterpret_cast<const char*>(item.data() + sizeof(btrfs_root_ref)), length);
	if (!format::is_file_name(text))
		return Error::make(err::kCorrupt,
				   "root backref name is not a file name (empty, . or .., over 255 bytes, or holding / or NUL)")
			.at_ino(tree_id)
			.at_bytenr(path.leaf_bytenr())
			.mismatch(BTRFS_NAME_LEN, length);
	TRY(name->reserve(length));
	for (u64 i = 0; i < length; i++)
		TRY(name->push(text.data()[i]));
	return {};
}

} // namespace bsend::tree
