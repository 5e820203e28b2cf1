#include "ctl/send_errors.h"

#include <cerrno>

#include "ctl/devices.h"


namespace sendctl {

std::string send_failure_cause(int errnum, const SendRequestContext &request)
{
	const std::string &subvol = request.subvol;

	switch (errnum) {
	case EPERM:
		return "permission denied: sending needs CAP_SYS_ADMIN, and " +
		       subvol + ", its parent and clone sources must be"
		       " read-only subvolumes";
	case ENOENT:
		return "the parent or a clone source is not a subvolume of the"
		       " filesystem of " + subvol;
	case EINVAL:
		return "the bsend module rejected the request: " + subvol +
		       " is not the root directory of a subvolume, or an"
		       " argument is out of range (reserved field set,"
		       " compressed data below stream version 2, too many"
		       " clone sources or devices)";
	case EOPNOTSUPP:
		return "the bsend module does not know a requested send flag"
		       " (see 'sendctl info')";
	case EPROTO:
		return "the bsend module cannot write stream version " +
		       std::to_string(request.version) +
		       " (see 'sendctl info' for the versions it writes)";
	case EFAULT:
		return "the bsend module could not read the clone source or"
		       " device lists (a bug in sendctl)";
	case EBADF:
		return "a file descriptor passed to the bsend module is not"
		       " open, or the output is not open for writing";
	case EMEDIUMTYPE:
		return subvol + " is not on a btrfs filesystem";
	case ENOTBLK:
		return "a device passed for the filesystem of " + subvol +
		       " is not a block device";
	case EXDEV:
		return "a device passed holds no btrfs superblock of the"
		       " filesystem of " + subvol + ", or is not one the"
		       " mounted filesystem has open (a copy of a device? was"
		       " a device replaced or removed?)";
	case ENODEV:
		if (!request.missing_devids.empty())
			return "a tree block of the filesystem of " + subvol +
			       " has no copy bsend can read or rebuild without"
			       " device " + devid_list(request.missing_devids) +
			       " (missing from the degraded mount; the kernel"
			       " log names the block)";
		return "the devices passed do not cover all devices of the"
		       " filesystem of " + subvol + ", or one is passed twice";
	case EUCLEAN:
		return "the filesystem of " + subvol + " has corrupt metadata"
		       " (a superblock or tree block fails its checks; the"
		       " kernel log names the block)";
	case ESTALE:
		return "the filesystem of " + subvol + " changed under the"
		       " send" +
		       (request.failed_ino ? " (subvolume or inode " + std::to_string(request.failed_ino) + ")"
					   : std::string()) +
		       ": the snapshot, its parent or a clone source was made"
		       " read-write, written or deleted, or a device of the"
		       " filesystem was removed or replaced, during the send"
		       " (the kernel log says what); its stream has no END";
	case ENOTRECOVERABLE:
		return "bsend cannot send this change" +
		       (request.failed_ino ? ", ino " + std::to_string(request.failed_ino) : std::string()) +
		       ": a limit of bsend, not damage to the filesystem (the"
		       " kernel log says what; please report it)";
	case EPIPE:
		return "the reader of the stream went away before the send"
		       " ended";
	case ENOTTY:
		return "/dev/bsend does not know BSEND_IOC_SEND: sendctl and"
		       " the bsend module do not match";
	case ENOMEM:
		return "the bsend module ran out of memory";
	case EINTR:
		return "the send was interrupted by a signal";
	case ECANCELED:
		return "the send was cancelled (sendctl cancel); its stream has"
		       " no END, so receive rejects it";
	default:
		return "the bsend module failed the send";
	}
}

}  // namespace sendctl
