#include "ctl/sender.h"

#include <memory>

#include <unistd.h>

#include <cstdint>
#include <vector>

#include "ctl/bsend_device.h"
#include "ctl/devices.h"
#include "ctl/output.h"
#include "ctl/progress_display.h"
#include "ctl/send_errors.h"
#include "ctl/stream_pump.h"
#include "ctl/subvolume.h"
#include "ctl/unique_fd.h"

namespace sendctl {
namespace {

// The root id of a parent or clone source, which must be a read-only
// subvolume of the filesystem being sent.
Result<std::uint64_t> related_root_id(const std::string &path,
				      const std::string &role,
				      const Subvolume &sent)
{
	auto subvol = open_readonly_subvolume(path, role);
	if (!subvol.ok())
		return subvol.error();
	if (subvol.value().fsid != sent.fsid)
		return Error{EXDEV, role + " " + path +
					    " is not on the filesystem of the"
					    " subvolume sent"};
	return subvol.value().root_id;
}

SendSummary summary_of(const bsend_ioctl_send_args &args)
{
	SendSummary summary;
	summary.stream_bytes = args.stream_bytes;
	summary.data_bytes = args.data_bytes;
	summary.inodes = args.inodes;
	summary.commands = args.commands;
	return summary;
}

// A dry run of the send args describe: what its stream would hold.
Result<SendSummary> measure(int bsend_fd, bsend_ioctl_send_args args, const std::string &path,
			    std::uint32_t version)
{
	args.flags |= BSEND_SEND_FLAG_DRY_RUN;
	if (int errnum = bsend_send(bsend_fd, args))
		return Error{errnum, send_failure_message(errnum, {path, version})};
	return summary_of(args);
}

bool shows_progress(Progress progress)
{
	if (progress == Progress::kAuto)
		return isatty(STDERR_FILENO);
	return progress == Progress::kAlways;
}

}  // namespace

Result<SendSummary> send_subvolume(const SendOptions &options)
{
	const std::string &path = options.subvols.front();
	const StreamRequest stream = stream_request(options, 0, 1);

	auto bsend = open_bsend_device();
	if (!bsend.ok())
		return bsend.error();
	auto subvol = open_readonly_subvolume(path, "");
	if (!subvol.ok())
		return subvol.error();

	// As btrfs send: the clone sources, then the parent as one more.
	std::vector<std::uint64_t> clone_roots;
	for (const std::string &source : options.clone_sources) {
		auto root = related_root_id(source, "clone source",
					    subvol.value());
		if (!root.ok())
			return root.error();
		clone_roots.push_back(root.value());
	}
	std::uint64_t parent_root = 0;
	if (!options.parent.empty()) {
		auto root = related_root_id(options.parent, "parent",
					    subvol.value());
		if (!root.ok())
			return root.error();
		parent_root = root.value();
		clone_roots.push_back(parent_root);
	}

	auto devices = list_devices(subvol.value().fd.get());
	if (!devices.ok())
		return devices.error();
	auto device_files = open_devices(devices.value());
	if (!device_files.ok())
		return device_files.error();
	std::vector<__s32> device_fds;
	for (const UniqueFd &fd : device_files.value())
		device_fds.push_back(fd.get());

	bsend_ioctl_send_args args = {};
	args.subvol_fd = subvol.value().fd.get();
	args.device_count = static_cast<__u32>(device_fds.size());
	args.device_fds = reinterpret_cast<std::uintptr_t>(device_fds.data());
	args.send_fd = -1;
	args.clone_sources_count = clone_roots.size();
	args.clone_sources = reinterpret_cast<std::uintptr_t>(clone_roots.data());
	args.parent_root = parent_root;
	args.flags = stream.flags;
	args.version = stream.version;

	if (options.dry_run)
		return measure(bsend.value().get(), args, path, stream.version);
	// The progress line's total comes from a dry run first: it reads
	// metadata only, and gives the stream's exact size.
	const bool show_progress = shows_progress(options.progress);
	std::uint64_t total_bytes = 0;
	if (show_progress) {
		auto measured = measure(bsend.value().get(), args, path, stream.version);
		if (!measured.ok())
			return measured.error();
		total_bytes = measured.value().stream_bytes;
	}

	auto output = open_stream_output(options.output_file);
	if (!output.ok())
		return output.error();
	auto started = StreamPump::start(output.value().get());
	if (!started.ok())
		return started.error();
	std::unique_ptr<StreamPump> pump(started.value());
	args.send_fd = pump->module_fd();
	std::unique_ptr<ProgressDisplay> progress;
	if (show_progress)
		progress = ProgressDisplay::start(STDERR_FILENO, *pump, total_bytes);

	int errnum = bsend_send(bsend.value().get(), args);
	Status copied = pump->finish();
	if (progress)
		progress->finish(!errnum && copied.ok(), args.inodes);
	if (errnum)
		return Error{errnum, send_failure_message(
					     errnum, {path, stream.version})};
	if (!copied.ok())
		return copied.error();
	return summary_of(args);
}

}  // namespace sendctl
