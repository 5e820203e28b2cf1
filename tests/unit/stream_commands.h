// What a test asks of a stream's bytes without decoding it whole.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace bsend::test {

// Whether the stream holds a command of that number: a walk over the
// command headers (length, command, crc) after the 17-byte stream header.
inline bool has_command(const std::string& stream, uint16_t number)
{
	for (size_t at = 17; at + 10 <= stream.size();) {
		uint32_t length;
		uint16_t command;
		std::memcpy(&length, stream.data() + at, 4);
		std::memcpy(&command, stream.data() + at + 4, 2);
		if (command == number)
			return true;
		at += 10 + length;
	}
	return false;
}

} // namespace bsend::test
