// Little-endian loads from raw bytes at any alignment. The on-disk and wire
// formats are little-endian; the engine runs on little-endian x86-64, and
// the byte-wise form keeps it correct elsewhere too.
#pragma once

#include "module/core/support/types.h"

namespace bsend {

inline u16 load_le16(const u8* p) { return u16(p[0] | (u16(p[1]) << 8)); }

inline u32 load_le32(const u8* p)
{
	return u32(p[0]) | (u32(p[1]) << 8) | (u32(p[2]) << 16) | (u32(p[3]) << 24);
}

inline u64 load_le64(const u8* p) { return u64(load_le32(p)) | (u64(load_le32(p + 4)) << 32); }

inline void store_le16(u8* p, u16 v) { p[0] = u8(v); p[1] = u8(v >> 8); }

inline void store_le32(u8* p, u32 v)
{
	store_le16(p, u16(v));
	store_le16(p + 2, u16(v >> 16));
}

inline void store_le64(u8* p, u64 v)
{
	store_le32(p, u32(v));
	store_le32(p + 4, u32(v >> 32));
}

} // namespace bsend
