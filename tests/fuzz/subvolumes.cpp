#include "tests/fuzz/subvolumes.h"

#include "module/core/tree/path.h"

namespace bsend::fuzz {

Result<void> list_subvolumes(tree::Filesystem& fs, usize max, Vec<u64>* ids)
{
	tree::TreePath roots(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
	for (bool more = TRY(roots.search({BTRFS_FS_TREE_OBJECTID, BTRFS_ROOT_ITEM_KEY, 0})); more && ids->size() < max;
	     more = TRY(roots.next())) {
		format::Key key = roots.key();
		if (key.type == BTRFS_ROOT_ITEM_KEY && is_subvolume(key.objectid) &&
		    (ids->empty() || ids->back() != key.objectid))
			TRY(ids->push(key.objectid));
	}
	return {};
}

} // namespace bsend::fuzz
