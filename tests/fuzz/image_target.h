// What every image fuzz target does with one input: read it as a page list
// (page_image.h) with its checksums made right, open the filesystem on it,
// hand the opened filesystem to the target, and abort if the engine still
// holds memory afterwards (a leak on some error path).
#pragma once

#include <cstdint>
#include <cstdlib>

#include "module/core/tree/filesystem.h"
#include "module/posix/alloc.h"
#include "tests/fuzz/page_image.h"

namespace bsend::fuzz {

// The block cache of the opened filesystem: 1 MiB, as a small module send.
constexpr usize kFuzzBlockCacheBytes = 1 << 20;

template <typename Exercise>
int run_on_image(const uint8_t* data, size_t size, Exercise exercise)
{
	{
		PageImage image(data, size);
		image.fix_checksums();
		auto fs = tree::Filesystem::open(image.host(), kFuzzBlockCacheBytes);
		if (fs.is_ok())
			exercise(*fs.value());
	}
	if (posix::allocations_outstanding() != 0)
		std::abort();
	return 0;
}

} // namespace bsend::fuzz
