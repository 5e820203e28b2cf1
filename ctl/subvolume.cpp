#include "ctl/subvolume.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>

namespace sendctl {
namespace {

// "WHAT NAMED: strerror" for the errno of the call that just failed.
Error system_error(const char *what, const std::string &named)
{
	int errnum = errno;
	return Error{errnum, std::string(what) + " " + named + ": " +
				     strerror(errnum)};
}

// The id of the subvolume whose root directory fd is: INO_LOOKUP with
// treeid 0 answers with the fd's own tree, and for the root directory
// (BTRFS_FIRST_FREE_OBJECTID) it needs no privilege.
int lookup_root_id(int fd, std::uint64_t *root_id)
{
	btrfs_ioctl_ino_lookup_args args = {};
	args.treeid = 0;
	args.objectid = BTRFS_FIRST_FREE_OBJECTID;
	if (::ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) < 0)
		return errno;
	*root_id = args.treeid;
	return 0;
}

// The uuids and ctransid of the subvolume whose root directory fd is:
// GET_SUBVOL_INFO needs no privilege either.
int read_uuids(int fd, SubvolumeIdentity *identity)
{
	btrfs_ioctl_get_subvol_info_args info = {};
	if (::ioctl(fd, BTRFS_IOC_GET_SUBVOL_INFO, &info) < 0)
		return errno;
	static_assert(sizeof(info.uuid) == sizeof(identity->uuid));
	static_assert(sizeof(info.parent_uuid) == sizeof(identity->parent_uuid));
	std::memcpy(identity->uuid.data(), info.uuid, sizeof(info.uuid));
	std::memcpy(identity->parent_uuid.data(), info.parent_uuid,
		    sizeof(info.parent_uuid));
	identity->ctransid = info.ctransid;
	return 0;
}

}  // namespace

Result<Subvolume> open_subvolume(const std::string &path)
{
	Subvolume subvol;
	subvol.fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOATIME | O_CLOEXEC));
	if (!subvol.fd.valid())
		return system_error("cannot open", path);
	int errnum = lookup_root_id(subvol.fd.get(), &subvol.identity.root_id);
	if (errnum)
		return Error{errnum, "cannot resolve rootid for " + path};
	errnum = read_uuids(subvol.fd.get(), &subvol.identity);
	if (errnum)
		return Error{errnum, "cannot read the uuids of " + path +
					     " (BTRFS_IOC_GET_SUBVOL_INFO): " +
					     strerror(errnum)};
	btrfs_ioctl_fs_info_args info = {};
	if (::ioctl(subvol.fd.get(), BTRFS_IOC_FS_INFO, &info) < 0)
		return system_error("cannot read the filesystem id of", path);
	static_assert(sizeof(info.fsid) == sizeof(subvol.fsid));
	std::memcpy(subvol.fsid.data(), info.fsid, sizeof(info.fsid));
	return subvol;
}

}  // namespace sendctl
