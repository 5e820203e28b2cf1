// The pipe between the module and the stream's real destination, as btrfs
// send has it: the module writes into a pipe that sendctl owns, and a thread
// moves it to the output, with splice() where the output takes it (a pipe,
// a file, a socket, /dev/null: no copy through userspace), else through a
// buffer. So the output can be anything a process can
// write (/dev/null, a socket, a terminal-less pipe), whatever the kernel's
// own writes support, and a reader that goes away ends the send with EPIPE.
#ifndef SENDCTL_STREAM_PUMP_H
#define SENDCTL_STREAM_PUMP_H

#include <atomic>
#include <cstdint>
#include <thread>

#include "ctl/result.h"
#include "ctl/unique_fd.h"

namespace sendctl {

class StreamPump {
public:
	// Starts copying to output_fd; module_fd() is what the module writes.
	static Result<StreamPump *> start(int output_fd);
	~StreamPump();

	int module_fd() const { return write_end_.get(); }

	// After the ioctl returned: closes the module's end, waits for the copy
	// to drain, and returns how it went.
	Status finish();

	// Bytes copied to the output so far; any thread may ask.
	std::uint64_t bytes_copied() const { return bytes_.load(std::memory_order_relaxed); }

private:
	explicit StreamPump(int output_fd) : output_fd_(output_fd) {}
	void copy();
	// Moves the stream to the output with splice() until the end; false
	// when the output refuses splice(), for the buffered copy to go on
	// from where it stopped.
	bool splice_to_output();
	// Records errnum as how the copy ended and closes the pipe's read end.
	void stop_copying(int errnum);

	int output_fd_;
	UniqueFd read_end_;
	UniqueFd write_end_;
	std::thread thread_;
	int copy_errno_ = 0;
	std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace sendctl

#endif
