#include "module/core/send/inode_names.h"

#include "module/core/format/items.h"
#include "module/core/send/commands.h"
#include "module/core/tree/path.h"

namespace bsend::send {

Result<bool> first_name_in(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino, u64* parent, Text* name)
{
	tree::TreePath path(fs, root);
	if (!TRY(path.search({ino, BTRFS_INODE_REF_KEY, 0})))
		return false;
	format::Key key = path.key();
	if (key.objectid != ino || (key.type != BTRFS_INODE_REF_KEY && key.type != BTRFS_INODE_EXTREF_KEY))
		return false;
	format::AnyInodeRefs refs(key, path.data());
	format::NamedRef ref;
	if (!TRY(refs.next(&ref)))
		return false;
	*parent = ref.parent;
	name->clear();
	TRY(name->append(ref.name));
	return true;
}

Result<bool> has_named_item(tree::Filesystem& fs, const tree::TreeRoot& root, u64 objectid, u8 type, StringView name)
{
	tree::TreePath path(fs, root);
	format::Key key{objectid, type, name_hash(name)};
	if (!TRY(path.search(key)) || path.key() != key)
		return false;
	format::DirEntries entries(path.data());
	format::DirEntry entry;
	while (TRY(entries.next(&entry)))
		if (entry.name == name)
			return true;
	return false;
}

Result<bool> dir_has_name(tree::Filesystem& fs, const tree::TreeRoot& root, u64 dir, StringView name)
{
	return has_named_item(fs, root, dir, BTRFS_DIR_ITEM_KEY, name);
}

} // namespace bsend::send
