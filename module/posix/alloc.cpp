// bsend_host_alloc() and bsend_host_alloc_pages() for POSIX hosts: malloc
// and aligned_alloc with one count of outstanding blocks and optional
// injected failure.
#include "module/posix/alloc.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>

#include "module/core/platform.h"

namespace {
std::atomic<long> outstanding{0};
std::atomic<std::size_t> bytes_held{0};
std::atomic<std::size_t> peak{0};

void count_allocation(void* ptr)
{
	outstanding++;
	std::size_t held = bytes_held += malloc_usable_size(ptr);
	std::size_t seen = peak.load();
	while (held > seen && !peak.compare_exchange_weak(seen, held))
		;
}
std::atomic<long> allocations_until_failure{-1};

// Whether the next allocation may go ahead, counting it against an
// injected failure.
bool allocation_allowed()
{
	long left = allocations_until_failure.load();
	if (left == 0)
		return false;
	if (left > 0)
		allocations_until_failure.store(left - 1);
	return true;
}

constexpr size_t kPageSize = 4096;

} // namespace

extern "C" void* bsend_host_alloc(size_t size)
{
	if (!allocation_allowed())
		return nullptr;
	void* ptr = std::malloc(size ? size : 1);
	if (ptr)
		count_allocation(ptr);
	return ptr;
}

extern "C" void bsend_host_free(void* ptr)
{
	if (!ptr)
		return;
	outstanding--;
	bytes_held -= malloc_usable_size(ptr);
	std::free(ptr);
}

extern "C" void* bsend_host_alloc_pages(size_t size)
{
	if (!size || !allocation_allowed())
		return nullptr;
	void* ptr = std::aligned_alloc(kPageSize, (size + kPageSize - 1) / kPageSize * kPageSize);
	if (ptr)
		count_allocation(ptr);
	return ptr;
}

extern "C" void bsend_host_free_pages(void* ptr, size_t)
{
	bsend_host_free(ptr);
}

namespace bsend::posix {

long allocations_outstanding() { return outstanding.load(); }

std::size_t bytes_peak() { return peak.load(); }

void reset_bytes_peak() { peak.store(bytes_held.load()); }

void fail_allocation_after(long count) { allocations_until_failure.store(count); }

} // namespace bsend::posix
