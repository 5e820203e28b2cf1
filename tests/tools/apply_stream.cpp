#include "tests/tools/apply_stream.h"
#include "tests/tools/uuid_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "ctl/unique_fd.h"
#include "tests/tools/confined_path.h"
#include "tests/tools/copy_range.h"

namespace bsend::test {

namespace {

using sendctl::Error;
using sendctl::Result;
using sendctl::Status;
using sendctl::UniqueFd;

// Modes btrfs receive creates nodes with; CHMOD commands set the real ones.
constexpr mode_t kNewFileMode = 0600;
constexpr mode_t kNewDirMode = 0700;
// A new subvolume's root directory, as btrfs makes it.
constexpr mode_t kSubvolumeMode = 0755;

std::string quoted(std::string_view text)
{
	return "\"" + std::string(text) + "\"";
}

// A failed call. what is built before the call, so errno is still the call's.
Error call_failed(const Command& command, const std::string& what)
{
	int errnum = errno;
	return Error{errnum, what + ": " + std::strerror(errnum) + " (" + command.where() + ")"};
}

Error refused(const Command& command, int errnum, const std::string& what)
{
	return Error{errnum, what + " (" + command.where() + ")"};
}

class StreamApplier {
public:
	explicit StreamApplier(UniqueFd dest) : dest_(std::move(dest)) {}

	Status apply(const Command& command);
	ApplyStats& stats() { return stats_; }

private:
	Status start_subvolume(const Command& command);
	void end_stream();
	Status make_node(const Command& command);
	Status rename(const Command& command);
	Status link(const Command& command);
	Status remove(const Command& command);
	Status set_xattr(const Command& command);
	Status remove_xattr(const Command& command);
	Status write(const Command& command);
	Status clone(const Command& command);
	Status truncate(const Command& command);
	Status chmod(const Command& command);
	Status chown(const Command& command);
	Status utimes(const Command& command);

	// The parent directory and last name of a path attribute, checked and
	// opened beneath the subvolume directory.
	Result<ParentDir> resolve(const Command& command, uint16_t attribute);
	// The file at the command's PATH, open for writing; kept open while
	// commands go on writing to the same path.
	Result<int> file_for_writing(const Command& command);

