// The checks btrfs send (btrfs-progs cmds/send.c) makes on the paths it is
// given, with the same system calls, so that sendctl fails where it fails
// and for the same reason.
#ifndef SENDCTL_SEND_PATHS_H
#define SENDCTL_SEND_PATHS_H

#include <cstdint>
#include <string>

namespace sendctl {

// realpath(3): 0 and the absolute path, or the errno.
int resolve_path(const std::string &path, std::string *resolved);

// The mount point that holds path, as btrfs-progs' find_mount_root finds
// it: the longest mount directory of /proc/self/mounts that contains path.
// 0 when it is a btrfs mount (*root: its real path), 1 when it is not
// btrfs, or a negative errno (path cannot be opened, no mount holds it).
int find_mount_root(const std::string &path, std::string *root);

// How a subvolume's read-only flag was looked up (btrfs-progs'
// is_subvol_ro): opened, then BTRFS_IOC_SUBVOL_GETFLAGS, which fails with
// EINVAL on anything but a subvolume's root directory.
enum class FlagsLookup {
	kDone,			// *readonly is the answer
	kOpenFailed,		// "cannot open PATH: ..."
	kGetFlagsFailed,	// "failed to get flags for subvolume PATH: ..."
};
// Returns how far it got; *errnum is the errno of the step that failed.
FlagsLookup read_only_flag(const std::string &path, bool *readonly, int *errnum);

// path with the mount point root taken off the front, as btrfs-progs'
// subvol_strip_mountpoint does; false when path is not below root (btrfs
// send then fails with "not on mount point: ROOT").
bool strip_mount_point(const std::string &root, const std::string &path, std::string *rest);

// Whether path is root or lies under it (both real paths).
bool is_in_directory(const std::string &root, const std::string &path);

}  // namespace sendctl

#endif
