#include "module/core/tree/chunk_map.h"

#include "module/core/support/checked.h"
#include "module/core/support/errno.h"

namespace bsend::tree {

namespace {

constexpr u64 kStripedProfiles = BTRFS_BLOCK_GROUP_RAID0 | BTRFS_BLOCK_GROUP_RAID10 |
				 BTRFS_BLOCK_GROUP_RAID5 | BTRFS_BLOCK_GROUP_RAID6;

u64 profile_of(u64 type)
{
	return type & BTRFS_BLOCK_GROUP_PROFILE_MASK;
}

u32 parity_stripes(u64 type)
{
	switch (profile_of(type)) {
	case BTRFS_BLOCK_GROUP_RAID5: return 1;
	case BTRFS_BLOCK_GROUP_RAID6: return 2;
	default: return 0;
	}
}

// Why a chunk's stripe count or layout cannot be mapped, or nullptr.
const char* layout_problem(u64 type, u32 num_stripes, u32 sub_stripes, u64 stripe_len)
{
	switch (profile_of(type)) {
	case 0:
	case BTRFS_BLOCK_GROUP_DUP:
	case BTRFS_BLOCK_GROUP_RAID1:
	case BTRFS_BLOCK_GROUP_RAID1C3:
	case BTRFS_BLOCK_GROUP_RAID1C4:
		return nullptr;
	case BTRFS_BLOCK_GROUP_RAID0:
		break;
	case BTRFS_BLOCK_GROUP_RAID10:
		if (sub_stripes < 2 || sub_stripes > kMaxCopies || num_stripes % sub_stripes != 0)
			return "raid10 chunk's stripes are not whole mirrored sets";
		break;
	case BTRFS_BLOCK_GROUP_RAID5:
	case BTRFS_BLOCK_GROUP_RAID6:
		if (num_stripes <= parity_stripes(type))
			return "raid5/6 chunk has no data stripe";
		break;
	default:
		return nullptr;	// refused as an unknown profile
	}
	if (stripe_len != kStripeElementLength)
		return "striped chunk's stripe length is not 64 KiB";
	return nullptr;
}

// BTRFS_BLOCK_GROUP_PROFILE_MASK holds exactly the known profiles' bits:
// a chunk has one of them, or none (single).
bool known_profile(u64 type)
{
	u64 profile = profile_of(type);
	return (profile & (profile - 1)) == 0;
}

bool striped(u64 type)
{
	return (type & kStripedProfiles) != 0;
}

} // namespace

const char* profile_name(u64 type)
{
	switch (profile_of(type)) {
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
	if (!known_profile(entry.type))
		return Error::make(err::kNotSupported, "unknown chunk profile").at_bytenr(logical).mismatch(0, entry.type);
	entry.num_stripes = chunk.num_stripes();
	entry.sub_stripes = chunk.sub_stripes();
	if (entry.num_stripes == 0)
		return Error::make(err::kCorrupt, "chunk has no stripe").at_bytenr(logical);
	if (const char* problem = layout_problem(entry.type, entry.num_stripes, entry.sub_stripes, chunk.stripe_len()))
		return Error::make(err::kCorrupt, problem).at_bytenr(logical).mismatch(entry.num_stripes, entry.sub_stripes);

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
	// A failure part way leaves unused stripes behind, never a chunk
	// without its own.
	entry.first_stripe = stripes_.size();
	for (u32 i = 0; i < entry.num_stripes; i++)
		TRY(stripes_.push(Stripe{chunk.stripe_devid(i), chunk.stripe_offset(i)}));
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

Result<const ChunkMap::Chunk*> ChunkMap::find(u64 logical) const
{
	usize low = 0, high = chunks_.size();
	while (low < high) {
		usize mid = low + (high - low) / 2;
		if (chunks_[mid].logical <= logical)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == 0 || logical - chunks_[low - 1].logical >= chunks_[low - 1].length)
		return Error::make(err::kCorrupt, "no chunk maps the logical address").at_bytenr(logical);
	return &chunks_[low - 1];
}

Result<u64> ChunkMap::contiguous_bytes(u64 logical) const
{
	const Chunk* chunk = TRY(find(logical));
	u64 offset = logical - chunk->logical;
	if (striped(chunk->type))
		return kStripeElementLength - offset % kStripeElementLength;
	return chunk->length - offset;
}

Result<Mapping> ChunkMap::map(u64 logical, u64 length) const
{
	const Chunk& chunk = *TRY(find(logical));
	u64 offset = logical - chunk.logical;
	if (!range_inside(offset, length, chunk.length))
		return Error::make(err::kCorrupt, "logical range crosses the end of its chunk")
			.at_bytenr(logical)
			.mismatch(chunk.logical + chunk.length, logical + length);
	const Stripe* stripes = stripes_.data() + chunk.first_stripe;
	Mapping mapping;
	if (!striped(chunk.type)) {
		mapping.num_copies = profile_of(chunk.type) == 0 ? 1 : chunk.num_stripes;
		if (mapping.num_copies > kMaxCopies)
			mapping.num_copies = kMaxCopies;
		for (u32 i = 0; i < mapping.num_copies; i++)
			mapping.copies[i] = {stripes[i].devid, stripes[i].physical + offset};
		return mapping;
	}

	// Element number element_nr of the chunk (counting its data elements
	// only, in logical order) lies in stripe first at row (its offset on
	// that device in elements); RAID10's copies are the stripes after it.
	u64 element_nr = offset / kStripeElementLength;
	u64 in_element = offset % kStripeElementLength;
	if (!range_inside(in_element, length, kStripeElementLength))
		return Error::make(err::kCorrupt, "logical range crosses a stripe element of its chunk")
			.at_bytenr(logical)
			.mismatch(kStripeElementLength, in_element + length);
	u64 row = 0;
	u32 first = 0;
	u32 copies = 1;
	switch (profile_of(chunk.type)) {
	case BTRFS_BLOCK_GROUP_RAID0:
		row = element_nr / chunk.num_stripes;
		first = static_cast<u32>(element_nr % chunk.num_stripes);
		break;
	case BTRFS_BLOCK_GROUP_RAID10: {
		u32 mirrored_sets = chunk.num_stripes / chunk.sub_stripes;
		row = element_nr / mirrored_sets;
		first = static_cast<u32>(element_nr % mirrored_sets) * chunk.sub_stripes;
		copies = chunk.sub_stripes;
		break;
	}
	default: {
		// RAID5/6: row is the full stripe, whose data elements come in
		// logical order from the stripe numbered row (modulo the stripe
		// count), its parity after them: the parity moves one stripe on
		// with every full stripe.
		u32 data_stripes = chunk.num_stripes - parity_stripes(chunk.type);
		row = element_nr / data_stripes;
		u64 data_index = element_nr % data_stripes;
		first = static_cast<u32>((row + data_index) % chunk.num_stripes);
		// The whole full stripe: data, P, then Q, rotated alike.
		if (chunk.num_stripes <= kMaxRowStripes) {
			mapping.row_data = data_stripes;
			mapping.row_parity = parity_stripes(chunk.type);
			mapping.row_target = static_cast<u32>(data_index);
			for (u32 s = 0; s < chunk.num_stripes; s++)
				mapping.row[s] = stripes[(row + s) % chunk.num_stripes];
		}
		break;
	}
	}
	u64 within;
	if (!checked_mul(row, kStripeElementLength, &within) || !checked_add(within, in_element, &within))
		return Error::make(err::kCorrupt, "striped chunk offset out of range").at_bytenr(logical);
	mapping.num_copies = copies;
	for (u32 i = 0; i < copies; i++)
		mapping.copies[i] = stripes[first + i];
	for (u32 i = 0; i < copies + mapping.row_size(); i++) {
		Stripe& stripe = i < copies ? mapping.copies[i] : mapping.row[i - copies];
		if (!checked_add(stripe.physical, within, &stripe.physical))
			return Error::make(err::kCorrupt, "striped chunk offset out of range").at_bytenr(logical);
	}
	return mapping;
}

} // namespace bsend::tree
