// bsend-fuzz-seed IMAGE OUT: writes the pages a filesystem image uses as a
// fuzz input (page_image.h): the superblock, every block of every tree
// (each copy), and the data every file extent item points at. Blocks a
// mounted filesystem freed but left on disk stay out, so an image made by
// the kernel costs no more than one from mkfs.btrfs --rootdir.
#include <linux/btrfs_tree.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <vector>

#include "module/core/format/items.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"
#include "module/core/tree/walk.h"
#include "module/posix/image.h"
#include "tests/fuzz/page_image.h"
#include "tests/fuzz/subvolumes.h"

using namespace bsend;

namespace {

using PageSet = std::set<uint64_t>;	// byte offsets of pages

Result<void> add_range(tree::Filesystem& fs, u64 logical, u64 length, PageSet* pages)
{
	tree::Mapping mapping = TRY(fs.map(logical, length));
	for (u32 i = 0; i < mapping.num_copies; i++) {
		u64 physical = mapping.copies[i].physical;
		for (u64 at = physical / fuzz::kPageSize * fuzz::kPageSize; at < physical + length; at += fuzz::kPageSize)
			pages->insert(at);
	}
	return {};
}

// The blocks of one tree and, in a subvolume, the data of its file extents.
Result<void> add_tree(tree::Filesystem& fs, u64 id, PageSet* pages)
{
	tree::TreeRoot root = TRY(fs.tree_root(id));
	u32 nodesize = fs.super().nodesize;
	TRY(tree::walk_blocks(fs, root, [&](const format::TreeBlockView& block) -> Result<void> {
		TRY(add_range(fs, block.bytenr(), nodesize, pages));
		if (!block.is_leaf() || !fuzz::is_subvolume(id))
			return {};
		for (u32 slot = 0; slot < block.nritems(); slot++) {
			if (block.item_key(slot).type != BTRFS_EXTENT_DATA_KEY)
				continue;
			auto item = TRY(format::FileExtentItemView::over(block.item_data(slot)));
			if (!item.is_inline() && item.disk_bytenr() != 0)
				TRY(add_range(fs, item.disk_bytenr(), item.disk_num_bytes(), pages));
		}
		return {};
	}));
	return {};
}

Result<void> add_used_pages(tree::Filesystem& fs, PageSet* pages)
{
	pages->insert(BSEND_SUPER_OFFSET);
	std::vector<u64> trees{BTRFS_CHUNK_TREE_OBJECTID, BTRFS_ROOT_TREE_OBJECTID};
	{
		tree::TreePath roots(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
		for (bool more = TRY(roots.search({0, BTRFS_ROOT_ITEM_KEY, 0})); more; more = TRY(roots.next()))
			if (roots.key().type == BTRFS_ROOT_ITEM_KEY)
				trees.push_back(roots.key().objectid);
	}
	for (u64 id : trees)
		TRY(add_tree(fs, id, pages));
	return {};
}

} // namespace

int main(int argc, char** argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: bsend-fuzz-seed IMAGE OUT\n");
		return 2;
	}
	PageSet pages;
	{
		posix::ImageHost image;
		if (image.open(argv[1]) < 0) {
			std::fprintf(stderr, "bsend-fuzz-seed: cannot open %s\n", argv[1]);
			return 1;
		}
		auto fs = tree::Filesystem::open(image.host(), 8 << 20);
		auto added = fs.is_ok() ? add_used_pages(*fs.value(), &pages) : Result<void>(fs.error());
		if (!added.is_ok()) {
			std::fprintf(stderr, "bsend-fuzz-seed: %s: %s (bytenr %llu)\n", argv[1], added.error().cause,
				     static_cast<unsigned long long>(added.error().bytenr));
			return 1;
		}
	}
	std::ifstream in(argv[1], std::ios::binary);
	std::string records;
	std::vector<char> page(fuzz::kPageSize);
	size_t used = 0;
	for (uint64_t offset : pages) {
		std::fill(page.begin(), page.end(), 0);
		in.seekg(static_cast<std::streamoff>(offset));
		if (!in.read(page.data(), fuzz::kPageSize))
			in.clear();
		bool zero = true;
		for (char c : page)
			zero = zero && c == 0;
		if (zero)
			continue;
		records += fuzz::PageImage::record_of_page(offset, reinterpret_cast<const uint8_t*>(page.data()));
		used++;
	}
	std::ofstream(argv[2], std::ios::binary) << records;
	std::printf("%s: %zu pages, %zu bytes\n", argv[2], used, records.size());
	return records.empty() ? 1 : 0;
}
