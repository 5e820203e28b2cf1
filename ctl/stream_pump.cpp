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
	pump->copy_->read_end.reset(fds[0]);
	pump->write_end_.reset(fds[1]);
	pump->thread_ = std::thread([copy = pump->copy_] {
		copy->run();
		copy->mark_done();
	});
	return pump;
}

StreamPump::~StreamPump()
{
	write_end_.reset();
	if (thread_.joinable())
		thread_.join();
}

void StreamPump::Copy::mark_done()
{
	std::lock_guard<std::mutex> guard(lock);
	done = true;
	ended.notify_all();
}

void StreamPump::Copy::run()
{
	if (splice_to_output())
		return;
	std::vector<char> buffer(kPipeBytes);
	while (true) {
		ssize_t n = read(read_end.get(), buffer.data(), buffer.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				copy_errno = errno;
			break;
		}
		for (ssize_t moved = 0; moved < n;) {
			ssize_t written = write(output_fd, buffer.data() + moved, n - moved);
			if (written < 0 && errno == EINTR)
				continue;
			if (written < 0) {
				stop_copying(errno);
				return;
			}
			moved += written;
			bytes.fetch_add(static_cast<std::uint64_t>(written), std::memory_order_relaxed);
		}
	}
}

bool StreamPump::Copy::splice_to_output()
{
	while (true) {
		ssize_t moved = splice(read_end.get(), nullptr, output_fd, nullptr, kPipeBytes,
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
		bytes.fetch_add(static_cast<std::uint64_t>(moved), std::memory_order_relaxed);
	}
}

void StreamPump::Copy::stop_copying(int errnum)
{
	copy_errno = errnum;
	// Closing our end makes the module's next write fail with EPIPE,
	// which ends the send.
	read_end.reset();
}

Status StreamPump::outcome() const
{
	// btrfs send's words, and its exit status: the errno.
	if (copy_->copy_errno)
		return Error{copy_->copy_errno,
			     std::string("failed to read stream from kernel: ") + std::strerror(copy_->copy_errno),
			     copy_->copy_errno};
	return success();
}

Status StreamPump::finish()
{
	write_end_.reset();
	if (thread_.joinable())
		thread_.join();
	return outcome();
}

Status StreamPump::finish_failed(std::chrono::milliseconds grace)
{
	write_end_.reset();
	{
		std::unique_lock<std::mutex> guard(copy_->lock);
		if (!copy_->ended.wait_for(guard, grace, [this] { return copy_->done; })) {
			// Blocked on an output nobody reads: the thread keeps its
			// share of the copy until the process exits.
			thread_.detach();
			return success();
		}
	}
	thread_.join();
	return outcome();
}

}  // namespace sendctl
