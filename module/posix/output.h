// The POSIX hosts' stream destination: a file descriptor.
#pragma once

#include "module/core/platform.h"

struct bsend_host_out {
	int fd = -1;
};
