#include "tests/tools/tree_listing.h"
#include "tests/tools/uuid_text.h"

#include <cinttypes>
#include <cstdio>

#include "module/core/format/items.h"
#include "module/core/tree/walk.h"

namespace bsend::test {

namespace {

template <typename... Args> void append(std::string* out, const char* format, Args... args)
{
	char line[256];
	std::snprintf(line, sizeof(line), format, args...);
	*out += line;
}

void append_key(std::string* out, const format::Key& key)
{
	append(out, "key (%" PRIu64 " %u %" PRIu64 ")", key.objectid, unsigned(key.type), key.offset);
}

std::string name_text(StringView name) { return std::string(name.data(), name.length()); }

// The fields bsend reads from an item, one line, for the types the listing
// decodes; the listing of dump-tree's decoded lines is normalised to match.
Result<void> append_fields(std::string* out, const format::Key& key, Bytes data)
{
	switch (key.type) {
	case BTRFS_INODE_ITEM_KEY: {
		auto inode = TRY(format::InodeItemView::over(data));
		append(out, "\t\tinode generation %" PRIu64 " size %" PRIu64 " nbytes %" PRIu64 " mode %" PRIo64
			    " links %" PRIu64 " uid %" PRIu64 " gid %" PRIu64 " rdev %" PRIu64 "\n",
		       inode.generation(), inode.size(), inode.nbytes(), inode.mode(), inode.nlink(), inode.uid(),
		       inode.gid(), inode.rdev());
		break;
	}
	case BTRFS_INODE_REF_KEY: {
		format::InodeRefs refs(data);
		format::InodeRef ref;
		while (TRY(refs.next(&ref)))
			*out += "\t\tref index " + std::to_string(ref.index) + " name " + name_text(ref.name) + "\n";
		break;
	}
	case BTRFS_DIR_ITEM_KEY:
	case BTRFS_DIR_INDEX_KEY: {
		format::DirEntries entries(data);
		format::DirEntry entry;
		while (TRY(entries.next(&entry))) {
			append(out, "\t\tdir location ");
			append_key(out, entry.location);
			append(out, " type %u", unsigned(entry.type));
			*out += " name " + name_text(entry.name) + "\n";
		}
		break;
	}
	case BTRFS_EXTENT_DATA_KEY: {
		auto extent = TRY(format::FileExtentItemView::over(data));
		if (extent.is_inline())
			append(out, "\t\textent generation %" PRIu64 " inline size %zu ram %" PRIu64
				    " compression %" PRIu64 "\n",
			       extent.generation(), extent.inline_data().size(), extent.ram_bytes(), extent.compression());
		else
			append(out, "\t\textent generation %" PRIu64 " type %" PRIu64 " disk %" PRIu64 " nr %" PRIu64
				    " offset %" PRIu64 " nr %" PRIu64 " ram %" PRIu64 " compression %" PRIu64 "\n",
			       extent.generation(), extent.type(), extent.disk_bytenr(), extent.disk_num_bytes(),
			       extent.offset(), extent.num_bytes(), extent.ram_bytes(), extent.compression());
		break;
	}
	case BTRFS_ROOT_ITEM_KEY: {
		auto root = TRY(format::RootItemView::over(data));
		append(out, "\t\troot generation %" PRIu64 " bytenr %" PRIu64 " level %" PRIu64 " flags 0x%" PRIx64
			    " refs %" PRIu64,
		       root.generation(), root.bytenr(), root.level(), root.flags(), root.refs());
		if (root.has_v2())
			append(out, " uuid %s parent %s received %s ctransid %" PRIu64 " otransid %" PRIu64,
			       uuid_text(root.uuid()).c_str(), uuid_text(root.parent_uuid()).c_str(),
			       uuid_text(root.received_uuid()).c_str(), root.ctransid(), root.otransid());
		*out += "\n";
		break;
	}
	default:
		break;
	}
	return {};
}

} // namespace

Result<void> list_tree(tree::Filesystem& fs, const tree::TreeRoot& root, std::string* out)
{
	return tree::walk_blocks(fs, root, [out](const format::TreeBlockView& block) -> Result<void> {
		append(out, "%s %" PRIu64 " level %u items %u generation %" PRIu64 " owner %" PRIu64 "\n",
		       block.is_leaf() ? "leaf" : "node", block.bytenr(), unsigned(block.level()), block.nritems(),
		       block.generation(), block.owner());
		for (u32 slot = 0; slot < block.nritems(); slot++) {
			if (block.is_leaf()) {
				Bytes data = block.item_data(slot);
				size_t itemoff = static_cast<size_t>(data.data() - block.bytes().data()) -
						 format::TreeBlockView::kHeaderSize;
				append(out, "\titem %u ", slot);
				append_key(out, block.item_key(slot));
				append(out, " itemoff %zu itemsize %zu\n", itemoff, data.size());
				TRY(append_fields(out, block.item_key(slot), data));
			} else {
				*out += "\t";
				append_key(out, block.ptr_key(slot));
				append(out, " block %" PRIu64 " gen %" PRIu64 "\n", block.ptr_blockptr(slot),
				       block.ptr_generation(slot));
			}
		}
		return {};
	});
}

} // namespace bsend::test
