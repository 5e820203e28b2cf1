#include "ctl/clock_text.h"

#include <cstdio>

namespace sendctl {

std::string clock_text(std::uint64_t seconds)
{
	char text[32];
	std::snprintf(text, sizeof(text), "%llu:%02llu:%02llu",
		      static_cast<unsigned long long>(seconds / 3600),
		      static_cast<unsigned long long>(seconds / 60 % 60),
		      static_cast<unsigned long long>(seconds % 60));
	return text;
}

}  // namespace sendctl
