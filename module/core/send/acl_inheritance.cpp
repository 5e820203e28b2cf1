#include "module/core/send/acl_inheritance.h"

#include "module/core/send/inode_names.h"

namespace bsend::send {

Result<bool> has_xattr(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino, StringView name)
{
	return has_named_item(fs, root, ino, BTRFS_XATTR_ITEM_KEY, name);
}

Result<void> AclInheritance::set_default(u64 dir, bool present)
{
	return default_acl_.insert(dir, present);
}

Result<bool> AclInheritance::has_default(u64 dir)
{
	if (bool* decided = default_acl_.find(dir))
		return *decided;
	if (!before_)
		return false;
	bool present = TRY(has_xattr(fs_, *before_, dir, kAclDefaultXattr));
	TRY(default_acl_.insert(dir, present));
	return present;
}

Result<void> AclInheritance::created(u64 ino, bool is_dir, u64 dir)
{
	if (!TRY(has_default(dir)))
		return {};
	TRY(inherited_.insert(ino, true));
	if (is_dir)
		TRY(default_acl_.insert(ino, true));
	return {};
}

Result<void> AclInheritance::drop_inherited(Commands& commands, const tree::TreeRoot& root, u64 ino, StringView path)
{
	if (!inherited_.find(ino))
		return {};
	inherited_.remove(ino);
	if (!TRY(has_xattr(fs_, root, ino, kAclAccessXattr)))
		TRY(commands.remove_xattr(path, kAclAccessXattr));
	if (default_acl_.find(ino) && !TRY(has_xattr(fs_, root, ino, kAclDefaultXattr))) {
		TRY(commands.remove_xattr(path, kAclDefaultXattr));
		TRY(default_acl_.insert(ino, false));
	}
	return {};
}

} // namespace bsend::send
