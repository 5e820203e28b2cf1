// The POSIX host's allocation counter, for tests that check the engine
// frees everything it allocates.
#pragma once

#include <cstddef>

namespace bsend::posix {

// Blocks from bsend_host_alloc() and bsend_host_alloc_pages() not yet freed.
long allocations_outstanding();

// The most bytes held at once (malloc's usable sizes) since the process
// started or the last reset_bytes_peak().
std::size_t bytes_peak();
void reset_bytes_peak();

// Makes the next `count` allocations (either kind) succeed and the one
// after fail, for allocation-failure tests; -1 (the default) never fails.
void fail_allocation_after(long count);

} // namespace bsend::posix
