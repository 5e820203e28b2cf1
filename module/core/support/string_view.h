// A view of bytes that are a name or a path; not NUL-terminated.
#pragma once

#include "module/core/support/types.h"

namespace bsend {

class StringView {
public:
	constexpr StringView() = default;
	constexpr StringView(const char* data, usize length) : data_(data), length_(length) {}
	template <usize N>
	constexpr StringView(const char (&literal)[N]) : data_(literal), length_(N - 1) {}

	constexpr const char* data() const { return data_; }
	constexpr usize length() const { return length_; }
	constexpr bool empty() const { return length_ == 0; }

	bool operator==(StringView other) const
	{
		if (length_ != other.length_)
			return false;
		for (usize i = 0; i < length_; i++)
			if (data_[i] != other.data_[i])
				return false;
		return true;
	}

private:
	const char* data_ = "";
	usize length_ = 0;
};

} // namespace bsend
