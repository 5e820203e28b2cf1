// bsend_host_alloc() and bsend_host_alloc_pages() for POSIX hosts: malloc
// and aligned_alloc with one count of outstanding blocks and optional
// injected failure.
#include "module/posix/alloc.h"

#include <atomic>
#include <cstdlib>

#include "module/core/platform.h"

namespace {
std::atomic<long> outstanding{0};
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
		outstanding++;
	return ptr;
}

extern "C" void bsend_host_free(void* ptr)
{
	if (!ptr)
		return;
	outstanding--;
	std::free(ptr);
}

extern "C" void* bsend_host_alloc_pages(size_t size)
{
	if (!size || !allocation_allowed())
		return nullptr;
	void* ptr = std::aligned_alloc(kPageSize, (size + kPageSize - 1) / kPageSize * kPageSize);
	if (ptr)
		outstanding++;
	return ptr;
}

extern "C" void bsend_host_free_pages(void* ptr, size_t)
{
	bsend_host_free(ptr);
}

namespace bsend::posix {

long allocations_outstanding() { return outstanding.load(); }

void fail_allocation_after(long count) { allocations_until_failure.store(count); }

} // namespace bsend::posix
