// The kernel's policy for opening, with O_CREAT, a file that already exists
// in a sticky directory (fs.protected_regular, fs.protected_fifos; the
// kernel's may_create_in_sticky). "sendctl send -f" opens an existing file
// without O_CREAT, as btrfs send does, so that a file pre-created where
// creating one is not allowed (NFS) still works; it applies this policy
// itself so that the open cannot write root's stream into a file, or block
// on a FIFO, that another user planted in /tmp.
#ifndef SENDCTL_STICKY_POLICY_H
#define SENDCTL_STICKY_POLICY_H

#include <string>

#include <sys/types.h>

namespace sendctl {

// What the policy looks at: the directory, the file and who opens it.
struct StickyOpen {
	mode_t dir_mode = 0;
	uid_t dir_uid = 0;
	mode_t file_mode = 0;	// st_mode: the type decides the sysctl
	uid_t file_uid = 0;
	uid_t caller_uid = 0;	// the opener's fsuid
	int protected_regular = 0;	// fs.protected_regular
	int protected_fifos = 0;	// fs.protected_fifos
};

// The sysctl that refuses the open ("fs.protected_regular" or
// "fs.protected_fifos"), or an empty string when the kernel would allow it.
std::string sticky_refusal(const StickyOpen &open);

// The value of the sysctl NAME ("fs.protected_regular"), 0 when it cannot
// be read (a kernel without it enforces nothing).
int read_sysctl(const std::string &name);

}  // namespace sendctl

#endif
