// Why BSEND_IOC_SEND failed, in words: the errno table of uapi/bsend.h,
// read from the side of someone running "sendctl send".
#ifndef SENDCTL_SEND_ERRORS_H
#define SENDCTL_SEND_ERRORS_H

#include <cstdint>
#include <string>
#include <vector>

namespace sendctl {

// What the failed request was about, for naming things in the message.
struct SendRequestContext {
	std::string subvol;		// SUBVOL as the user wrote it
	std::uint32_t version = 0;	// stream version asked for; 0: highest
	std::uint64_t failed_ino = 0;	// the inode the module's error names
	// Devices of a degraded mount that the send went without.
	std::vector<std::uint64_t> missing_devids = {};
};

// The cause of errnum, e.g. "/mnt/a is not on a btrfs filesystem".
std::string send_failure_cause(int errnum, const SendRequestContext &request);

}  // namespace sendctl

#endif
