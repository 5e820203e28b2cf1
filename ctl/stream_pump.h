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
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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

	// After the ioctl failed (cancelled, say, while the output's reader
	// does not read): closes the module's end and waits for the copy at
	// most `grace`; a copy still blocked then is left to the process's
	// exit, as btrfs send leaves its reader thread. The stream has no END
	// either way.
	Status finish_failed(std::chrono::milliseconds grace);

	// Bytes copied to the output so far; any thread may ask.
	std::uint64_t bytes_copied() const { return copy_->bytes.load(std::memory_order_relaxed); }

private:
	// What the copying thread uses: shared with it, so that a copy left
	// running when the pump goes away never uses freed memory.
	struct Copy {
		explicit Copy(int fd) : output_fd(fd) {}
		void run();
		// Moves the stream to the output with splice() until the end;
		// false when the output refuses splice(), for the buffered copy
		// to go on from where it stopped.
		bool splice_to_output();
		// Records errnum as how the copy ended and closes the pipe's
		// read end.
		void stop_copying(int errnum);
		void mark_done();

		int output_fd;
		UniqueFd read_end;
		int copy_errno = 0;
		std::atomic<std::uint64_t> bytes{0};
		std::mutex lock;
		std::condition_variable ended;
		bool done = false;	// under lock
	};

	explicit StreamPump(int output_fd) : copy_(std::make_shared<Copy>(output_fd)) {}
	Status outcome() const;

	std::shared_ptr<Copy> copy_;
	UniqueFd write_end_;
	std::thread thread_;
};

}  // namespace sendctl

#endif
