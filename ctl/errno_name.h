// The symbolic name of an errno value, for messages and test output.
#ifndef SENDCTL_ERRNO_NAME_H
#define SENDCTL_ERRNO_NAME_H

#include <string>

namespace sendctl {

// "EBADF" for EBADF, "OK" for 0, "errno 4095" for a value without a name.
std::string errno_name(int errnum);

// "EBADF: Bad file descriptor": the name and the C library's text.
std::string errno_description(int errnum);

}  // namespace sendctl

#endif
