#include "ctl/sender.h"

#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "ctl/bsend_device.h"
#include "ctl/devices.h"
#include "ctl/ioctl_send.h"
#include "ctl/output.h"
#include "ctl/send_plan.h"
#include "ctl/subvolume.h"
#include "ctl/subvolume_by_uuid.h"
#include "ctl/unique_fd.h"

namespace sendctl {
namespace {

// The subvolumes to send, as btrfs send wants them: read-only, and all on
// the filesystem of the first.
Result<std::vector<Subvolume>> open_sent_subvolumes(
	const std::vector<std::string> &paths)
{
	std::vector<Subvolume> sent;
	for (const std::string &path : paths) {
		auto subvol = open_readonly_subvolume(path, "");
		if (!subvol.ok())
			return subvol.error();
		if (!sent.empty() && subvol.value().fsid != sent.front().fsid)
			return Error{EXDEV, path + " is not on the filesystem of " +
						    paths.front() +
						    " (the subvolumes sent at"
						    " once must all be on one"
						    " filesystem)"};
		sent.push_back(std::move(subvol.value()));
	}
	return sent;
}

// A parent or clone source, which must be a read-only subvolume of the
// filesystem being sent.
Result<NamedSubvolume> related_subvolume(const std::string &path,
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
	return NamedSubvolume{path, subvol.value().identity};
}

// Which parent and clone sources each subvolume is sent with.
Result<std::vector<PlannedSend>> plan(const SendOptions &options,
				      const std::vector<Subvolume> &sent)
{
	std::vector<NamedSubvolume> subvols;
	for (std::size_t i = 0; i < sent.size(); i++)
		subvols.push_back({options.subvols[i], sent[i].identity});

	std::vector<NamedSubvolume> clone_sources;
	for (const std::string &path : options.clone_sources) {
		auto source = related_subvolume(path, "clone source",
						sent.front());
		if (!source.ok())
			return source.error();
		clone_sources.push_back(source.value());
	}
	std::optional<NamedSubvolume> parent;
	if (!options.parent.empty()) {
		auto found = related_subvolume(options.parent, "parent",
					       sent.front());
		if (!found.ok())
			return found.error();
		parent = found.value();
	}

	const int fs_fd = sent.front().fd.get();
	return plan_sends(subvols, clone_sources, parent ? &*parent : nullptr,
			  [fs_fd](const Uuid &uuid) {
				  return find_subvolume_by_uuid(fs_fd, uuid);
			  });
}

bool shows_progress(Progress progress)
{
	if (progress == Progress::kAuto)
		return isatty(STDERR_FILENO);
	return progress == Progress::kAlways;
}

}  // namespace

Result<std::vector<SendSummary>> send_subvolumes(const SendOptions &options)
{
	auto bsend = open_bsend_device();
	if (!bsend.ok())
		return bsend.error();
	auto sent = open_sent_subvolumes(options.subvols);
	if (!sent.ok())
		return sent.error();
	auto planned = plan(options, sent.value());
	if (!planned.ok())
		return planned.error();

	auto devices = list_devices(sent.value().front().fd.get());
	if (!devices.ok())
		return devices.error();
	auto device_files = open_devices(devices.value());
	if (!device_files.ok())
		return device_files.error();
	std::vector<__s32> device_fds;
	for (const UniqueFd &fd : device_files.value())
		device_fds.push_back(fd.get());

	// One output for all the streams, as btrfs send has.
	auto opened = open_stream_output_unless(options.dry_run, options.output_file);
	if (!opened.ok())
		return opened.error();
	UniqueFd output = std::move(opened.value());
	const bool show_progress = shows_progress(options.progress);

	std::vector<SendSummary> summaries;
	const std::size_t count = sent.value().size();
	for (std::size_t i = 0; i < count; i++) {
		const std::string &path = options.subvols[i];
		PlannedSend &send = planned.value()[i];
		const StreamRequest stream = stream_request(options, i, count);

		bsend_ioctl_send_args args = {};
		args.subvol_fd = sent.value()[i].fd.get();
		args.device_count = static_cast<__u32>(device_fds.size());
		args.device_fds = reinterpret_cast<std::uintptr_t>(device_fds.data());
		args.send_fd = -1;
		args.clone_sources_count = send.clone_roots.size();
		args.clone_sources =
			reinterpret_cast<std::uintptr_t>(send.clone_roots.data());
		args.parent_root = send.parent_root;
		args.flags = stream.flags;
		args.version = stream.version;

		auto summary = options.dry_run
				       ? measure_send(bsend.value().get(), args, path)
				       : stream_send(bsend.value().get(), args, path,
						     output.get(), show_progress);
		if (!summary.ok())
			return summary.error();
		summaries.push_back(summary.value());
	}
	return summaries;
}

}  // namespace sendctl
