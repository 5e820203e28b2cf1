// Single ownership of a heap object made by create() (support/alloc.h),
// usually through make_unique, which reports allocation failure as a value.
#pragma once

#include "module/core/support/alloc.h"
#include "module/core/support/errno.h"
#include "module/core/support/move.h"
#include "module/core/support/new.h"
#include "module/core/support/result.h"

namespace bsend {

template <typename T> class UniquePtr {
public:
	UniquePtr() = default;
	explicit UniquePtr(T* ptr) : ptr_(ptr) {}
	UniquePtr(UniquePtr&& other) : ptr_(other.ptr_) { other.ptr_ = nullptr; }
	template <typename U> UniquePtr(UniquePtr<U>&& other) : ptr_(other.leak()) {}
	UniquePtr& operator=(UniquePtr&& other)
	{
		if (this != &other) {
			reset();
			ptr_ = other.ptr_;
			other.ptr_ = nullptr;
		}
		return *this;
	}
	UniquePtr(const UniquePtr&) = delete;
	UniquePtr& operator=(const UniquePtr&) = delete;
	~UniquePtr() { reset(); }

	T* get() const { return ptr_; }
	T* operator->() const { return ptr_; }
	T& operator*() const { return *ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

	T* leak()
	{
		T* ptr = ptr_;
		ptr_ = nullptr;
		return ptr;
	}

	void reset()
	{
		destroy(ptr_);
		ptr_ = nullptr;
	}

private:
	T* ptr_ = nullptr;
};

template <typename T, typename... Args> Result<UniquePtr<T>> make_unique(Args&&... args)
{
	T* ptr = create<T>(bsend::forward<Args>(args)...);
	if (!ptr)
		return Error::make(err::kNoMemory, "out of memory");
	return UniquePtr<T>(ptr);
}

} // namespace bsend
