// The progress line of "sendctl send": redrawn on a terminal every
// BSEND_PROGRESS_INTERVAL_MS from the bytes the stream pump has copied, the
// stream's total size when a dry run measured it, and the module's PROGRESS
// events for this process's send (which give the inodes done).
#ifndef SENDCTL_PROGRESS_DISPLAY_H
#define SENDCTL_PROGRESS_DISPLAY_H

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "ctl/progress_line.h"
#include "ctl/stream_pump.h"
#include "ctl/unique_fd.h"

namespace sendctl {

class ProgressDisplay {
public:
	// Starts drawing on fd; pump must outlive the display. total_bytes is
	// the stream's size, or 0 when not known.
	static std::unique_ptr<ProgressDisplay> start(int fd, const StreamPump &pump, std::uint64_t total_bytes);
	~ProgressDisplay();
	ProgressDisplay(const ProgressDisplay &) = delete;
	ProgressDisplay &operator=(const ProgressDisplay &) = delete;

	// Stops drawing. On success the line becomes the summary with the
	// final inode count; on failure it stays, ended by a newline, so the
	// error shows below it.
	void finish(bool succeeded, std::uint64_t inodes);

private:
	ProgressDisplay(int fd, const StreamPump &pump, std::uint64_t total_bytes)
		: fd_(fd), pump_(pump), total_bytes_(total_bytes)
	{
	}
	void run();
	void stop();
	ProgressSnapshot snapshot();
	void draw(const std::string &line, bool last);

	int fd_;
	const StreamPump &pump_;
	const std::uint64_t total_bytes_;
	std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
	UniqueFd stop_read_;
	UniqueFd stop_write_;
	std::thread thread_;
	std::mutex lock_;		// guards what the events told
	std::uint64_t inodes_ = 0;
};

}  // namespace sendctl

#endif
