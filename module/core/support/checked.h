// Checked arithmetic: sums and products of sizes and offsets that come from
// disk must not wrap.
#pragma once

#include "module/core/support/types.h"

namespace bsend {

// Stores a + b in *out and returns true, or returns false on overflow.
template <typename T> [[nodiscard]] constexpr bool checked_add(T a, T b, T* out)
{
	return !__builtin_add_overflow(a, b, out);
}

template <typename T> [[nodiscard]] constexpr bool checked_mul(T a, T b, T* out)
{
	return !__builtin_mul_overflow(a, b, out);
}

// True when [offset, offset + length) lies inside [0, size).
constexpr bool range_inside(u64 offset, u64 length, u64 size)
{
	return offset <= size && length <= size - offset;
}

} // namespace bsend
