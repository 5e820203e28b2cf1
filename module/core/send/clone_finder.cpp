#include "module/core/send/clone_finder.h"

#include "module/core/send/inode_names.h"
#include "module/core/send/path_builder.h"
#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::send {

namespace {

// The largest sector size a receiving filesystem may have: an unaligned
// EOF block is only cloned where it stays the EOF block.
constexpr u64 kLargestSectorSize = 64 * 1024;

constexpr u32 kSameInode = 0, kParent = 1, kOther = 2, kUnusable = 3;

bool is_aligned(u64 value, u64 alignment) { return value % alignment == 0; }

} // namespace

Result<UniquePtr<CloneFinder>> CloneFinder::create(tree::Filesystem& fs, u64 sent_id, u64 parent_id,
						   Span<const u64> clone_sources)
{
	UniquePtr<CloneFinder> finder(bsend::create<CloneFinder>(fs));
	if (!finder)
		return Error::make(err::kNoMemory, "out of memory");
	finder->parent_id_ = parent_id;
	Vec<u64> ids;
	TRY(ids.push(sent_id));
	if (parent_id && parent_id != sent_id)
		TRY(ids.push(parent_id));
	for (usize i = 0; i < clone_sources.size(); i++) {
		u64 source = clone_sources.data()[i];
		bool known = false;
		for (u64 id : ids)
			known |= id == source;
		if (!known)
			TRY(ids.push(source));
	}
	for (u64 id : ids) {
		auto subvolume = TRY(tree::read_subvolume(fs, id));
		CloneRoot root;
		root.id = id;
		copy_bytes(root.uuid, subvolume.stream_uuid(), BTRFS_UUID_SIZE);
		root.ctransid = subvolume.ctransid;
		root.tree = subvolume.root;
		TRY(finder->roots_.push(root));
	}
	finder->walker_ = TRY(tree::BackrefWalker::create(fs, Span<const u64>(ids.data(), ids.size())));
	return finder;
}

const CloneRoot* CloneFinder::root_of(u64 id) const
{
	for (const CloneRoot& root : roots_)
		if (root.id == id)
			return &root;
	return nullptr;
}

Result<bool> CloneFinder::maps_written_data(const tree::ExtentRef& ref, u64 disk_bytenr)
{
	const CloneRoot* root = root_of(ref.root);
	tree::TreePath path(fs_, root->tree);
	format::Key key{ref.ino, BTRFS_EXTENT_DATA_KEY, ref.file_offset};
	if (!TRY(path.search(key)) || path.key() != key)
		return false;
	auto item = TRY(format::FileExtentItemView::over(path.data()));
	return !item.is_inline() && item.type() == BTRFS_FILE_EXTENT_REG && item.disk_bytenr() == disk_bytenr;
}

u32 CloneFinder::rank(const tree::ExtentRef& ref, u64 ino) const
{
	if (ref.root == roots_[0].id && ref.ino == ino)
		return kSameInode;
	if (parent_id_ && ref.root == parent_id_)
		return kParent;
	return kOther;
}

Result<bool> CloneFinder::best_candidate(const InodeInfo& info, const tree::ExtentRefs& refs, u64 start,
					 u64 wanted_start, u64 wanted_end, SentInodes& sent,
					 Span<const tree::ExtentRef* const> excluded, Candidate* best,
					 u64* next_wanted)
{
	const u64 sectorsize = fs_.super().sectorsize;
	*best = Candidate{};
	*next_wanted = wanted_end;	// where the next usable item starts
	u32 best_rank = kUnusable;
	for (const tree::ExtentRef& ref : refs.refs) {
		u64 ref_end = ref.extent_offset + ref.num_bytes;
		if (ref_end <= wanted_start || ref.extent_offset >= wanted_end)
			continue;	// none of the bytes wanted
		bool is_excluded = false;
		for (usize i = 0; i < excluded.size(); i++)
			is_excluded |= excluded.data()[i] == &ref;
		if (is_excluded)
			continue;
		// The part of [wanted_start, wanted_end) this item maps.
		u64 from = ref.extent_offset > wanted_start ? ref.extent_offset : wanted_start;
		u64 length = (ref_end < wanted_end ? ref_end : wanted_end) - from;
		u64 source_offset = ref.file_offset + (from - ref.extent_offset);
		u64 dest_offset = start + (from - wanted_start);
		if (!is_aligned(source_offset, sectorsize) || !is_aligned(dest_offset, sectorsize))
			continue;
		if (ref.root == roots_[0].id) {
			// From the send root only what the receiver holds.
			if (ref.ino == info.ino ? source_offset + length > dest_offset : !TRY(sent.has_sent(ref.ino)))
				continue;
		}
		// The receiver may have made a single block at offset 0 inline.
		if (source_offset == 0 && length == sectorsize)
			continue;
		if (from > wanted_start) {
			// Usable further on: write up to there, then look again.
			if (from < *next_wanted)
				*next_wanted = from;
			continue;
		}
		u32 ref_rank = rank(ref, info.ino);
		if (ref_rank > best_rank || (ref_rank == best_rank && length <= best->length))
			continue;
		if (!TRY(maps_written_data(ref, refs.disk_bytenr)))
			continue;	// preallocated there: it reads as zeros
		best->ref = &ref;
		best->offset = source_offset;
		best->length = length;
		best_rank = ref_rank;
	}
	return best->ref != nullptr;
}

