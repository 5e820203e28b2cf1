// Logical to physical mapping of the filesystem's address space, from the
// superblock's system chunk array and the chunk tree. Every profile is
// mapped: those whose every stripe holds a whole copy (SINGLE, DUP, RAID1,
// RAID1C3, RAID1C4), RAID0 and RAID10 (64 KiB stripe elements across the
// devices, RAID10's in mirrored pairs), and RAID5 and RAID6 (the data
// elements of each full stripe, its parity rotating across the devices).
// A RAID5 or RAID6 block has one copy, and the full stripe its parity
// rebuilds it from.
#pragma once

#include "module/core/format/items.h"
#include "module/core/support/result.h"
#include "module/core/support/vec.h"

namespace bsend::tree {

// Where one copy of a logical range lives.
struct Stripe {
	u64 devid = 0;
	u64 physical = 0;
};

// Up to this many copies are tried for one read (RAID1C4).
constexpr u32 kMaxCopies = 4;

// The length of one stripe element of RAID0, RAID10, RAID5 and RAID6
// (btrfs's BTRFS_STRIPE_LEN, which is not in the uapi headers): logical
// addresses run through a device for this long before the next device.
constexpr u64 kStripeElementLength = 64 * 1024;

// The most stripes of a RAID5/6 full stripe that a block is rebuilt from:
// chunks over more devices than this are read without rebuild.
constexpr u32 kMaxRowStripes = 16;

struct Mapping {
	Stripe copies[kMaxCopies];
	u32 num_copies = 0;
	// RAID5/6: the full stripe that holds the range, each stripe at the
	// range's offset in its element: row_data data elements in logical
	// order, then P, then (RAID6) Q; the range is data element row_target.
	// row_data is 0 when there is no row to rebuild from.
	Stripe row[kMaxRowStripes];
	u32 row_data = 0;
	u32 row_parity = 0;
	u32 row_target = 0;

	u32 row_size() const { return row_data + row_parity; }
};

class ChunkMap {
public:
	// Adds the chunk whose CHUNK_ITEM key offset is logical.
	Result<void> add(u64 logical, const format::ChunkView& chunk);

	// Parses the superblock's bootstrap array of (disk key, chunk) pairs.
	Result<void> add_sys_chunk_array(Bytes array);

	// The copies of [logical, logical + length), which must lie inside one
	// chunk and, in a striped chunk, inside one stripe element.
	Result<Mapping> map(u64 logical, u64 length) const;

	// How many bytes from logical on map to consecutive physical bytes:
	// to the end of its stripe element, or of its chunk.
	Result<u64> contiguous_bytes(u64 logical) const;

	usize size() const { return chunks_.size(); }
	void clear()
	{
		chunks_.clear();
		stripes_.clear();
	}

private:
	struct Chunk {
		u64 logical = 0;
		u64 length = 0;
		u64 type = 0;
		usize first_stripe = 0;	// in stripes_
		u32 num_stripes = 0;
		u32 sub_stripes = 0;	// RAID10's copies of each element
	};

	Result<const Chunk*> find(u64 logical) const;

	Vec<Chunk> chunks_;	// sorted by logical, not overlapping
	Vec<Stripe> stripes_;	// every chunk's stripes, in the order added
};

// The name of a block group profile, for messages ("raid5", "single").
const char* profile_name(u64 type);

} // namespace bsend::tree
