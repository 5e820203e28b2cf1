// A uuid as text, 8-4-4-4-12 lowercase hex, as btrfs-progs prints it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace bsend::test {

inline std::string uuid_text(const uint8_t* uuid)
{
	char text[40];
	std::snprintf(text, sizeof(text),
		      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0], uuid[1],
		      uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
		      uuid[12], uuid[13], uuid[14], uuid[15]);
	return text;
}

} // namespace bsend::test
