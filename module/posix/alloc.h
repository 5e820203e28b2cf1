// The POSIX host's allocation counter, for tests that check the engine
// frees everything it allocates.
#pragma once

#include <cstddef>

namespace bsend::posix {

// Blocks from bsend_host_alloc() not yet freed.
long allocations_outstanding();

// Makes the next `count` calls of bsend_host_alloc() succeed and the one
// after fail, for allocation-failure tests; -1 (the default) never fails.
void fail_allocation_after(long count);

} // namespace bsend::posix
