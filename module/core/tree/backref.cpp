#include "module/core/tree/backref.h"

#include "module/core/support/errno.h"
#include "module/core/support/sort.h"

namespace bsend::tree {

namespace {

// The largest decompressed size of a compressed extent (the kernel's
// BTRFS_MAX_UNCOMPRESSED, not in uapi): the bound of the extent offsets
// when the caller does not know the extent's ram_bytes.
constexpr u64 kMaxCompressedRamBytes = 128 * 1024;

// Walks that end in a newer commit than they began are started again in
// it, this many times in all.
constexpr int kMaxWalkAttempts = 3;

bool extent_ref_less(const ExtentRef& a, const ExtentRef& b)
{
	if (a.root != b.root)
		return a.root < b.root;
	if (a.ino != b.ino)
		return a.ino < b.ino;
	return a.file_offset < b.file_offset;
}

// What an answer costs in the cache: its references, and one for itself.
usize cache_weight(const ExtentRefs& answer) { return answer.refs.size() + 1; }

} // namespace

Result<UniquePtr<BackrefWalker>> BackrefWalker::create(Filesystem& fs, Span<const u64> allowed_roots,
							usize cache_refs, WalkBounds bounds)
{
	auto walker = TRY(make_unique<BackrefWalker>(fs, cache_refs, bounds));
	for (usize i = 0; i < allowed_roots.size(); i++) {
		bool duplicate = false;
		for (u64 root : walker->allowed_)
			duplicate |= root == allowed_roots.data()[i];
		if (!duplicate)
			TRY(walker->allowed_.push(allowed_roots.data()[i]));
	}
	TRY(walker->refresh_roots());
	return walker;
}

Result<void> BackrefWalker::refresh_roots()
{
	u64 generation = fs_.super().generation;
	if (generation == roots_generation_ && roots_.size() == allowed_.size())
		return {};
	roots_.clear();
	extent_root_ = TRY(fs_.tree_root(BTRFS_EXTENT_TREE_OBJECTID));
	for (u64 id : allowed_)
		TRY(roots_.push(TRY(fs_.tree_root(id))));
	roots_generation_ = generation;
	return {};
}

Result<RefPtr<ExtentRefs>> BackrefWalker::find(u64 disk_bytenr, u64 ram_bytes)
{
	if (RefPtr<ExtentRefs>* cached = cache_.get(disk_bytenr)) {
		if ((*cached)->generation == fs_.super().generation) {
			stats_.cache_hits++;
			return *cached;
		}
	}
	RefPtr<ExtentRefs> answer = TRY(make_ref<ExtentRefs>());
	for (int attempt = 1;; attempt++) {
		u64 generation = fs_.super().generation;
		answer->refs.clear();
		answer->complete = true;
		auto walked = walk(disk_bytenr, ram_bytes, answer.get());
		if (walked.is_ok() && walked.value())
			break;
		if (attempt == kMaxWalkAttempts) {
			if (!walked.is_ok())
				return walked.error();
			return Error::make(err::kStale, "backref walk: a newer commit appeared during every attempt")
				.at_bytenr(disk_bytenr);
		}
		if (!walked.is_ok()) {
			// A bad block is a reused one when a newer commit is on
			// disk (the walk starts again there), else corruption.
			if (walked.error().errno_value != err::kCorrupt)
				return walked.error();
			if (fs_.super().generation == generation && !TRY(fs_.refresh()))
				return walked.error();
		}
		stats_.restarts++;
	}
	TRY(remember(answer));
	return answer;
}

Result<bool> BackrefWalker::walk(u64 disk_bytenr, u64 ram_bytes, ExtentRefs* out)
{
	u64 generation = fs_.super().generation;
	TRY(refresh_roots());
	stats_.walks++;

	Vec<DataBackref> backrefs;
	DataExtent extent = TRY(read_data_backrefs(fs_, extent_root_, disk_bytenr, &backrefs, bounds_.backrefs));
	stats_.backrefs += backrefs.size();
	bool complete = extent.all_backrefs;
	u64 span = extent.num_bytes;
	u64 ram_bound = ram_bytes ? ram_bytes : kMaxCompressedRamBytes;
	if (span < ram_bound)
		span = ram_bound;

	// The distinct (inode, backref offset) keys the backrefs stand for.
	HashMap<BackrefKey, bool> seen;
	Vec<BackrefKey> keys;
	Vec<BackrefKey> leaf_keys;
	for (const DataBackref& backref : backrefs) {
		if (keys.size() == bounds_.keys) {
			complete = false;	// backrefs left that may name more
			break;
		}
		leaf_keys.clear();
		if (backref.kind == DataBackref::Kind::kIndirect) {
			TRY(leaf_keys.push({backref.ino, backref.offset}));
		} else {
			stats_.shared_leaves++;
			TRY(backref_keys_in_leaf(fs_, extent_root_, backref.parent, disk_bytenr, &leaf_keys));
		}
		for (const BackrefKey& key : leaf_keys) {
			if (seen.find(key))
				continue;
			if (keys.size() == bounds_.keys) {
				complete = false;
				break;
			}
			TRY(seen.insert(key, true));
			TRY(keys.push(key));
		}
	}

	// Each key in each allowed root: an item is found from one key only
	// (its own), so nothing is found twice.
	for (const BackrefKey& key : keys) {
		if (out->refs.size() >= bounds_.refs) {
			complete = false;
			break;
		}
		for (const TreeRoot& root : roots_) {
			stats_.lookups++;
			TRY(find_file_extent_refs(fs_, root, key, disk_bytenr, span, &out->refs));
		}
	}
	out->complete = complete;
	stats_.partial += !complete;
	heap_sort(out->refs.data(), out->refs.size(), extent_ref_less);
	out->disk_bytenr = disk_bytenr;
	out->disk_num_bytes = extent.num_bytes;
	out->generation = generation;
	return fs_.super().generation == generation;
}

Result<void> BackrefWalker::remember(const RefPtr<ExtentRefs>& answer)
{
	if (RefPtr<ExtentRefs>* stale = cache_.get(answer->disk_bytenr)) {
		cached_refs_ -= cache_weight(**stale);
		cache_.remove(answer->disk_bytenr);
	}
	TRY(cache_.put(answer->disk_bytenr, answer));
	cached_refs_ += cache_weight(*answer);
	while (cached_refs_ > cache_budget_ && cache_.size() > 1) {
		cached_refs_ -= cache_weight(**cache_.least_recent());
		cache_.evict_least_recent();
	}
	return {};
}

} // namespace bsend::tree
