// btrfs keys: (objectid, type, offset), ordered in that order. On disk a
// key is struct btrfs_disk_key (17 bytes, little-endian).
#pragma once

#include "module/core/format/field.h"

namespace bsend::format {

struct Key {
	u64 objectid = 0;
	u8 type = 0;
	u64 offset = 0;

	static constexpr Key min() { return {0, 0, 0}; }
	static constexpr Key max() { return {~0ull, 0xff, ~0ull}; }

	int compare(const Key& other) const
	{
		if (objectid != other.objectid)
			return objectid < other.objectid ? -1 : 1;
		if (type != other.type)
			return type < other.type ? -1 : 1;
		if (offset != other.offset)
			return offset < other.offset ? -1 : 1;
		return 0;
	}
	bool operator==(const Key& other) const { return compare(other) == 0; }
	bool operator!=(const Key& other) const { return compare(other) != 0; }
	bool operator<(const Key& other) const { return compare(other) < 0; }
	bool operator<=(const Key& other) const { return compare(other) <= 0; }

	// The next key in order, or false when this is Key::max().
	bool successor(Key* out) const
	{
		*out = *this;
		if (++out->offset != 0)
			return true;
		if (++out->type != 0)
			return true;
		return ++out->objectid != 0;
	}
};

inline Key read_disk_key(const u8* p)
{
	return {BSEND_FIELD(p, btrfs_disk_key, objectid), static_cast<u8>(BSEND_FIELD(p, btrfs_disk_key, type)),
		BSEND_FIELD(p, btrfs_disk_key, offset)};
}

} // namespace bsend::format
