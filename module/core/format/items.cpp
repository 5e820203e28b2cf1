#include "module/core/format/items.h"

#include "module/core/support/checked.h"

namespace bsend::format {

namespace {

Error corrupt(const char* cause) { return Error::make(err::kCorrupt, cause); }

StringView name_view(Bytes item, usize offset, usize length)
{
	return {reinterpret_cast<const char*>(item.data() + offset), length};
}

} // namespace

Result<FileExtentItemView> FileExtentItemView::over(Bytes item)
{
	auto head = TRY(over_min(item, offsetof(btrfs_file_extent_item, disk_bytenr)));
	u64 type = BSEND_FIELD(head.base(), btrfs_file_extent_item, type);
	if (type == BTRFS_FILE_EXTENT_INLINE)
		return head;
	if (type != BTRFS_FILE_EXTENT_REG && type != BTRFS_FILE_EXTENT_PREALLOC)
		return corrupt("unknown file extent type").mismatch(BTRFS_FILE_EXTENT_PREALLOC, type);
	return over_min(item, sizeof(btrfs_file_extent_item));
}

Result<ChunkView> ChunkView::over(Bytes item)
{
	auto head = TRY(over_min(item, offsetof(btrfs_chunk, stripe)));
	u64 stripes = BSEND_FIELD(head.base(), btrfs_chunk, num_stripes);
	if (stripes == 0)
		return corrupt("chunk with no stripes");
	if (stripes > (item.size() - offsetof(btrfs_chunk, stripe)) / sizeof(btrfs_stripe) ||
	    item.size() < size_with_stripes(stripes))
		return corrupt("chunk stripes exceed the item").mismatch(stripes, item.size());
	return head;
}

Result<bool> InlineRefs::next(InlineRef* ref)
{
	if (at_ == item_.size())
		return false;
	const usize head = offsetof(btrfs_extent_inline_ref, offset);
	if (!item_.contains(at_, head + sizeof(u64)))
		return corrupt("inline backref exceeds the extent item").mismatch(item_.size(), at_);
	const u8* p = item_.data() + at_;
	ref->type = static_cast<u8>(BSEND_FIELD(p, btrfs_extent_inline_ref, type));
	ref->offset = BSEND_FIELD(p, btrfs_extent_inline_ref, offset);
	usize size;
	switch (ref->type) {
	case BTRFS_TREE_BLOCK_REF_KEY:
	case BTRFS_SHARED_BLOCK_REF_KEY:
		size = sizeof(btrfs_extent_inline_ref);
		ref->data = {};
		break;
	case BTRFS_EXTENT_DATA_REF_KEY:
		// The extent_data_ref takes the place of the offset field.
		size = head + sizeof(btrfs_extent_data_ref);
		ref->offset = 0;
		ref->data = item_.subspan(at_ + head, sizeof(btrfs_extent_data_ref));
		break;
	case BTRFS_SHARED_DATA_REF_KEY:
		size = sizeof(btrfs_extent_inline_ref) + sizeof(btrfs_shared_data_ref);
		ref->data = item_.subspan(at_ + sizeof(btrfs_extent_inline_ref), sizeof(btrfs_shared_data_ref));
		break;
	case BTRFS_EXTENT_OWNER_REF_KEY:
		size = sizeof(btrfs_extent_inline_ref);
		ref->data = {};
		break;
	default:
		return corrupt("unknown inline backref type").mismatch(BTRFS_SHARED_DATA_REF_KEY, ref->type);
	}
	if (!item_.contains(at_, size))
		return corrupt("inline backref exceeds the extent item").mismatch(item_.size(), at_ + size);
	at_ += size;
	return true;
}

Result<bool> InodeRefs::next(InodeRef* ref)
{
	if (at_ == item_.size())
		return false;
	if (!item_.contains(at_, sizeof(btrfs_inode_ref)))
		return corrupt("inode ref exceeds its item").mismatch(item_.size(), at_);
	const u8* p = item_.data() + at_;
	u64 name_len = BSEND_FIELD(p, btrfs_inode_ref, name_len);
	usize name_offset = at_ + sizeof(btrfs_inode_ref);
	if (!item_.contains(name_offset, name_len))
		return corrupt("inode ref name exceeds its item").mismatch(item_.size(), name_offset + name_len);
	ref->index = BSEND_FIELD(p, btrfs_inode_ref, index);
	ref->name = name_view(item_, name_offset, name_len);
	at_ = name_offset + name_len;
	return true;
}

Result<bool> InodeExtrefs::next(InodeExtref* ref)
{
	if (at_ == item_.size())
		return false;
	if (!item_.contains(at_, sizeof(btrfs_inode_extref)))
		return corrupt("inode extref exceeds its item").mismatch(item_.size(), at_);
	const u8* p = item_.data() + at_;
	u64 name_len = BSEND_FIELD(p, btrfs_inode_extref, name_len);
	usize name_offset = at_ + sizeof(btrfs_inode_extref);
	if (!item_.contains(name_offset, name_len))
		return corrupt("inode extref name exceeds its item").mismatch(item_.size(), name_offset + name_len);
	ref->parent = BSEND_FIELD(p, btrfs_inode_extref, parent_objectid);
	ref->index = BSEND_FIELD(p, btrfs_inode_extref, index);
	ref->name = name_view(item_, name_offset, name_len);
	at_ = name_offset + name_len;
	return true;
}

bool is_file_name(StringView name)
{
	if (name.empty() || name.length() > BTRFS_NAME_LEN || name == StringView(".") || name == StringView(".."))
		return false;
	for (usize i = 0; i < name.length(); i++)
		if (name.data()[i] == '/' || name.data()[i] == '\0')
			return false;
	return true;
}

Result<bool> AnyInodeRefs::next(NamedRef* ref)
{
	if (is_extref_) {
		InodeExtref extref;
		if (!TRY(extrefs_.next(&extref)))
			return false;
		*ref = {extref.parent, extref.index, extref.name};
	} else {
		InodeRef plain;
		if (!TRY(refs_.next(&plain)))
			return false;
		*ref = {parent_, plain.index, plain.name};
	}
	// A subvolume's top directory names itself "..", the one ref that is
	// no file name.
	bool top_dir_self_ref = ino_ == BTRFS_FIRST_FREE_OBJECTID && ref->parent == ino_ && ref->name == StringView("..");
	if (!top_dir_self_ref && !is_file_name(ref->name))
		return corrupt("inode ref name is not a file name (empty, . or .., over 255 bytes, or holding / or NUL)")
			.at_ino(ino_)
			.mismatch(BTRFS_NAME_LEN, ref->name.length());
	return true;
}

Result<bool> DirEntries::next(DirEntry* entry)
{
	if (at_ == item_.size())
		return false;
	if (!item_.contains(at_, sizeof(btrfs_dir_item)))
		return corrupt("dir item exceeds its item").mismatch(item_.size(), at_);
	const u8* p = item_.data() + at_;
	u64 name_len = BSEND_FIELD(p, btrfs_dir_item, name_len);
	u64 data_len = BSEND_FIELD(p, btrfs_dir_item, data_len);
	usize name_offset = at_ + sizeof(btrfs_dir_item);
	if (!item_.contains(name_offset, name_len) || !item_.contains(name_offset + name_len, data_len))
		return corrupt("dir item name or data exceeds its item")
			.mismatch(item_.size(), name_offset + name_len + data_len);
	entry->location = read_disk_key(p + offsetof(btrfs_dir_item, location));
	entry->transid = BSEND_FIELD(p, btrfs_dir_item, transid);
	entry->type = static_cast<u8>(BSEND_FIELD(p, btrfs_dir_item, type));
	entry->name = name_view(item_, name_offset, name_len);
	entry->data = item_.subspan(name_offset + name_len, data_len);
	at_ = name_offset + name_len + data_len;
	return true;
}

} // namespace bsend::format
