// Fuzz target: the committed-tree reader and the full send over a mutated
// image. It opens the filesystem (superblock, system chunk array, chunk
// tree), walks every tree the root tree names, moves a path forward and back
// through each, then sends the top-level subvolume with the engine's full
// send (past the read-only check of sendctl --image, which it would fail).
// Anything but a clean error or success is a bug: a crash, a sanitizer
// report, or memory still allocated at the end.
#include <cstdint>

#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"
#include "module/core/tree/walk.h"
#include "tests/fuzz/bounded_sink.h"
#include "tests/fuzz/image_target.h"

using namespace bsend;

namespace {

// Bounds so that one input stays fast however its trees are shaped.
constexpr int kMaxTrees = 16;
constexpr int kMaxSteps = 4096;

Result<void> exercise(tree::Filesystem& fs)
{
	Vec<u64> trees;
	TRY(trees.push(BTRFS_CHUNK_TREE_OBJECTID));
	TRY(trees.push(BTRFS_ROOT_TREE_OBJECTID));
	{
		tree::TreePath roots(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
		for (bool more = TRY(roots.search({0, BTRFS_ROOT_ITEM_KEY, 0})); more && trees.size() < kMaxTrees;
		     more = TRY(roots.next()))
			if (roots.key().type == BTRFS_ROOT_ITEM_KEY)
				TRY(trees.push(roots.key().objectid));
	}
	for (u64 id : trees) {
		auto root = fs.tree_root(id);
		if (!root.is_ok())
			continue;
		u64 blocks = 0;
		(void)tree::walk_blocks(fs, root.value(), [&blocks](const format::TreeBlockView&) -> Result<void> {
			if (++blocks > kMaxSteps)
				return Error::make(err::kRange, "fuzz walk bound");
			return {};
		});
		tree::TreePath path(fs, root.value());
		int steps = 0;
		for (bool more = TRY(path.search(format::Key::min())); more && steps < kMaxSteps; steps++)
			more = TRY(path.next());
		for (bool more = TRY(path.search_last_at_or_before(format::Key::max())); more && steps < 2 * kMaxSteps;
		     steps++)
			more = TRY(path.prev());
	}
	return {};
}

// A whole full send of the top-level subvolume, as sendctl --image makes one.
void send_top_level(tree::Filesystem& fs)
{
	fuzz::BoundedSink sink;
	auto writer = stream::StreamWriter::create(sink, 1);
	if (!writer.is_ok())
		return;
	send::DiskFileData data(fs);
	send::SendOptions options;
	options.subvolume = BTRFS_FS_TREE_OBJECTID;
	options.name = "fuzz";
	(void)send::full_send(fs, data, writer.value(), options);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	return fuzz::run_on_image(data, size, [](tree::Filesystem& fs) {
		(void)exercise(fs);
		send_top_level(fs);
	});
}
