#include "ctl/sticky_policy.h"

#include <fstream>

#include <sys/stat.h>

namespace sendctl {

std::string sticky_refusal(const StickyOpen &open)
{
	bool regular = S_ISREG(open.file_mode);
	bool fifo = S_ISFIFO(open.file_mode);
	int level = regular ? open.protected_regular
		  : fifo    ? open.protected_fifos
			    : 0;
	if (!(open.dir_mode & S_ISVTX) || level == 0 ||
	    open.file_uid == open.dir_uid || open.file_uid == open.caller_uid)
		return "";
	// World-writable, or group-writable at level 2.
	if ((open.dir_mode & S_IWOTH) || (level >= 2 && (open.dir_mode & S_IWGRP)))
		return regular ? "fs.protected_regular" : "fs.protected_fifos";
	return "";
}

int read_sysctl(const std::string &name)
{
	std::string path = "/proc/sys/" + name;
	for (char &c : path)
		if (c == '.')
			c = '/';
	std::ifstream in(path);
	int value = 0;
	if (!(in >> value))
		return 0;
	return value;
}

}  // namespace sendctl
