#include "tests/tools/tree_listing.h"

#include <cinttypes>
#include <cstdio>

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
