#include "ctl/sender.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "ctl/bsend_device.h"
#include "ctl/device_generation.h"
#include "ctl/devices.h"
#include "ctl/genl_client.h"
#include "ctl/ioctl_send.h"
#include "ctl/output.h"
#include "ctl/send_paths.h"
#include "ctl/send_plan.h"
#include "ctl/subvolume.h"
#include "ctl/subvolume_by_uuid.h"
#include "ctl/unique_fd.h"

namespace sendctl {
namespace {

std::string errno_text(int errnum)
{
	return std::strerror(errnum);
}

// A -p or -c subvolume once checked: its real path.
struct CheckedRelated {
	RelatedSubvolume::Role role;
	std::string path;
};

// One run of "sendctl send", step by step in the order of btrfs-progs'
// cmd_send, so that each refusal comes where btrfs send's comes, in its
// words, and "At subvol PATH" comes before each subvolume is sent.
class SendRun {
public:
	SendRun(const SendOptions &options, std::ostream &err) : options_(options), err_(err) {}

	int run(std::vector<SendSummary> *summaries);

private:
	// Prints "ERROR: text" and gives the exit status 1.
	int fail(const std::string &text)
	{
		err_ << "ERROR: " << text << "\n";
		return 1;
	}
	void note(int level, const std::string &line)
	{
		if (options_.verbosity >= level)
			err_ << line << "\n";
	}

	int check_related();
	int check_read_only(const std::string &path, const std::string &what);
	int check_subvolumes();
	int check_protocol();
	int prepare_module();
	int send_all(std::vector<SendSummary> *summaries);

	const SendOptions &options_;
	std::ostream &err_;

	std::vector<CheckedRelated> related_;	// -p and -c, real paths
	std::optional<std::string> parent_;	// -p's real path
	std::string mount_root_;		// the first SUBVOL's mount point
	std::vector<std::string> real_subvols_;
	std::uint32_t proto_ = kDefaultProto;
	UniqueFd output_;

