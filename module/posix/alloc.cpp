// bsend_host_alloc() for POSIX hosts: malloc with a count of outstanding
// blocks and optional injected failure.
#include "module/posix/alloc.h"

#include <atomic>
#include <cstdlib>

#include "module/core/platform.h"

namespace {
std::atomic<long> outstanding{0};
std::atomic<long> allocations_until_failure{-1};
} // namespace

extern "C" void* bsend_host_alloc(size_t size)
{
	long left = allocations_until_failure.load();
	if (left == 0)
		return nullptr;
	if (left > 0)
		allocations_until_failure.store(left - 1);
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

namespace bsend::posix {

long allocations_outstanding() { return outstanding.load(); }

void fail_allocation_after(long count) { allocations_until_failure.store(count); }

} // namespace bsend::posix
