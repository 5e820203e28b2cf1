#include "ctl/bsend_device.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/ioctl.h>

namespace sendctl {

Result<UniqueFd> open_bsend_device()
{
	UniqueFd fd(::open(kBsendDevicePath, O_RDWR | O_CLOEXEC));
	if (!fd.valid()) {
		int errnum = errno;
		std::string message = std::string("cannot open ") +
				      kBsendDevicePath + ": " + strerror(errnum);
		if (errnum == ENOENT)
			message += " (the bsend module is not loaded: "
				   SENDCTL_LOAD_MODULE_HINT ")";
		return Error{errnum, message};
	}
	return fd;
}

int bsend_send(int bsend_fd, bsend_ioctl_send_args &args)
{
	// On success the module fills in the out fields (stream_bytes...).
	if (::ioctl(bsend_fd, BSEND_IOC_SEND, &args) < 0)
		return errno;
	return 0;
}

}  // namespace sendctl
