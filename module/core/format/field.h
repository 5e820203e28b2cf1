// Reading one little-endian field of a uapi struct out of raw bytes. The
// offset and width come from the uapi struct itself (offsetof, sizeof), so
// no layout is typed by hand. Callers check that the bytes hold the whole
// struct first; the accessors then read within bounds by construction.
#pragma once

#include "module/core/format/uapi.h"
#include "module/core/support/endian.h"

namespace bsend::format {

template <usize Width> inline u64 load_field(const u8* p)
{
	static_assert(Width == 1 || Width == 2 || Width == 4 || Width == 8, "integer field");
	if constexpr (Width == 1)
		return p[0];
	else if constexpr (Width == 2)
		return load_le16(p);
	else if constexpr (Width == 4)
		return load_le32(p);
	else
		return load_le64(p);
}

} // namespace bsend::format

// The integer field `member` of `type`, from `base` (a const u8*).
#define BSEND_FIELD(base, type, member) \
	(::bsend::format::load_field<sizeof(((type*)nullptr)->member)>((base) + offsetof(type, member)))
