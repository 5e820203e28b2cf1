// Placement new and std::nothrow. The hosted build takes them from <new>;
// the freestanding module build declares them, as <new> is not available
// there (support/freestanding_runtime.cpp defines the allocating forms).
#pragma once

#include "module/core/support/types.h"

#if __STDC_HOSTED__
#include <new>
#else
namespace std {
struct nothrow_t {
	explicit nothrow_t() = default;
};
inline constexpr nothrow_t nothrow{};
} // namespace std

inline void* operator new(size_t, void* where) noexcept { return where; }
inline void operator delete(void*, void*) noexcept {}
void* operator new(size_t size, const std::nothrow_t&) noexcept;
void* operator new[](size_t size, const std::nothrow_t&) noexcept;
#endif