Result<bool> CloneFinder::choose(const InodeInfo& info, u64 item_offset, const format::FileExtentItemView& item,
				 u64 start, u64 end, u64 receiver_size, SentInodes& sent, CloneChoice* choice,
				 u64* write_end)
{
	*write_end = end;
	if (item.is_inline() || !extent_has_data(item) || start >= end)
		return false;
	// The bytes wanted, as offsets into the extent.
	const u64 wanted_start = item.offset() + (start - item_offset);
	const u64 wanted_end = wanted_start + (end - start);
	auto found = walker_->find(item.disk_bytenr(), item.ram_bytes());
	if (!found.is_ok()) {
		// The extent is not in the newest commit's extent tree (a
		// balance relocated it since the commit the sent tree was read
		// from), or every walk met a newer commit: its bytes go out as
		// a WRITE, which the page cache reads the same either way.
		int error = found.error().errno_value;
		if (error == err::kNoEntry || error == err::kStale)
			return false;
		return found.error();
	}
	RefPtr<tree::ExtentRefs> refs = bsend::move(found.value());
	const u64 sectorsize = fs_.super().sectorsize;

	// Items of inodes without links (deleted while open when their
	// snapshot was taken) are passed over: no receiver has them.
	Vec<const tree::ExtentRef*> unlinked;
	Candidate best;
	InodeInfo source;
	u64 next_wanted = wanted_end;
	for (;;) {
		if (!TRY(best_candidate(info, *refs, start, wanted_start, wanted_end, sent, unlinked.span(), &best,
					&next_wanted))) {
			*write_end = start + (next_wanted - wanted_start);
			return false;
		}
		source = TRY(read_inode_info(fs_, root_of(best.ref->root)->tree, best.ref->ino));
		if (source.nlink)
			break;
		TRY(unlinked.push(best.ref));
	}
	const u64 best_offset = best.offset;
	const u64 best_length = best.length;
	const CloneRoot* root = root_of(best.ref->root);
	u64 source_end = best_offset + best_length;
	u64 clone_end = start + best_length;
	if (source_end > source.size)
		return false;	// extents behind the source's size are not cloned
	u64 clone_length = best_length;
	bool truncate_first = false;
	if (!is_aligned(clone_end, sectorsize)) {
		// An unaligned end clones only at the EOF of both files, into a
		// file no longer than where the range starts: a longer one is
		// cut there first (its bytes from there on are all the clone's).
		if (clone_end != info.size || source_end != source.size)
			return false;
		truncate_first = receiver_size > start;
	} else if (source_end == source.size && !is_aligned(source_end, kLargestSectorSize) && clone_end < info.size) {
		// The source's EOF block in the middle of the destination: clone
		// up to it and write the rest.
		clone_length = (best_length / kLargestSectorSize) * kLargestSectorSize;
		if (!clone_length)
			return false;
	}
	choice->root = root;
	choice->ino = best.ref->ino;
	choice->offset = best_offset;
	choice->length = clone_length;
	choice->truncate_first = truncate_first;
	return true;
}

Result<void> CloneFinder::source_path(const CloneChoice& choice, SentInodes& sent, Text* path)
{
	if (choice.root == &roots_[0])
		return sent.current_path(choice.ino, path);
	const tree::TreeRoot& root = choice.root->tree;
	return build_path(choice.ino, path, [&](u64 at, Text* name, u64* parent) -> Result<bool> {
		if (!TRY(first_name_in(fs_, root, at, parent, name)))
			return Error::make(err::kEngineLimit, "clone source inode has no name in its subvolume").at_ino(at);
		return true;
	});
}

} // namespace bsend::send
