#include "ctl/progress_display.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "ctl/genl_client.h"
#include "uapi/bsend.h"

namespace sendctl {

std::unique_ptr<ProgressDisplay> ProgressDisplay::start(int fd, const StreamPump &pump,
							std::uint64_t total_bytes)
{
	std::unique_ptr<ProgressDisplay> display(new ProgressDisplay(fd, pump, total_bytes));
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return nullptr;
	display->stop_read_.reset(fds[0]);
	display->stop_write_.reset(fds[1]);
	display->thread_ = std::thread(&ProgressDisplay::run, display.get());
	return display;
}

ProgressDisplay::~ProgressDisplay()
{
	stop();
}

void ProgressDisplay::stop()
{
	stop_write_.reset();	// wakes run() with end of file
	if (thread_.joinable())
		thread_.join();
}

ProgressSnapshot ProgressDisplay::snapshot()
{
	ProgressSnapshot now;
	now.bytes = pump_.bytes_copied();
	now.total_bytes = total_bytes_;
	now.elapsed_ns = static_cast<std::uint64_t>(
		std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started_)
			.count());
	std::lock_guard<std::mutex> guard(lock_);
	now.inodes = inodes_;
	return now;
}

void ProgressDisplay::draw(const std::string &line, bool last)
{
	// Back to the start of the line, the text, then clear what is left of
	// a longer earlier line.
	std::string text = "\r" + line + "\033[K" + (last ? "\n" : "");
	for (std::size_t done = 0; done < text.size();) {
		ssize_t n = write(fd_, text.data() + done, text.size() - done);
		if (n <= 0)
			return;
		done += static_cast<std::size_t>(n);
	}
}

void ProgressDisplay::run()
{
	// Without the module's events the line still shows everything but
	// the inodes.
	auto listener = ProgressListener::open();
	const std::uint32_t pid = static_cast<std::uint32_t>(getpid());
	while (true) {
		pollfd fds[2] = {{stop_read_.get(), POLLIN, 0}, {-1, POLLIN, 0}};
		if (listener.ok())
			fds[1].fd = listener.value()->fd();
		poll(fds, 2, BSEND_PROGRESS_INTERVAL_MS);
		if (fds[0].revents)
			return;
		if (listener.ok() && fds[1].revents) {
			Status drained = listener.value()->drain([&](std::uint8_t, const SendStatus &event) {
				if (event.pid != pid)
					return;
				std::lock_guard<std::mutex> guard(lock_);
				inodes_ = event.inodes;
			});
			if (!drained.ok())
				listener = drained.error();
		}
		draw(format_progress_line(snapshot()), false);
	}
}

void ProgressDisplay::finish(bool succeeded, std::uint64_t inodes)
{
	stop();
	ProgressSnapshot last = snapshot();
	if (!succeeded) {
		draw(format_progress_line(last), true);
		return;
	}
	last.inodes = inodes;
	draw(format_progress_summary(last), true);
}

}  // namespace sendctl
