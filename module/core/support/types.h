// Fixed-width integer names for the engine. Freestanding: only the
// compiler's own <stddef.h> and <stdint.h> are used.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bsend {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i32 = int32_t;
using i64 = int64_t;
using usize = size_t;

} // namespace bsend
