#include "ctl/stream_pump.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace sendctl {

namespace {

constexpr int kPipeBytes = 1 << 20;

}  // namespace

Result<StreamPump *> StreamPump::start(int output_fd)
{
	// SIGPIPE keeps the disposition sendctl was started with, as btrfs
	// send's: by default a reader that goes away kills it; where SIGPIPE is
	// ignored, the copy ends with EPIPE.
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return Error{errno, std::string("cannot create the stream pipe: ") + std::strerror(errno)};
	// A pipe of 1 MiB (the most an unprivileged process may ask for, by
	// default) rather than 64 KiB: the module and this thread then wake each
	// other once a megabyte, not sixteen times. Where it is refused, the
	// pipe keeps its size.
	fcntl(fds[1], F_SETPIPE_SZ, kPipeBytes);
	auto *pump = new StreamPump(output_fd);
	pump->read_end_.reset(fds[0]);
	pump->write_end_.reset(fds[1]);
	pump->thread_ = std::thread(&StreamPump::copy, pump);
	return pump;
}

StreamPump::~StreamPump()
{
	write_end_.reset();
	if (thread_.joinable())
		thread_.join();
}

void StreamPump::copy()
{
	if (splice_to_output())
		return;
	std::vector<char> buffer(kPipeBytes);
	while (true) {
		ssize_t n = read(read_end_.get(), buffer.data(), buffer.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				copy_errno_ = errno;
			break;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t written = write(output_fd_, buffer.data() + done, n - done);
			if (written < 0 && errno == EINTR)
				continue;
			if (written < 0) {
				stop_copying(errno);
				return;
			}
			done += written;
			bytes_.fetch_add(static_cast<std::uint64_t>(written), std::memory_order_relaxed);
		}
	}
}

bool StreamPump::splice_to_output()
{
	while (true) {
		ssize_t moved = splice(read_end_.get(), nullptr, output_fd_, nullptr, kPipeBytes,
				       SPLICE_F_MOVE | SPLICE_F_MORE);
		if (moved < 0 && errno == EINTR)
			continue;
		// An output that splice() does not serve (a terminal, a file
		// opened for appending) refuses it before taking any byte; the
		// copy goes on through a buffer.
		if (moved < 0 && errno == EINVAL)
			return false;
		if (moved < 0) {
			stop_copying(errno);
			return true;
		}
		if (moved == 0)
			return true;
		bytes_.fetch_add(static_cast<std::uint64_t>(moved), std::memory_order_relaxed);
	}
}

void StreamPump::stop_copying(int errnum)
{
	copy_errno_ = errnum;
	// Closing our end makes the module's next write fail with EPIPE,
	// which ends the send.
	read_end_.reset();
}

Status StreamPump::finish()
{
	write_end_.reset();
	if (thread_.joinable())
		thread_.join();
	// btrfs send's words, and its exit status: the errno.
	if (copy_errno_)
		return Error{copy_errno_,
			     std::string("failed to read stream from kernel: ") + std::strerror(copy_errno_),
			     copy_errno_};
	return success();
}

}  // namespace sendctl
