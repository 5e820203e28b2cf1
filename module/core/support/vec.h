// A growable array. Growth reports allocation failure as a value.
#pragma once

#include "module/core/platform.h"
#include "module/core/support/checked.h"
#include "module/core/support/errno.h"
#include "module/core/support/move.h"
#include "module/core/support/new.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend {

template <typename T> class Vec {
public:
	Vec() = default;
	Vec(Vec&& other) : data_(other.data_), size_(other.size_), capacity_(other.capacity_)
	{
		other.data_ = nullptr;
		other.size_ = other.capacity_ = 0;
	}
	Vec& operator=(Vec&& other)
	{
		if (this != &other) {
			destroy();
			data_ = other.data_;
			size_ = other.size_;
			capacity_ = other.capacity_;
			other.data_ = nullptr;
			other.size_ = other.capacity_ = 0;
		}
		return *this;
	}
	Vec(const Vec&) = delete;
	Vec& operator=(const Vec&) = delete;
	~Vec() { destroy(); }

	usize size() const { return size_; }
	bool empty() const { return size_ == 0; }
	T* data() { return data_; }
	const T* data() const { return data_; }
	T& operator[](usize i) { return data_[i]; }
	const T& operator[](usize i) const { return data_[i]; }
	T& back() { return data_[size_ - 1]; }
	T* begin() { return data_; }
	T* end() { return data_ + size_; }
	const T* begin() const { return data_; }
	const T* end() const { return data_ + size_; }
	Span<const T> span() const { return {data_, size_}; }

	Result<void> reserve(usize capacity)
	{
		if (capacity <= capacity_)
			return {};
		usize bytes;
		if (!checked_mul(capacity, sizeof(T), &bytes))
			return Error::make(err::kNoMemory, "vector size overflows");
		T* fresh = static_cast<T*>(bsend_host_alloc(bytes));
		if (!fresh)
			return Error::make(err::kNoMemory, "out of memory");
		for (usize i = 0; i < size_; i++) {
			new (&fresh[i]) T(bsend::move(data_[i]));
			data_[i].~T();
		}
		bsend_host_free(data_);
		data_ = fresh;
		capacity_ = capacity;
		return {};
	}

	Result<void> push(T value)
	{
		if (size_ == capacity_)
			TRY(reserve(capacity_ ? capacity_ * 2 : 8));
		new (&data_[size_]) T(bsend::move(value));
		size_++;
		return {};
	}

	// Grows to size elements, each new one value-initialised.
	Result<void> resize(usize size)
	{
		TRY(reserve(size));
		while (size_ < size)
			new (&data_[size_++]) T();
		while (size_ > size)
			data_[--size_].~T();
		return {};
	}

	// Grows or shrinks to size elements, leaving new ones uninitialised:
	// for buffers that are about to be overwritten (a device read).
	Result<void> resize_for_overwrite(usize size)
	{
		static_assert(__is_trivial(T), "only trivial elements may stay uninitialised");
		TRY(reserve(size));
		size_ = size;
		return {};
	}

	// Appends value only when that needs no allocation; returns whether it
	// did. For callers that reserved the room and cannot handle a failure.
	bool push_within_capacity(T&& value)
	{
		if (size_ == capacity_)
			return false;
		new (&data_[size_]) T(bsend::move(value));
		size_++;
		return true;
	}

	void pop() { data_[--size_].~T(); }

	void clear()
	{
		while (size_)
			pop();
	}

private:
	void destroy()
	{
		clear();
		bsend_host_free(data_);
		data_ = nullptr;
		capacity_ = 0;
	}

	T* data_ = nullptr;
	usize size_ = 0;
	usize capacity_ = 0;
};

} // namespace bsend
