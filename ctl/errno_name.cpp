#include "ctl/errno_name.h"

#include <string.h>

namespace sendctl {

std::string errno_name(int errnum)
{
	if (errnum == 0)
		return "OK";
	const char *name = strerrorname_np(errnum);
	if (!name)
		return "errno " + std::to_string(errnum);
	return name;
}

std::string errno_description(int errnum)
{
	return errno_name(errnum) + ": " + strerror(errnum);
}

}  // namespace sendctl
