// Accessors over the data of leaf items, one view per uapi struct. Each
// view's over() checks that the item holds the struct (and, for items that
// pack several entries, that each entry and its name fit), so the accessors
// read within bounds. Errors are -EUCLEAN and name the cause; the caller
// adds the bytenr and inode.
#pragma once

#include "module/core/format/key.h"
#include "module/core/support/errno.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"
#include "module/core/support/string_view.h"

namespace bsend::format {

// A view of the uapi struct T at the start of an item. Self is the view
// class (which names StructView a friend): over() makes one only when the
// item holds min_size bytes, sizeof(T) unless Self says otherwise.
template <typename Self, typename T> class StructView {
public:
	static Result<Self> over(Bytes item) { return over_min(item, sizeof(T)); }
	const u8* base() const { return bytes_.data(); }
	Bytes bytes() const { return bytes_; }

protected:
	explicit StructView(Bytes bytes) : bytes_(bytes) {}
	static Result<Self> over_min(Bytes item, usize min_size)
	{
		if (item.size() < min_size)
			return Error::make(err::kCorrupt, "item smaller than its struct")
				.mismatch(min_size, item.size());
		return Self(item);
	}
	Bytes bytes_;
};

// btrfs_file_extent_item.compression values (on disk; the kernel's enum
// btrfs_compression_type is not in uapi).
enum Compression : u8 {
	kCompressNone = 0,
	kCompressZlib = 1,
	kCompressLzo = 2,
	kCompressZstd = 3,
};

#define BSEND_GET(name, type, member) \
	u64 name() const { return BSEND_FIELD(this->base(), type, member); }

// struct btrfs_root_item (ROOT_ITEM). Items written before the v2 fields
// existed are shorter; has_v2() tells whether uuid and friends are there.
class RootItemView : public StructView<RootItemView, btrfs_root_item> {
public:
	static Result<RootItemView> over(Bytes item)
	{
		return over_min(item, offsetof(btrfs_root_item, generation_v2));
	}
	BSEND_GET(generation, btrfs_root_item, generation)
	BSEND_GET(root_dirid, btrfs_root_item, root_dirid)
	BSEND_GET(bytenr, btrfs_root_item, bytenr)
	BSEND_GET(flags, btrfs_root_item, flags)
	BSEND_GET(refs, btrfs_root_item, refs)
	BSEND_GET(level, btrfs_root_item, level)
	bool has_v2() const { return bytes_.size() >= sizeof(btrfs_root_item); }
	bool is_readonly() const { return flags() & BTRFS_ROOT_SUBVOL_RDONLY; }
	// Valid only when has_v2().
	BSEND_GET(generation_v2, btrfs_root_item, generation_v2)
	BSEND_GET(ctransid, btrfs_root_item, ctransid)
	BSEND_GET(otransid, btrfs_root_item, otransid)
	const u8* uuid() const { return base() + offsetof(btrfs_root_item, uuid); }
	const u8* parent_uuid() const { return base() + offsetof(btrfs_root_item, parent_uuid); }
	const u8* received_uuid() const { return base() + offsetof(btrfs_root_item, received_uuid); }

private:
	friend StructView;
	explicit RootItemView(Bytes bytes) : StructView(bytes) {}
};

// struct btrfs_inode_item (INODE_ITEM).
class InodeItemView : public StructView<InodeItemView, btrfs_inode_item> {
public:
	BSEND_GET(generation, btrfs_inode_item, generation)
	BSEND_GET(transid, btrfs_inode_item, transid)
	BSEND_GET(size, btrfs_inode_item, size)
	BSEND_GET(nbytes, btrfs_inode_item, nbytes)
	BSEND_GET(nlink, btrfs_inode_item, nlink)
	BSEND_GET(uid, btrfs_inode_item, uid)
	BSEND_GET(gid, btrfs_inode_item, gid)
	BSEND_GET(mode, btrfs_inode_item, mode)
	BSEND_GET(rdev, btrfs_inode_item, rdev)
	BSEND_GET(flags, btrfs_inode_item, flags)

private:
	friend StructView;
	explicit InodeItemView(Bytes bytes) : StructView(bytes) {}
};

// struct btrfs_file_extent_item (EXTENT_DATA). An inline extent stores its
// data right after the `type` field; the other fields exist only for
// regular and prealloc extents.
class FileExtentItemView : public StructView<FileExtentItemView, btrfs_file_extent_item> {
public:
	static Result<FileExtentItemView> over(Bytes item);
	BSEND_GET(generation, btrfs_file_extent_item, generation)
	BSEND_GET(ram_bytes, btrfs_file_extent_item, ram_bytes)
	BSEND_GET(compression, btrfs_file_extent_item, compression)
	BSEND_GET(encryption, btrfs_file_extent_item, encryption)
	BSEND_GET(type, btrfs_file_extent_item, type)
	bool is_inline() const { return type() == BTRFS_FILE_EXTENT_INLINE; }
	Bytes inline_data() const
	{
		usize start = offsetof(btrfs_file_extent_item, disk_bytenr);
		return bytes_.subspan(start, bytes_.size() - start);
	}
	// Valid unless is_inline().
	BSEND_GET(disk_bytenr, btrfs_file_extent_item, disk_bytenr)
	BSEND_GET(disk_num_bytes, btrfs_file_extent_item, disk_num_bytes)
	BSEND_GET(offset, btrfs_file_extent_item, offset)
	BSEND_GET(num_bytes, btrfs_file_extent_item, num_bytes)

private:
	friend StructView;
	explicit FileExtentItemView(Bytes bytes) : StructView(bytes) {}
};

// struct btrfs_chunk with its num_stripes struct btrfs_stripe (CHUNK_ITEM).
class ChunkView : public StructView<ChunkView, btrfs_chunk> {
public:
	static Result<ChunkView> over(Bytes item);
	// Bytes a chunk item with n stripes takes.
	static constexpr usize size_with_stripes(usize n)
	{
		return offsetof(btrfs_chunk, stripe) + n * sizeof(btrfs_stripe);
	}
	BSEND_GET(length, btrfs_chunk, length)
	BSEND_GET(owner, btrfs_chunk, owner)
	BSEND_GET(stripe_len, btrfs_chunk, stripe_len)
	BSEND_GET(type, btrfs_chunk, type)
	BSEND_GET(num_stripes, btrfs_chunk, num_stripes)
	BSEND_GET(sub_stripes, btrfs_chunk, sub_stripes)
	u64 stripe_devid(u32 i) const { return BSEND_FIELD(stripe(i), btrfs_stripe, devid); }
	u64 stripe_offset(u32 i) const { return BSEND_FIELD(stripe(i), btrfs_stripe, offset); }

private:
	friend StructView;
	explicit ChunkView(Bytes bytes) : StructView(bytes) {}
	const u8* stripe(u32 i) const { return base() + size_with_stripes(i); }
};

// struct btrfs_extent_item (EXTENT_ITEM / METADATA_ITEM); inline refs
// follow, each a struct btrfs_extent_inline_ref whose size depends on its
// type. InlineRefs walks them with bounds checks.
class ExtentItemView : public StructView<ExtentItemView, btrfs_extent_item> {
public:
	BSEND_GET(refs, btrfs_extent_item, refs)
	BSEND_GET(generation, btrfs_extent_item, generation)
	BSEND_GET(flags, btrfs_extent_item, flags)

private:
	friend StructView;
	explicit ExtentItemView(Bytes bytes) : StructView(bytes) {}
};

// One inline backref of an extent item.
struct InlineRef {
	u8 type = 0;		// BTRFS_*_REF_KEY
	u64 offset = 0;		// parent bytenr or root, by type
	Bytes data;		// the extent_data_ref for EXTENT_DATA_REF, or
				// the shared_data_ref count for SHARED_DATA_REF
};

class InlineRefs {
public:
	// refs_start: where the inline refs begin in the item (after the
	// extent item and, for tree blocks of EXTENT_ITEM, the tree block info).
	InlineRefs(Bytes item, usize refs_start) : item_(item), at_(refs_start) {}
	// The next ref, false at the end; an error for a ref that does not fit
	// or has an unknown type.
	Result<bool> next(InlineRef* ref);

private:
	Bytes item_;
	usize at_;
};

// struct btrfs_extent_data_ref (keyed EXTENT_DATA_REF items, whose key
// offset is a hash of root, objectid and offset; and inline, in place of the
// inline ref's offset field): `count` file extent items of inode `objectid`
// at key offset `offset` plus their extent offset, in a leaf reached from
// tree `root` (the offset wraps below 0 for a reflink to a file offset
// smaller than its extent offset).
class ExtentDataRefView : public StructView<ExtentDataRefView, btrfs_extent_data_ref> {
public:
	BSEND_GET(root, btrfs_extent_data_ref, root)
	BSEND_GET(objectid, btrfs_extent_data_ref, objectid)
	BSEND_GET(offset, btrfs_extent_data_ref, offset)
	BSEND_GET(count, btrfs_extent_data_ref, count)

private:
	friend StructView;
	explicit ExtentDataRefView(Bytes bytes) : StructView(bytes) {}
};

// struct btrfs_shared_data_ref (keyed SHARED_DATA_REF items, whose key
// offset is the parent; and inline, after an inline ref whose offset is the
// parent): `count` file extent items in the leaf at the parent bytenr, a
// leaf shared by snapshots whose COW turned its refs into shared ones.
class SharedDataRefView : public StructView<SharedDataRefView, btrfs_shared_data_ref> {
public:
	BSEND_GET(count, btrfs_shared_data_ref, count)

private:
	friend StructView;
	explicit SharedDataRefView(Bytes bytes) : StructView(bytes) {}
};

// A name-carrying entry packed in INODE_REF, INODE_EXTREF, DIR_ITEM,
// DIR_INDEX and XATTR_ITEM items.
struct InodeRef {
	u64 index = 0;
	StringView name;
};

struct InodeExtref {
	u64 parent = 0;
	u64 index = 0;
	StringView name;
};

struct DirEntry {
	Key location;		// the inode (or subvolume root) named
	u64 transid = 0;
	u8 type = 0;		// BTRFS_FT_*
	StringView name;
	Bytes data;		// xattr value; empty for directory entries
};

// Walks the struct btrfs_inode_ref entries of an INODE_REF item.
class InodeRefs {
public:
	explicit InodeRefs(Bytes item) : item_(item) {}
	Result<bool> next(InodeRef* ref);

private:
	Bytes item_;
	usize at_ = 0;
};

// Walks the struct btrfs_inode_extref entries of an INODE_EXTREF item.
class InodeExtrefs {
public:
	explicit InodeExtrefs(Bytes item) : item_(item) {}
	Result<bool> next(InodeExtref* ref);

private:
	Bytes item_;
	usize at_ = 0;
};

// A name of an inode in a directory, from an INODE_REF or INODE_EXTREF item.
struct NamedRef {
	u64 parent = 0;		// the directory
	u64 index = 0;		// the name's DIR_INDEX
	StringView name;
};

// Whether name can be one component of a path: 1 to BTRFS_NAME_LEN
// bytes, neither "." nor "..", without '/' or NUL. Every name btrfs makes
// is; a name of a crafted image that is not would take a path of the
// stream out of the receiver's directory.
bool is_file_name(StringView name);

// Walks the names of an INODE_REF (parent in the key) or INODE_EXTREF
// (parent in each entry) item alike; a name that is not a file name is
// corrupt (EUCLEAN, naming the inode), but for the ".." a subvolume's top
// directory has in itself.
class AnyInodeRefs {
public:
	AnyInodeRefs(const Key& key, Bytes item)
		: ino_(key.objectid), parent_(key.offset), is_extref_(key.type == BTRFS_INODE_EXTREF_KEY), refs_(item),
		  extrefs_(item)
	{
	}
	Result<bool> next(NamedRef* ref);

private:
	u64 ino_;
	u64 parent_;
	bool is_extref_;
	InodeRefs refs_;
	InodeExtrefs extrefs_;
};

// Walks the struct btrfs_dir_item entries of a DIR_ITEM, DIR_INDEX or
// XATTR_ITEM item.
class DirEntries {
public:
	explicit DirEntries(Bytes item) : item_(item) {}
	Result<bool> next(DirEntry* entry);

private:
	Bytes item_;
	usize at_ = 0;
};

// A CSUM_ITEM: an array of checksums, one per sector from key.offset on.
class CsumItemView {
public:
	static Result<CsumItemView> over(Bytes item, usize csum_size)
	{
		if (csum_size == 0 || item.size() % csum_size)
			return Error::make(err::kCorrupt, "csum item size not a multiple of the csum size")
				.mismatch(csum_size, item.size());
		return CsumItemView(item, csum_size);
	}
	usize count() const { return bytes_.size() / csum_size_; }
	Bytes csum(usize i) const { return bytes_.subspan(i * csum_size_, csum_size_); }

private:
	CsumItemView(Bytes bytes, usize csum_size) : bytes_(bytes), csum_size_(csum_size) {}
	Bytes bytes_;
	usize csum_size_;
};

#undef BSEND_GET

} // namespace bsend::format
