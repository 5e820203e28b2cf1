#include "ctl/output.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace sendctl {
namespace {

// An existing file is opened without O_CREAT first: that works on a
// pre-created file where creating one is not allowed (NFS, sticky dirs).
int open_output_file(const std::string &file)
{
	int fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = ::open(file.c_str(),
			    O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
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
		fd.reset(open_output_file(file));
		if (!fd.valid()) {
			int errnum = errno;
			return Error{errnum, "cannot create '" + file +
						     "': " + strerror(errnum)};
		}
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
