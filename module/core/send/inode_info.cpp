#include "module/core/send/inode_info.h"

#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::send {

namespace {

Timespec timespec_at(const format::InodeItemView& item, usize offset)
{
	const u8* at = item.base() + offset;
	return {BSEND_FIELD(at, btrfs_timespec, sec), static_cast<u32>(BSEND_FIELD(at, btrfs_timespec, nsec))};
}

} // namespace

InodeInfo inode_info_from(u64 ino, const format::InodeItemView& item)
{
	InodeInfo info;
	info.ino = ino;
	info.generation = item.generation();
	info.size = item.size();
	info.mode = item.mode();
	info.uid = item.uid();
	info.gid = item.gid();
	info.rdev = item.rdev();
	info.nlink = item.nlink();
	info.flags = item.flags();
	info.atime = timespec_at(item, offsetof(btrfs_inode_item, atime));
	info.mtime = timespec_at(item, offsetof(btrfs_inode_item, mtime));
	info.ctime = timespec_at(item, offsetof(btrfs_inode_item, ctime));
	info.otime = timespec_at(item, offsetof(btrfs_inode_item, otime));
	return info;
}

Result<InodeInfo> read_inode_info(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino)
{
	tree::TreePath path(fs, root);
	format::Key key{ino, BTRFS_INODE_ITEM_KEY, 0};
	if (!TRY(path.search(key)) || path.key() != key)
		return Error::make(err::kNoEntry, "inode has no inode item").at_ino(ino);
	auto item = TRY(format::InodeItemView::over(path.data()));
	return inode_info_from(ino, item);
}

Result<u64> highest_inode(tree::Filesystem& fs, const tree::TreeRoot& root)
{
	tree::TreePath path(fs, root);
	if (!TRY(path.search_last_at_or_before({BTRFS_LAST_FREE_OBJECTID, 0xff, ~0ull})))
		return 0;
	return path.key().objectid;
}

} // namespace bsend::send
