// A bounds-checked view of contiguous memory.
#pragma once

#include "module/core/support/types.h"

namespace bsend {

template <typename T> class Span {
public:
	constexpr Span() = default;
	constexpr Span(T* data, usize size) : data_(data), size_(size) {}

	constexpr T* data() const { return data_; }
	constexpr usize size() const { return size_; }
	constexpr bool empty() const { return size_ == 0; }

	// True when [offset, offset + length) lies inside the span.
	constexpr bool contains(usize offset, usize length) const
	{
		return offset <= size_ && length <= size_ - offset;
	}

	// The sub-span [offset, offset + length); empty when out of bounds.
	constexpr Span subspan(usize offset, usize length) const
	{
		if (!contains(offset, length))
			return {};
		return {data_ + offset, length};
	}

private:
	T* data_ = nullptr;
	usize size_ = 0;
};

using Bytes = Span<const u8>;

} // namespace bsend
