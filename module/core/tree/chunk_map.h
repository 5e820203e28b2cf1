// Logical to physical mapping of the filesystem's address space, from the
// superblock's system chunk array and the chunk tree. Profiles whose every
// stripe holds a whole copy (SINGLE, DUP, RAID1, RAID1C3, RAID1C4) are
// supported; striped and parity profiles fail with -EOPNOTSUPP naming them.
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

struct Mapping {
	Stripe copies[kMaxCopies];
	u32 num_copies = 0;
};

class ChunkMap {
public:
	// Adds the chunk whose CHUNK_ITEM key offset is logical.
	Result<void> add(u64 logical, const format::ChunkView& chunk);

	// Parses the superblock's bootstrap array of (disk key, chunk) pairs.
	Result<void> add_sys_chunk_array(Bytes array);

	// The copies of [logical, logical + length), which must lie inside one
	// chunk.
	Result<Mapping> map(u64 logical, u64 length) const;

	usize size() const { return chunks_.size(); }
	void clear() { chunks_.clear(); }

private:
	struct Chunk {
		u64 logical = 0;
		u64 length = 0;
		u64 type = 0;
		Mapping mapping;
	};

	Vec<Chunk> chunks_;	// sorted by logical, not overlapping
};

// The name of a block group profile, for messages ("raid5", "single").
const char* profile_name(u64 type);

} // namespace bsend::tree
