// Names of inodes in a committed fs tree, as both senders need them: an
// inode's first name (INODE_REF or INODE_EXTREF), whether a directory holds
// a name (its DIR_ITEM) or an inode an xattr, and the orphan name o<ino>-<gen>-<n> an inode goes
// by while its real name cannot be made.
#pragma once

#include "module/core/send/text.h"
#include "module/core/tree/filesystem.h"

namespace bsend::send {

// The first name of ino in root: *parent is its directory, *name its name
// there. False when it has none.
Result<bool> first_name_in(tree::Filesystem& fs, const tree::TreeRoot& root, u64 ino, u64* parent, Text* name);

// Whether objectid of root has, among its items of type (DIR_ITEM,
// XATTR_ITEM: keyed by the name's hash), one called name.
Result<bool> has_named_item(tree::Filesystem& fs, const tree::TreeRoot& root, u64 objectid, u8 type, StringView name);

// Whether directory dir of root holds an entry called name.
Result<bool> dir_has_name(tree::Filesystem& fs, const tree::TreeRoot& root, u64 dir, StringView name);

// o<ino>-<gen>-<n> into *out, with the first n for which
// taken(StringView) -> Result<bool> says no.
template <typename Taken> Result<void> make_orphan_name(u64 ino, u64 generation, Text* out, Taken&& taken)
{
	for (u64 n = 0;; n++) {
		out->clear();
		TRY(out->append("o"));
		TRY(out->append_decimal(ino));
		TRY(out->append("-"));
		TRY(out->append_decimal(generation));
		TRY(out->append("-"));
		TRY(out->append_decimal(n));
		if (!TRY(taken(out->view())))
			return {};
	}
}

} // namespace bsend::send
