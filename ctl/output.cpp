#include "ctl/output.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/sticky_policy.h"

namespace sendctl {
namespace {

Error open_error(const std::string &file, int errnum, const std::string &why = "")
{
	return Error{errnum, "cannot create '" + file + "': " + strerror(errnum) +
				     (why.empty() ? "" : " (" + why + ")")};
}

// Whether the kernel's sticky-directory policy refuses the file at
// file_fd, in the directory at dir_fd, to an O_CREAT open: then the open
// without O_CREAT must refuse it too.
Status check_sticky_policy(const std::string &file, int dir_fd, int file_fd,
			   const std::string &dir)
{
	struct stat dir_stat, file_stat;
	if (::fstat(dir_fd, &dir_stat) < 0 || ::fstat(file_fd, &file_stat) < 0)
		return open_error(file, errno);
	StickyOpen open;
	open.dir_mode = dir_stat.st_mode;
	open.dir_uid = dir_stat.st_uid;
	open.file_mode = file_stat.st_mode;
	open.file_uid = file_stat.st_uid;
	open.caller_uid = ::geteuid();
	open.protected_regular = read_sysctl("fs.protected_regular");
	open.protected_fifos = read_sysctl("fs.protected_fifos");
	std::string sysctl = sticky_refusal(open);
	if (sysctl.empty())
		return success();
	int level = S_ISREG(file_stat.st_mode) ? open.protected_regular
					       : open.protected_fifos;
	return open_error(file, EACCES,
			  std::string(S_ISREG(file_stat.st_mode) ? "a file" : "a FIFO") +
				  " of uid " + std::to_string(file_stat.st_uid) +
				  " in the sticky directory " + dir +
				  ", which others may write: " + sysctl + "=" +
				  std::to_string(level) +
				  " keeps it from anyone but its owner and the"
				  " directory's");
}

// An existing file, resolved to the file itself, checked against the
// sticky-directory policy through descriptors and reopened through its
// descriptor for writing, so that what was checked is what is written.
Result<UniqueFd> open_existing_file(const std::string &file, const std::string &resolved)
{
	std::string::size_type slash = resolved.rfind('/');
	std::string dir = slash == 0 ? "/" : resolved.substr(0, slash);
	UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (!dir_fd.valid())
		return open_error(file, errno);
	UniqueFd file_fd(::openat(dir_fd.get(), resolved.c_str() + slash + 1,
				  O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (!file_fd.valid())
		return open_error(file, errno);
	Status allowed = check_sticky_policy(file, dir_fd.get(), file_fd.get(), dir);
	if (!allowed.ok())
		return allowed.error();
	std::string by_fd = "/proc/self/fd/" + std::to_string(file_fd.get());
	UniqueFd fd(::open(by_fd.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
	if (!fd.valid() && errno == ENOENT)	// no /proc
		fd.reset(::open(resolved.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
	if (!fd.valid())
		return open_error(file, errno);
	return fd;
}

// An existing file is opened without O_CREAT first, as btrfs send does:
// that works on a pre-created file where creating one is not allowed
// (NFS), but a file the kernel would refuse to an O_CREAT open is refused
// (see ctl/sticky_policy.h). A missing one is created with mode 0600.
Result<UniqueFd> open_output_file(const std::string &file)
{
	char *resolved = ::realpath(file.c_str(), nullptr);
	if (resolved) {
		std::string path(resolved);
		::free(resolved);
		return open_existing_file(file, path);
	}
	if (errno != ENOENT)
		return open_error(file, errno);
	UniqueFd fd(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600));
	if (!fd.valid())
		return open_error(file, errno);
	return fd;
}

}  // namespace

Result<UniqueFd> open_stream_output(const std::string &file)
{
	UniqueFd fd;
	if (file.empty()) {
		fd.reset(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0));
		if (!fd.valid()) {
			int errnum = errno;
			return Error{errnum,
				     std::string("cannot use standard output: ") +
					     strerror(errnum)};
		}
	} else {
		auto opened = open_output_file(file);
		if (!opened.ok())
			return opened.error();
		fd = std::move(opened.value());
	}
	if (::isatty(fd.get()))
		return Error{ENOTTY, "not dumping send stream into a terminal,"
				     " redirect it into a file"};
	return fd;
}

Result<UniqueFd> open_stream_output_unless(bool dry_run, const std::string &file)
{
	if (dry_run)
		return UniqueFd();
	return open_stream_output(file);
}

}  // namespace sendctl
