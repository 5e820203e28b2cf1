#include "ctl/send_paths.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <mntent.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/btrfs.h>

#include "ctl/unique_fd.h"

namespace sendctl {

int resolve_path(const std::string &path, std::string *resolved)
{
	char *real = ::realpath(path.c_str(), nullptr);
	if (!real)
		return errno;
	*resolved = real;
	std::free(real);
	return 0;
}

bool is_in_directory(const std::string &root, const std::string &path)
{
	if (root == "/")
		return !path.empty() && path[0] == '/';
	return path == root ||
	       (path.compare(0, root.size(), root) == 0 && path.size() > root.size() &&
		path[root.size()] == '/');
}

int find_mount_root(const std::string &path, std::string *root)
{
	UniqueFd probe(::open(path.c_str(), O_RDONLY | O_NOATIME | O_CLOEXEC));
	if (!probe.valid())
		return -errno;
	probe.reset();

	FILE *mounts = ::setmntent("/proc/self/mounts", "r");
	if (!mounts)
		return -errno;
	std::string longest;
	bool found = false;
	bool is_btrfs = false;
	while (const mntent *entry = ::getmntent(mounts)) {
		std::string dir = entry->mnt_dir;
		// The last of equally long matches wins, as in btrfs-progs.
		if (is_in_directory(dir, path) && dir.size() >= longest.size()) {
			longest = dir;
			found = true;
			is_btrfs = std::strcmp(entry->mnt_type, "btrfs") == 0;
		}
	}
	::endmntent(mounts);
	if (!found)
		return -ENOENT;
	if (!is_btrfs)
		return 1;
	int errnum = resolve_path(longest, root);
	return errnum ? -errnum : 0;
}

FlagsLookup read_only_flag(const std::string &path, bool *readonly, int *errnum)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOATIME | O_CLOEXEC));
	if (!fd.valid()) {
		*errnum = errno;
		return FlagsLookup::kOpenFailed;
	}
	std::uint64_t flags = 0;
	if (::ioctl(fd.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0) {
		*errnum = errno;
		return FlagsLookup::kGetFlagsFailed;
	}
	*readonly = flags & BTRFS_SUBVOL_RDONLY;
	*errnum = 0;
	return FlagsLookup::kDone;
}

bool strip_mount_point(const std::string &root, const std::string &path, std::string *rest)
{
	if (root.empty()) {
		*rest = path;
		return true;
	}
	// As btrfs-progs checks it: the mount point itself is not "on" it
	// unless it is "/".
	if (path.compare(0, root.size(), root) != 0 ||
	    (root.size() > 1 && (path.size() <= root.size() || path[root.size()] != '/')))
		return false;
	std::size_t skip = root.back() == '/' ? root.size() : root.size() + 1;
	*rest = skip < path.size() ? path.substr(skip) : std::string();
	return true;
}

}  // namespace sendctl