	UniqueFd dest_;
	UniqueFd subvolume_;		// between a SUBVOL and its stream's END
	Uuid subvolume_uuid_{};
	std::string write_path_;
	UniqueFd write_file_;
	ApplyStats stats_;
};

Status StreamApplier::apply(const Command& command)
{
	stats_.commands++;
	uint16_t number = command.number();
	// A cached fd could name another inode after any other command.
	if (number != BSEND_SEND_C_WRITE && number != BSEND_SEND_C_CLONE && number != BSEND_SEND_C_TRUNCATE) {
		write_file_.reset();
		write_path_.clear();
	}
	switch (number) {
	case BSEND_SEND_C_SUBVOL:
		return start_subvolume(command);
	case BSEND_SEND_C_SNAPSHOT:
		return refused(command, ENOTSUP, "incremental streams are not supported by the reference applier");
	case BSEND_SEND_C_END:
		end_stream();
		return sendctl::success();
	default:
		break;
	}
	if (!subvolume_.valid())
		return refused(command, EINVAL, "command before SUBVOL");
	switch (number) {
	case BSEND_SEND_C_MKFILE:
	case BSEND_SEND_C_MKDIR:
	case BSEND_SEND_C_MKNOD:
	case BSEND_SEND_C_MKFIFO:
	case BSEND_SEND_C_MKSOCK:
	case BSEND_SEND_C_SYMLINK:
		return make_node(command);
	case BSEND_SEND_C_RENAME:
		return rename(command);
	case BSEND_SEND_C_LINK:
		return link(command);
	case BSEND_SEND_C_UNLINK:
	case BSEND_SEND_C_RMDIR:
		return remove(command);
	case BSEND_SEND_C_SET_XATTR:
		return set_xattr(command);
	case BSEND_SEND_C_REMOVE_XATTR:
		return remove_xattr(command);
	case BSEND_SEND_C_WRITE:
		return write(command);
	case BSEND_SEND_C_CLONE:
		return clone(command);
	case BSEND_SEND_C_TRUNCATE:
		return truncate(command);
	case BSEND_SEND_C_CHMOD:
		return chmod(command);
	case BSEND_SEND_C_CHOWN:
		return chown(command);
	case BSEND_SEND_C_UTIMES:
		return utimes(command);
	case BSEND_SEND_C_UPDATE_EXTENT:
		// Only sent with BTRFS_SEND_FLAG_NO_FILE_DATA: nothing to write.
		return sendctl::success();
	default:
		// v2's FALLOCATE, FILEATTR and ENCODED_WRITE: not applied here.
		return refused(command, EINVAL, "unexpected command");
	}
}

Status StreamApplier::start_subvolume(const Command& command)
{
	if (subvolume_.valid())
		return refused(command, EINVAL, "a second SUBVOL in one stream");
	std::string_view name = command.bytes(BSEND_SEND_A_PATH);
	if (const char* refusal = path_refusal(name))
		return refused(command, EINVAL, "path " + quoted(name) + " " + refusal);
	if (name.empty() || name.find('/') != std::string_view::npos)
		return refused(command, EINVAL, "subvolume name " + quoted(name) + " is not a single name");
	std::string path(name);
	std::string what = "cannot create subvolume directory " + quoted(name);
	if (::mkdirat(dest_.get(), path.c_str(), kSubvolumeMode) != 0)
		return call_failed(command, what);
	subvolume_.reset(::openat(dest_.get(), path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (!subvolume_.valid())
		return call_failed(command, what);
	subvolume_uuid_ = command.uuid(BSEND_SEND_A_UUID);
	stats_.subvolumes.push_back({path, subvolume_uuid_, command.u64(BSEND_SEND_A_CTRANSID)});
	return sendctl::success();
}

void StreamApplier::end_stream()
{
	subvolume_.reset();
	subvolume_uuid_ = {};
}

Result<ParentDir> StreamApplier::resolve(const Command& command, uint16_t attribute)
{
	std::string_view path = command.bytes(attribute);
	if (const char* refusal = path_refusal(path))
		return refused(command, EINVAL, "path " + quoted(path) + " " + refusal);
	auto parent = open_parent(subvolume_.get(), path);
	if (!parent.ok())
		return refused(command, parent.error().errnum, parent.error().message);
	return parent;
}

Status StreamApplier::make_node(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	int dir = parent.value().dir.get();
	const char* name = parent.value().name.c_str();
	std::string path = quoted(command.bytes(BSEND_SEND_A_PATH));
	switch (command.number()) {
	case BSEND_SEND_C_MKFILE: {
		std::string what = "cannot create file " + path;
		int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
		UniqueFd file(::openat(dir, name, flags, kNewFileMode));
		if (!file.valid())
			return call_failed(command, what);
		return sendctl::success();
	}
	case BSEND_SEND_C_MKDIR: {
		std::string what = "cannot create directory " + path;
		if (::mkdirat(dir, name, kNewDirMode) != 0)
			return call_failed(command, what);
		return sendctl::success();
	}
	case BSEND_SEND_C_MKNOD: {
		std::string what = "cannot create device node " + path;
		std::string hint = what + " (making device nodes needs root, CAP_MKNOD)";
		mode_t type = static_cast<mode_t>(command.u64(BSEND_SEND_A_MODE)) & S_IFMT;
		dev_t rdev = static_cast<dev_t>(command.u64(BSEND_SEND_A_RDEV));
		if (::mknodat(dir, name, type, rdev) != 0)
			return call_failed(command, errno == EPERM ? hint : what);
		return sendctl::success();
	}
	case BSEND_SEND_C_MKFIFO: {
		std::string what = "cannot create fifo " + path;
		if (::mkfifoat(dir, name, kNewFileMode) != 0)
			return call_failed(command, what);
		return sendctl::success();
	}
	case BSEND_SEND_C_MKSOCK: {
		std::string what = "cannot create socket " + path;
		if (::mknodat(dir, name, S_IFSOCK | kNewFileMode, 0) != 0)
			return call_failed(command, what);
		return sendctl::success();
	}
	default: {
		std::string_view target = command.bytes(BSEND_SEND_A_PATH_LINK);
		if (target.find('\0') != std::string_view::npos)
			return refused(command, EINVAL, "symlink target " + quoted(target) + " has a NUL byte");
		std::string what = "cannot create symlink " + path + " -> " + quoted(target);
		if (::symlinkat(std::string(target).c_str(), dir, name) != 0)
			return call_failed(command, what);
		return sendctl::success();
	}
	}
}

Status StreamApplier::rename(const Command& command)
{
	auto from = resolve(command, BSEND_SEND_A_PATH);
	if (!from.ok())
		return from.error();
	auto to = resolve(command, BSEND_SEND_A_PATH_TO);
	if (!to.ok())
		return to.error();
	std::string what = "cannot rename " + quoted(command.bytes(BSEND_SEND_A_PATH)) + " to " +
			   quoted(command.bytes(BSEND_SEND_A_PATH_TO));
	if (::renameat(from.value().dir.get(), from.value().name.c_str(), to.value().dir.get(),
		       to.value().name.c_str()) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

// The new name is PATH; the inode it links to is the one at PATH_LINK.
Status StreamApplier::link(const Command& command)
{
	auto existing = resolve(command, BSEND_SEND_A_PATH_LINK);
	if (!existing.ok())
		return existing.error();
	auto created = resolve(command, BSEND_SEND_A_PATH);
	if (!created.ok())
		return created.error();
	std::string what = "cannot link " + quoted(command.bytes(BSEND_SEND_A_PATH)) + " to " +
			   quoted(command.bytes(BSEND_SEND_A_PATH_LINK));
	if (::linkat(existing.value().dir.get(), existing.value().name.c_str(), created.value().dir.get(),
		     created.value().name.c_str(), 0) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

Status StreamApplier::remove(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	bool directory = command.number() == BSEND_SEND_C_RMDIR;
	std::string what = (directory ? "cannot remove directory " : "cannot unlink ") +
			   quoted(command.bytes(BSEND_SEND_A_PATH));
	if (::unlinkat(parent.value().dir.get(), parent.value().name.c_str(), directory ? AT_REMOVEDIR : 0) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

Status StreamApplier::set_xattr(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	std::string_view name = command.bytes(BSEND_SEND_A_XATTR_NAME);
	std::string_view value = command.bytes(BSEND_SEND_A_XATTR_DATA);
	if (name.find('\0') != std::string_view::npos)
		return refused(command, EINVAL, "xattr name " + quoted(name) + " has a NUL byte");
	std::string what = "cannot set xattr " + quoted(name) + " of " + quoted(command.bytes(BSEND_SEND_A_PATH));
	if (::lsetxattr(parent.value().proc_path().c_str(), std::string(name).c_str(), value.data(), value.size(),
			0) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

Status StreamApplier::remove_xattr(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	std::string_view name = command.bytes(BSEND_SEND_A_XATTR_NAME);
	if (name.find('\0') != std::string_view::npos)
		return refused(command, EINVAL, "xattr name " + quoted(name) + " has a NUL byte");
	std::string what =
		"cannot remove xattr " + quoted(name) + " of " + quoted(command.bytes(BSEND_SEND_A_PATH));
	if (::lremovexattr(parent.value().proc_path().c_str(), std::string(name).c_str()) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

Result<int> StreamApplier::file_for_writing(const Command& command)
{
	std::string_view path = command.bytes(BSEND_SEND_A_PATH);
	if (write_file_.valid() && write_path_ == path)
		return write_file_.get();
	write_file_.reset();
	write_path_.clear();
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	std::string what = "cannot open " + quoted(path) + " for writing";
	UniqueFd file(::openat(parent.value().dir.get(), parent.value().name.c_str(),
			       O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
	if (!file.valid())
		return call_failed(command, what);
	write_file_ = std::move(file);
	write_path_ = std::string(path);
	return write_file_.get();
}

Status StreamApplier::write(const Command& command)
{
	auto file = file_for_writing(command);
	if (!file.ok())
		return file.error();
	std::string_view data = command.bytes(BSEND_SEND_A_DATA);
	uint64_t offset = command.u64(BSEND_SEND_A_FILE_OFFSET);
	std::string what =
		"cannot write " + quoted(command.bytes(BSEND_SEND_A_PATH)) + " at " + std::to_string(offset);
	for (size_t done = 0; done < data.size();) {
		ssize_t written = ::pwrite(file.value(), data.data() + done, data.size() - done,
					   static_cast<off_t>(offset + done));
		if (written < 0 && errno == EINTR)
			continue;
		if (written < 0)
			return call_failed(command, what);
		done += static_cast<size_t>(written);
	}
	stats_.bytes_written += data.size();
	return sendctl::success();
}

// btrfs receive clones extents with BTRFS_IOC_CLONE_RANGE; here the bytes
// are copied, holes kept, from a file of this stream's subvolume.
Status StreamApplier::clone(const Command& command)
{
	Uuid source_subvolume = command.uuid(BSEND_SEND_A_CLONE_UUID);
	if (source_subvolume != subvolume_uuid_)
		return refused(command, EXDEV,
			       "clone source outside the stream: subvolume " + uuid_text(source_subvolume.data()) +
				       " is not the stream's " + uuid_text(subvolume_uuid_.data()));
	auto destination = file_for_writing(command);
	if (!destination.ok())
		return destination.error();
	auto parent = resolve(command, BSEND_SEND_A_CLONE_PATH);
	if (!parent.ok())
		return parent.error();
	std::string source_path = quoted(command.bytes(BSEND_SEND_A_CLONE_PATH));
	std::string what = "cannot open clone source " + source_path;
	UniqueFd source(::openat(parent.value().dir.get(), parent.value().name.c_str(),
				 O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (!source.valid())
		return call_failed(command, what);
	auto copied = copy_range_keeping_holes(source.get(), command.u64(BSEND_SEND_A_CLONE_OFFSET),
					       destination.value(), command.u64(BSEND_SEND_A_FILE_OFFSET),
					       command.u64(BSEND_SEND_A_CLONE_LEN));
	if (!copied.ok())
		return refused(command, copied.error().errnum,
			       "cannot clone " + source_path + " into " +
				       quoted(command.bytes(BSEND_SEND_A_PATH)) + ": " + copied.error().message);
	stats_.bytes_cloned += copied.value();
	return sendctl::success();
}

Status StreamApplier::truncate(const Command& command)
{
	auto file = file_for_writing(command);
	if (!file.ok())
		return file.error();
	uint64_t size = command.u64(BSEND_SEND_A_SIZE);
	std::string what =
		"cannot truncate " + quoted(command.bytes(BSEND_SEND_A_PATH)) + " to " + std::to_string(size);
	if (::ftruncate(file.value(), static_cast<off_t>(size)) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

// A symlink has no permissions of its own on Linux, and chmod would change
// its target's, so a CHMOD of a symlink changes nothing.
Status StreamApplier::chmod(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	int dir = parent.value().dir.get();
	const char* name = parent.value().name.c_str();
	std::string what = "cannot chmod " + quoted(command.bytes(BSEND_SEND_A_PATH));
	struct stat st;
	if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return call_failed(command, what);
	if (S_ISLNK(st.st_mode))
		return sendctl::success();
	mode_t mode = static_cast<mode_t>(command.u64(BSEND_SEND_A_MODE)) & 07777;
	if (::fchmodat(dir, name, mode, 0) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

Status StreamApplier::chown(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	auto uid = static_cast<uid_t>(command.u64(BSEND_SEND_A_UID));
	auto gid = static_cast<gid_t>(command.u64(BSEND_SEND_A_GID));
	std::string what = "cannot chown " + quoted(command.bytes(BSEND_SEND_A_PATH));
	if (::fchownat(parent.value().dir.get(), parent.value().name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

// The ctime cannot be set; like btrfs receive, only atime and mtime are.
Status StreamApplier::utimes(const Command& command)
{
	auto parent = resolve(command, BSEND_SEND_A_PATH);
	if (!parent.ok())
		return parent.error();
	Timespec atime = command.timespec(BSEND_SEND_A_ATIME);
	Timespec mtime = command.timespec(BSEND_SEND_A_MTIME);
	struct timespec times[2] = {
		{static_cast<time_t>(atime.seconds), static_cast<long>(atime.nanoseconds)},
		{static_cast<time_t>(mtime.seconds), static_cast<long>(mtime.nanoseconds)},
	};
	std::string what = "cannot set the times of " + quoted(command.bytes(BSEND_SEND_A_PATH));
	if (::utimensat(parent.value().dir.get(), parent.value().name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
		return call_failed(command, what);
	return sendctl::success();
}

} // namespace

Result<ApplyStats> apply_stream(int input_fd, const std::string& dest)
{
	UniqueFd dest_dir(::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (!dest_dir.valid()) {
		int errnum = errno;
		return Error{errnum, "cannot open destination " + quoted(dest) + ": " + std::strerror(errnum)};
	}
	StreamReader reader(input_fd);
	StreamApplier applier(std::move(dest_dir));
	for (;;) {
		auto next = reader.next();
		if (!next.ok())
			return next.error();
		if (!next.value())
			break;
		if (auto applied = applier.apply(*next.value()); !applied.ok())
			return applied.error();
	}
	applier.stats().streams = reader.streams();
	return std::move(applier.stats());
}

} // namespace bsend::test
