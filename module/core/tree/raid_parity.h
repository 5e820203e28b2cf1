// Rebuilding one data element of a RAID5 or RAID6 full stripe from the
// others, as btrfs's raid56 code does with the kernel's raid6 library:
// P is the XOR of the data elements, Q their sum in GF(2^8) (polynomial
// 0x11d) weighted by g^i, g = 2, for data element i in logical order.
// P rebuilds one lost element; RAID6's Q rebuilds the element with P or
// one other data element lost as well.
#pragma once

#include "module/core/support/result.h"
#include "module/core/support/types.h"

namespace bsend::tree {

// A full stripe: `data` data elements, then `parity` (1: P, 2: P and Q)
// parity elements; the element to rebuild is data element `target`.
struct RowShape {
	u32 data = 0;
	u32 parity = 0;
	u32 target = 0;
};

// Rebuilds data element shape.target into out from elements, one pointer
// per element of the row in row order, each len bytes at the same offset
// of its element; nullptr for one that could not be read or is not to be
// used (the target's own entry is never read). scratch is len bytes of the
// caller's. Uses P when every other data element is there, Q when P or one
// other data element is not. -EIO when more elements are missing than the
// parity covers.
Result<void> rebuild_data_element(const RowShape& shape, const u8* const* elements, usize len, u8* out,
				  u8* scratch);

// The product of a and b in GF(2^8), for tests of the above.
u8 gf_multiply(u8 a, u8 b);

} // namespace bsend::tree
