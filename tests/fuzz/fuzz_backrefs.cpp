// Fuzz target: the backref walk over a mutated image with reflinked and
// snapshotted files. Every data extent the extent tree lists is walked in
// all the subvolumes at once (indirect refs looked up in each root, shared
// refs read from their leaves), twice, through a cache small enough to
// evict; then the last subvolume is sent in full with every subvolume as a
// clone source, so that the clone finder picks sources from the walk's
// answers. Anything but a clean error or success is a bug: a crash, a
// sanitizer report, or memory still allocated at the end.
#include <cstdint>

#include "module/core/send/full_send.h"
#include "module/core/send/placeholder_file_data.h"
#include "module/core/tree/backref.h"
#include "module/core/tree/path.h"
#include "tests/fuzz/bounded_sink.h"
#include "tests/fuzz/image_target.h"
#include "tests/fuzz/subvolumes.h"

using namespace bsend;

namespace {

// Bounds so that one input stays fast however its trees are shaped.
constexpr usize kMaxSubvolumes = 8;
constexpr int kMaxExtents = 256;
// References the walk's cache holds: a few extents' worth, so that the
// second round both hits and misses.
constexpr usize kCacheRefs = 16;

Result<void> walk_every_extent(tree::Filesystem& fs, Span<const u64> roots)
{
	UniquePtr<tree::BackrefWalker> walker = TRY(tree::BackrefWalker::create(fs, roots, kCacheRefs));
	for (int round = 0; round < 2; round++) {
		tree::TreePath extents(fs, TRY(fs.tree_root(BTRFS_EXTENT_TREE_OBJECTID)));
		int walked = 0;
		for (bool more = TRY(extents.search(format::Key::min())); more && walked < kMaxExtents;
		     more = TRY(extents.next())) {
			if (extents.key().type != BTRFS_EXTENT_ITEM_KEY)
				continue;
			walked++;
			(void)walker->find(extents.key().objectid);
		}
	}
	return {};
}

void send_last_with_clones(tree::Filesystem& fs, Span<const u64> roots)
{
	fuzz::BoundedSink sink;
	auto writer = stream::StreamWriter::create(sink, 1);
	if (!writer.is_ok())
		return;
	send::PlaceholderFileData data;
	send::SendOptions options;
	options.subvolume = roots.data()[roots.size() - 1];
	options.clone_sources = roots;
	options.name = "fuzz";
	(void)send::full_send(fs, data, writer.value(), options);
}

void exercise(tree::Filesystem& fs)
{
	Vec<u64> ids;
	if (!fuzz::list_subvolumes(fs, kMaxSubvolumes, &ids).is_ok() || ids.empty())
		return;
	Span<const u64> roots(ids.data(), ids.size());
	(void)walk_every_extent(fs, roots);
	send_last_with_clones(fs, roots);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	return fuzz::run_on_image(data, size, exercise);
}
