// Byte-wise comparison, copy and fill; the engine has no libc.
#pragma once

#include "module/core/support/types.h"

namespace bsend {

inline bool bytes_equal(const u8* a, const u8* b, usize length)
{
	for (usize i = 0; i < length; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

inline void copy_bytes(u8* to, const u8* from, usize length)
{
	for (usize i = 0; i < length; i++)
		to[i] = from[i];
}

inline void fill_zero(u8* to, usize length)
{
	for (usize i = 0; i < length; i++)
		to[i] = 0;
}

} // namespace bsend
