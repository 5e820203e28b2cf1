// Shared ownership for objects used by one send at a time (not atomic):
// tree blocks shared by the block cache and the paths that hold them.
#pragma once

#include "module/core/support/alloc.h"
#include "module/core/support/errno.h"
#include "module/core/support/move.h"
#include "module/core/support/new.h"
#include "module/core/support/result.h"

namespace bsend {

// Base of a reference-counted object; the last unref deletes it.
template <typename T> class RefCounted {
public:
	void ref() { count_++; }
	void unref()
	{
		if (--count_ == 0)
			destroy(static_cast<T*>(this));
	}
	u32 ref_count() const { return count_; }

private:
	u32 count_ = 1;
};

template <typename T> class RefPtr {
public:
	RefPtr() = default;
	// Adopts the reference that a new object starts with.
	static RefPtr adopt(T* ptr)
	{
		RefPtr result;
		result.ptr_ = ptr;
		return result;
	}
	RefPtr(const RefPtr& other) : ptr_(other.ptr_)
	{
		if (ptr_)
			ptr_->ref();
	}
	RefPtr(RefPtr&& other) : ptr_(other.ptr_) { other.ptr_ = nullptr; }
	RefPtr& operator=(const RefPtr& other)
	{
		RefPtr copy(other);
		swap(copy);
		return *this;
	}
	RefPtr& operator=(RefPtr&& other)
	{
		RefPtr taken(bsend::move(other));
		swap(taken);
		return *this;
	}
	~RefPtr()
	{
		if (ptr_)
			ptr_->unref();
	}

	T* get() const { return ptr_; }
	T* operator->() const { return ptr_; }
	T& operator*() const { return *ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

private:
	void swap(RefPtr& other)
	{
		T* ptr = ptr_;
		ptr_ = other.ptr_;
		other.ptr_ = ptr;
	}

	T* ptr_ = nullptr;
};

template <typename T, typename... Args> Result<RefPtr<T>> make_ref(Args&&... args)
{
	T* ptr = create<T>(bsend::forward<Args>(args)...);
	if (!ptr)
		return Error::make(err::kNoMemory, "out of memory");
	return RefPtr<T>::adopt(ptr);
}

} // namespace bsend
