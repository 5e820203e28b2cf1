// The C++ runtime pieces the module build needs and the kernel does not
// provide: operator new and delete, routed to the host's counted allocator.
// Built only into bsend.ko; the hosted build uses the C++ library's own.
#include "module/core/platform.h"
#include "module/core/support/new.h"

void* operator new(size_t size) { return bsend_host_alloc(size); }
void* operator new[](size_t size) { return bsend_host_alloc(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return bsend_host_alloc(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return bsend_host_alloc(size); }
void operator delete(void* ptr) noexcept { bsend_host_free(ptr); }
void operator delete[](void* ptr) noexcept { bsend_host_free(ptr); }
void operator delete(void* ptr, size_t) noexcept { bsend_host_free(ptr); }
void operator delete[](void* ptr, size_t) noexcept { bsend_host_free(ptr); }

// Called if a pure virtual function is ever reached through a vtable under
// construction; the module has no terminate(), so it stops in place.
extern "C" void __cxa_pure_virtual();
extern "C" void __cxa_pure_virtual() { __builtin_trap(); }
