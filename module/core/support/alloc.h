// Creating and destroying engine objects through the host's counted
// allocator, in both builds alike (the hosted C++ library's operator new
// would bypass the count in userspace).
#pragma once

#include "module/core/platform.h"
#include "module/core/support/move.h"
#include "module/core/support/new.h"

namespace bsend {

// A new T, or nullptr when memory is short.
template <typename T, typename... Args> T* create(Args&&... args)
{
	static_assert(alignof(T) <= 16, "the host allocator aligns to 16 bytes");
	void* memory = bsend_host_alloc(sizeof(T));
	if (!memory)
		return nullptr;
	return new (memory) T(bsend::forward<Args>(args)...);
}

template <typename T> void destroy(T* object)
{
	if (!object)
		return;
	object->~T();
	bsend_host_free(object);
}

} // namespace bsend