	UniqueFd bsend_;
	std::vector<UniqueFd> device_files_;
	std::vector<__s32> device_fds_;
	// A degraded mount's devices that have no fd.
	std::vector<std::uint64_t> missing_devids_;
	std::vector<Subvolume> subvols_;	// opened, in order
	std::vector<PlannedSend> plans_;
	std::optional<Error> plan_failure_;	// for the subvolume after plans_
};

int SendRun::check_read_only(const std::string &path, const std::string &what)
{
	bool readonly = false;
	int errnum = 0;
	switch (read_only_flag(path, &readonly, &errnum)) {
	case FlagsLookup::kOpenFailed:
		return fail("cannot open " + path + ": " + errno_text(errnum));
	case FlagsLookup::kGetFlagsFailed:
		return fail("failed to get flags for subvolume " + path + ": " + errno_text(errnum));
	case FlagsLookup::kDone:
		break;
	}
	if (!readonly)
		return fail(what + path + " is not read-only");
	return 0;
}

int SendRun::check_related()
{
	for (const RelatedSubvolume &related : options_.related) {
		std::string real;
		if (related.role == RelatedSubvolume::kCloneSource) {
			if (int errnum = resolve_path(related.path, &real))
				// btrfs send's message ends with a newline of its own.
				return fail("realpath " + related.path + " failed: " + errno_text(errnum) + "\n");
			std::string root;
			int found = find_mount_root(real, &root);
			if (found < 0)
				return fail("failed to determine mount point for " + real + ": " +
					    errno_text(-found));
			if (found > 0)
				return fail(real + " doesn't belong to btrfs mount point");
			std::string below;
			if (!strip_mount_point(root, real, &below))
				return fail("not on mount point: " + root);
			if (!open_subvolume(real).ok())
				return fail("cannot resolve rootid for " + real);
			if (int status = check_read_only(real, "cloned subvolume "))
				return status;
		} else {
			if (parent_)
				return fail("you cannot have more than one parent (-p)");
			if (int errnum = resolve_path(related.path, &real))
				return fail("realpath " + related.path + " failed: " + errno_text(errnum));
			if (int status = check_read_only(real, "parent subvolume "))
				return status;
			parent_ = real;
		}
		related_.push_back({related.role, real});
	}
	return 0;
}

int SendRun::check_subvolumes()
{
	std::string first;
	if (resolve_path(options_.subvols.front(), &first))
		return fail("unable to resolve " + options_.subvols.front());
	int found = find_mount_root(first, &mount_root_);
	if (found < 0)
		return fail("failed to determine mount point for " + first + ": " + errno_text(-found));
	if (found > 0)
		return fail(first + " doesn't belong to btrfs mount point");

	if (parent_) {
		std::string below;
		if (!strip_mount_point(mount_root_, *parent_, &below))
			return fail("not on mount point: " + mount_root_);
		if (!open_subvolume(*parent_).ok())
			return fail("could not resolve rootid for " + *parent_);
	}

	for (const std::string &subvol : options_.subvols) {
		std::string real, root;
		if (resolve_path(subvol, &real))
			return fail("unable to resolve " + subvol);
		found = find_mount_root(real, &root);
		if (found < 0)
			return fail("find_mount_root failed on " + real + ": " + errno_text(-found));
		if (found > 0)
			return fail(real + " does not belong to btrfs mount point");
		if (root != mount_root_)
			return fail("all subvolumes must be from the same filesystem");
		if (int status = check_read_only(real, "subvolume "))
			return status;
		real_subvols_.push_back(real);
	}
	return 0;
}

int SendRun::check_protocol()
{
	if (options_.no_data)
		note(kLogInfo, "Mode NO_FILE_DATA enabled");
	// What the module writes stands for what btrfs reads from
	// /sys/fs/btrfs/features/send_stream_version: 1 when unknown.
	// Whether it honours compressed data stands for btrfs's
	// /sys/fs/btrfs/features/send_stream_version being 2 or more.
	std::uint32_t supported = 1;
	bool compressed_supported = false;
	if (auto info = query_module_info(); info.ok()) {
		supported = info.value().proto_max;
		compressed_supported = info.value().send_flags & BTRFS_SEND_FLAG_COMPRESSED;
	}
	proto_ = options_.proto.value_or(kDefaultProto);
	if (supported == 1 && proto_ > supported)
		return fail("requested version " + std::to_string(proto_) +
			    " but kernel supports only " + std::to_string(supported));
	if (options_.compressed_data) {
		if (proto_ == 1 && !options_.proto)
			proto_ = 2;
		if (proto_ == 1)
			return fail("--compressed-data requires protocol version >= 2 (requested 1)");
		if (!compressed_supported)
			return fail("kernel does not support --compressed-data");
	}
	note(kLogInfo, "Protocol version requested: " + std::to_string(proto_) + " (supported " +
			       std::to_string(supported) + ")");
	return 0;
}

int SendRun::prepare_module()
{
	auto bsend = open_bsend_device();
	if (!bsend.ok())
		return fail(bsend.error().message);
	bsend_ = std::move(bsend.value());

	for (const std::string &path : real_subvols_) {
		auto subvol = open_subvolume(path);
		if (!subvol.ok())
			return fail(subvol.error().message);
		subvols_.push_back(std::move(subvol.value()));
	}
	std::vector<NamedSubvolume> named;
	for (std::size_t i = 0; i < subvols_.size(); i++)
		named.push_back({options_.subvols[i], subvols_[i].identity});
	std::vector<NamedSubvolume> clone_sources;
	std::optional<NamedSubvolume> parent;
	for (const CheckedRelated &related : related_) {
		auto subvol = open_subvolume(related.path);
		if (!subvol.ok())
			return fail(subvol.error().message);
		if (subvol.value().fsid != subvols_.front().fsid)
			return fail(related.path + " is not on the filesystem of " + real_subvols_.front());
		NamedSubvolume source{related.path, subvol.value().identity};
		if (related.role == RelatedSubvolume::kParent)
			parent = source;
		else
			clone_sources.push_back(source);
	}
	const int fs_fd = subvols_.front().fd.get();
	auto planned = plan_sends(named, clone_sources, parent ? &*parent : nullptr,
				  [fs_fd](const Uuid &uuid) { return find_subvolume_by_uuid(fs_fd, uuid); },
				  &plans_);
	if (planned.ok())
		plans_ = std::move(planned.value());
	else
		plan_failure_ = planned.error();

	auto devices = list_devices(fs_fd);
	if (!devices.ok())
		return fail(devices.error().message);
	auto files = open_devices(devices.value().present);
	if (!files.ok())
		return fail(files.error().message);
	device_files_ = std::move(files.value());
	for (const UniqueFd &fd : device_files_)
		device_fds_.push_back(fd.get());
	missing_devids_ = devices.value().missing;
	auto committed = commit_filesystem(fs_fd);
	if (!committed.ok())
		return fail(committed.error().message);
	auto fresh = check_device_generations(
		devices.value().present, committed.value(),
		[this](std::size_t index, std::uint64_t *generation) {
			return read_super_generation(device_fds_[index], generation);
		});
	if (!fresh.ok())
		return fail(fresh.error().message);
	return 0;
}

int SendRun::send_all(std::vector<SendSummary> *summaries)
{
	const bool show_progress = options_.progress == Progress::kAlways ||
				   (options_.progress == Progress::kAuto && isatty(STDERR_FILENO));
	const std::size_t count = subvols_.size();
	for (std::size_t i = 0; i < count; i++) {
		const std::string &path = options_.subvols[i];
		if (!options_.dry_run)
			note(kLogDefault, "At subvol " + path);
		if (i >= plans_.size())
			return fail("parent determination failed for " +
				    std::to_string(subvols_[i].identity.root_id));
		const PlannedSend &send = plans_[i];
		const StreamRequest stream = stream_request(options_, i, count);

		bsend_ioctl_send_args args = {};
		args.subvol_fd = subvols_[i].fd.get();
		args.device_count = static_cast<__u32>(device_fds_.size());
		args.device_fds = reinterpret_cast<std::uintptr_t>(device_fds_.data());
		args.missing_devices = static_cast<__u32>(missing_devids_.size());
		args.send_fd = -1;
		args.clone_sources_count = send.clone_roots.size();
		args.clone_sources = reinterpret_cast<std::uintptr_t>(send.clone_roots.data());
		args.parent_root = send.parent_root;
		args.flags = stream.flags;
		args.version = stream.version;

		const SendRequestContext request{path, 0, 0, missing_devids_};
		auto summary = options_.dry_run ? measure_send(bsend_.get(), args, request)
						: stream_send(bsend_.get(), args, request, output_.get(), show_progress);
		if (!summary.ok()) {
			fail(summary.error().message);
			if (summary.error().errnum == EINVAL && options_.omit_end_cmd_between && count > 1)
				note(kLogDefault, "Try upgrading your kernel or don't use -e.");
			return summary.error().exit_status;
		}
		note(kLogInfo, "BTRFS_IOC_SEND returned 0");
		note(kLogDebug, "joining genl thread");
		if (summary.value().newer_commits)
			note(kLogInfo, "bsend: the send moved to a newer commit " +
					       std::to_string(summary.value().newer_commits) +
					       " times (blocks it read were relocated or reused)");
		summaries->push_back(summary.value());
	}
	return 0;
}

int SendRun::run(std::vector<SendSummary> *summaries)
{
	if (options_.removed_option_i)
		return fail("option -i was removed, use -c instead");
	if (int status = check_related())
		return status;
	if (options_.subvols.empty()) {
		err_ << "sendctl send: not enough arguments: 0 but at least 1 expected\n";
		return 1;
	}
	if (!options_.dry_run) {
		auto opened = open_stream_output(options_.output_file);
		if (!opened.ok())
			return fail(opened.error().message);
		output_ = std::move(opened.value());
	}
	if (int status = check_subvolumes())
		return status;
	if (int status = check_protocol())
		return status;
	if (int status = prepare_module())
		return status;
	return send_all(summaries);
}

}  // namespace

int send_subvolumes(const SendOptions &options, std::ostream &err, std::vector<SendSummary> *summaries)
{
	return SendRun(options, err).run(summaries);
}

}  // namespace sendctl
