#include "ctl/uuid.h"

#include <cstdio>

namespace sendctl {

std::string uuid_text(const Uuid &uuid)
{
	char text[40];
	std::snprintf(text, sizeof(text),
		      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		      "%02x%02x%02x%02x%02x%02x",
		      uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5],
		      uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
		      uuid[12], uuid[13], uuid[14], uuid[15]);
	return text;
}

bool is_nil_uuid(const Uuid &uuid)
{
	for (std::uint8_t byte : uuid)
		if (byte)
			return false;
	return true;
}

}  // namespace sendctl
