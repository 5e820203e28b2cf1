#include "module/core/tree/chunk_map.h"

#include "module/core/support/checked.h"
#include "module/core/support/errno.h"

namespace bsend::tree {

namespace {

constexpr u64 kCopyProfiles = BTRFS_BLOCK_GROUP_DUP | BTRFS_BLOCK_GROUP_RAID1 |
			      BTRFS_BLOCK_GROUP_RAID1C3 | BTRFS_BLOCK_GROUP_RAID1C4;

const char* unsupported_profile_cause(u64 type)
{
	switch (type & BTRFS_BLOCK_GROUP_PROFILE_MASK) {
	case BTRFS_BLOCK_GROUP_RAID0: return "chunk profile raid0 is not supported";
	case BTRFS_BLOCK_GROUP_RAID10: return "chunk profile raid10 is not supported";
	case BTRFS_BLOCK_GROUP_RAID5: return "chunk profile raid5 is not supported";
	case BTRFS_BLOCK_GROUP_RAID6: return "chunk profile raid6 is not supported";
	default: return "unknown chunk profile";
	}
}

} // namespace

const char* profile_name(u64 type)
{
	switch (type & BTRFS_BLOCK_GROUP_PROFILE_MASK) {
	case 0: return "single";
	case BTRFS_BLOCK_GROUP_DUP: return "dup";
	case BTRFS_BLOCK_GROUP_RAID0: return "raid0";
	case BTRFS_BLOCK_GROUP_RAID1: return "raid1";
	case BTRFS_BLOCK_GROUP_RAID1C3: return "raid1c3";
	case BTRFS_BLOCK_GROUP_RAID1C4: return "raid1c4";
	case BTRFS_BLOCK_GROUP_RAID10: return "raid10";
	case BTRFS_BLOCK_GROUP_RAID5: return "raid5";
	case BTRFS_BLOCK_GROUP_RAID6: return "raid6";
	default: return "an unknown profile";
	}
}

Result<void> ChunkMap::add(u64 logical, const format::ChunkView& chunk)
{
	Chunk entry;
	entry.logical = logical;
	entry.length = chunk.length();
	entry.type = chunk.type();
	u64 end;
	if (entry.length == 0 || !checked_add(logical, entry.length, &end))
		return Error::make(err::kCorrupt, "chunk length is zero or wraps").at_bytenr(logical);

	u64 profile = entry.type & BTRFS_BLOCK_GROUP_PROFILE_MASK;
	if (profile & ~kCopyProfiles)
		return Error::make(err::kNotSupported, unsupported_profile_cause(entry.type)).at_bytenr(logical);
	u64 stripes = chunk.num_stripes();
	entry.mapping.num_copies = static_cast<u32>(stripes < kMaxCopies ? stripes : kMaxCopies);
	if (profile == 0)
		entry.mapping.num_copies = 1;
	for (u32 i = 0; i < entry.mapping.num_copies; i++)
		entry.mapping.copies[i] = {chunk.stripe_devid(i), chunk.stripe_offset(i)};

	// Keep chunks_ sorted; the chunk tree and the array arrive in order,
	// so this is an append in practice. The same chunk twice (array and
	// tree) is kept once.
	usize at = chunks_.size();
	while (at > 0 && chunks_[at - 1].logical >= logical)
		at--;
	if (at < chunks_.size() && chunks_[at].logical == logical)
		return {};
	if ((at > 0 && chunks_[at - 1].logical + chunks_[at - 1].length > logical) ||
	    (at < chunks_.size() && end > chunks_[at].logical))
		return Error::make(err::kCorrupt, "chunks overlap").at_bytenr(logical);
	TRY(chunks_.push(entry));
	for (usize i = chunks_.size() - 1; i > at; i--) {
		Chunk moved = chunks_[i - 1];
		chunks_[i - 1] = chunks_[i];
		chunks_[i] = moved;
	}
	return {};
}

Result<void> ChunkMap::add_sys_chunk_array(Bytes array)
{
	usize at = 0;
	while (at < array.size()) {
		if (!array.contains(at, sizeof(btrfs_disk_key)))
			return Error::make(err::kCorrupt, "system chunk array ends inside a key")
				.mismatch(array.size(), at);
		format::Key key = format::read_disk_key(array.data() + at);
		at += sizeof(btrfs_disk_key);
		if (key.type != BTRFS_CHUNK_ITEM_KEY)
			return Error::make(err::kCorrupt, "system chunk array holds a non-chunk key")
				.mismatch(BTRFS_CHUNK_ITEM_KEY, key.type);
		Bytes rest = array.subspan(at, array.size() - at);
		auto head = TRY(format::ChunkView::over(rest));
		usize size = format::ChunkView::size_with_stripes(head.num_stripes());
		auto chunk = TRY(format::ChunkView::over(rest.subspan(0, size)));
		TRY(add(key.offset, chunk));
		at += size;
	}
	return {};
}

Result<Mapping> ChunkMap::map(u64 logical, u64 length) const
{
	usize low = 0, high = chunks_.size();
	while (low < high) {
		usize mid = low + (high - low) / 2;
		if (chunks_[mid].logical <= logical)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == 0)
		return Error::make(err::kCorrupt, "no chunk maps the logical address").at_bytenr(logical);
	const Chunk& chunk = chunks_[low - 1];
	u64 offset = logical - chunk.logical;
	if (offset >= chunk.length)
		return Error::make(err::kCorrupt, "no chunk maps the logical address").at_bytenr(logical);
	if (!range_inside(offset, length, chunk.length))
		return Error::make(err::kCorrupt, "logical range crosses the end of its chunk")
			.at_bytenr(logical)
			.mismatch(chunk.logical + chunk.length, logical + length);
	Mapping mapping = chunk.mapping;
	for (u32 i = 0; i < mapping.num_copies; i++)
		mapping.copies[i].physical += offset;
	return mapping;
}

} // namespace bsend::tree
