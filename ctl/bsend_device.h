// The /dev/bsend misc device and its one ioctl.
#ifndef SENDCTL_BSEND_DEVICE_H
#define SENDCTL_BSEND_DEVICE_H

#include "ctl/result.h"
#include "ctl/unique_fd.h"
#include "uapi/bsend.h"

namespace sendctl {

constexpr const char *kBsendDevicePath = "/dev/" BSEND_DEVICE_NAME;

// What sendctl tells a user whose kernel has no bsend loaded (no /dev/bsend,
// no generic netlink family).
#define SENDCTL_LOAD_MODULE_HINT                                            \
	"load it with 'modprobe bsend' (the bsend-dkms package builds it for" \
	" every installed kernel) or insmod a bsend.ko built from source"

Result<UniqueFd> open_bsend_device();

// Issues BSEND_IOC_SEND; returns 0 or the errno it failed with.
int bsend_send(int bsend_fd, bsend_ioctl_send_args &args);

}  // namespace sendctl

#endif
