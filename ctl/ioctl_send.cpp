#include "ctl/ioctl_send.h"

#include <unistd.h>

#include <cstring>

#include <memory>

#include "ctl/bsend_device.h"
#include "ctl/progress_display.h"
#include "ctl/send_errors.h"
#include "ctl/stream_pump.h"

namespace sendctl {
namespace {

// How long a failed send waits for the copy of what the module wrote to
// reach the output before sendctl reports the failure regardless.
constexpr std::chrono::milliseconds kFailedCopyGrace{100};

SendSummary summary_of(const bsend_ioctl_send_args &args)
{
	SendSummary summary;
	summary.stream_bytes = args.stream_bytes;
	summary.data_bytes = args.data_bytes;
	summary.inodes = args.inodes;
	summary.commands = args.commands;
	summary.newer_commits = args.newer_commits;
	return summary;
}

// btrfs send's line for a failed ioctl, then bsend's cause of it.
Error send_error(int errnum, SendRequestContext request,
		 const bsend_ioctl_send_args &args)
{
	request.version = args.version;
	request.failed_ino = args.failed_ino;
	return Error{errnum, "send ioctl failed with -" + std::to_string(errnum) + ": " +
				     std::strerror(errnum) + "\nERROR: " +
				     send_failure_cause(errnum, request)};
}

}  // namespace

Result<SendSummary> measure_send(int bsend_fd, bsend_ioctl_send_args args,
				 const SendRequestContext &request)
{
	args.flags |= BSEND_SEND_FLAG_DRY_RUN;
	args.send_fd = -1;
	if (int errnum = bsend_send(bsend_fd, args))
		return send_error(errnum, request, args);
	return summary_of(args);
}

Result<SendSummary> stream_send(int bsend_fd, bsend_ioctl_send_args args,
				const SendRequestContext &request, int output_fd,
				bool show_progress)
{
	// The progress line's total comes from a dry run first: it reads
	// metadata only, and gives the stream's exact size.
	std::uint64_t total_bytes = 0;
	if (show_progress) {
		auto measured = measure_send(bsend_fd, args, request);
		if (!measured.ok())
			return measured.error();
		total_bytes = measured.value().stream_bytes;
	}

	auto started = StreamPump::start(output_fd);
	if (!started.ok())
		return started.error();
	std::unique_ptr<StreamPump> pump(started.value());
	args.send_fd = pump->module_fd();
	std::unique_ptr<ProgressDisplay> progress;
	if (show_progress)
		progress = ProgressDisplay::start(STDERR_FILENO, *pump, total_bytes);

	int errnum = bsend_send(bsend_fd, args);
	// A failed send does not wait for an output that is not read: a send
	// cancelled while its reader stopped ends at once.
	Status copied = errnum ? pump->finish_failed(kFailedCopyGrace) : pump->finish();
	if (progress)
		progress->finish(!errnum && copied.ok(), args.inodes);
	// A failed copy ends the send (the module's next write fails), and
	// btrfs send reports the copy, not the ioctl.
	if (!copied.ok())
		return copied.error();
	if (errnum)
		return send_error(errnum, request, args);
	return summary_of(args);
}

}  // namespace sendctl
