// A growable byte string for paths and names: no fixed buffers, no libc.
#pragma once

#include "module/core/support/string_view.h"
#include "module/core/support/vec.h"

namespace bsend::send {

class Text {
public:
	Result<void> append(StringView piece)
	{
		TRY(bytes_.reserve(bytes_.size() + piece.length()));
		for (usize i = 0; i < piece.length(); i++)
			TRY(bytes_.push(piece.data()[i]));
		return {};
	}

	Result<void> append_decimal(u64 value)
	{
		char digits[20];
		usize count = 0;
		do {
			digits[count++] = static_cast<char>('0' + value % 10);
			value /= 10;
		} while (value);
		while (count)
			TRY(bytes_.push(digits[--count]));
		return {};
	}

	void clear() { bytes_.clear(); }
	StringView view() const { return {bytes_.data(), bytes_.size()}; }
	usize length() const { return bytes_.size(); }

private:
	Vec<char> bytes_;
};

} // namespace bsend::send
