// Send streams encoded byte by byte, for tests that need malformed ones:
// each command gets a correct length and crc unless the test breaks them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "module/core/platform.h"
#include "uapi/bsend_stream.h"

namespace bsend::test {

// value as `bytes` little-endian bytes.
inline std::string le(uint64_t value, size_t bytes)
{
	std::string out;
	for (size_t i = 0; i < bytes; i++)
		out.push_back(static_cast<char>(value >> (8 * i)));
	return out;
}

// One TLV: type, length, value.
inline std::string tlv(uint16_t type, const std::string& value) { return le(type, 2) + le(value.size(), 2) + value; }

inline std::string tlv_u64(uint16_t type, uint64_t value) { return tlv(type, le(value, 8)); }

inline std::string tlv_uuid(uint16_t type, const std::array<uint8_t, 16>& uuid)
{
	return tlv(type, std::string(uuid.begin(), uuid.end()));
}

inline uint32_t stream_crc(const std::string& bytes)
{
	return bsend_host_stream_crc32c(0, bytes.data(), bytes.size());
}

// A stream as bytes; command() returns the command's byte offset.
struct RawStream {
	std::string bytes;

	RawStream& header(const std::string& magic = std::string("btrfs-stream\0", 13), uint32_t version = 1)
	{
		bytes += magic + le(version, 4);
		return *this;
	}
	static std::string encode(uint16_t number, const std::string& attributes)
	{
		std::string command = le(attributes.size(), 4) + le(number, 2) + le(0, 4) + attributes;
		command.replace(6, 4, le(stream_crc(command), 4));
		return command;
	}
	size_t command(uint16_t number, const std::string& attributes)
	{
		size_t offset = bytes.size();
		bytes += encode(number, attributes);
		return offset;
	}
	size_t end() { return command(BSEND_SEND_C_END, ""); }
};

} // namespace bsend::test
