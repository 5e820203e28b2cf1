#include "ctl/image_sender.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ctl/output.h"
#include "ctl/unique_fd.h"
#include "module/core/platform.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "module/posix/output.h"

namespace sendctl {

namespace {

// "what: cause, inode I, bytenr B, device D (expected E, found F) (strerror)",
// the numbers where the engine gave them.
Error engine_error(const std::string &what, const bsend_error &error)
{
	std::string message = what + ": " + error.cause;
	if (error.ino)
		message += ", inode " + std::to_string(error.ino);
	if (error.bytenr)
		message += ", bytenr " + std::to_string(error.bytenr);
	if (error.devid)
		message += ", device " + std::to_string(error.devid);
	if (error.expected || error.found)
		message += " (expected " + std::to_string(error.expected) + ", found " +
			   std::to_string(error.found) + ")";
	message += " (" + std::string(std::strerror(-error.err)) + ")";
	return Error{-error.err, message};
}

std::uint64_t subvolume_id(const std::string &digits)
{
	return std::strtoull(digits.c_str(), nullptr, 10);
}

}  // namespace

Result<SendSummary> send_image(const SendOptions &options)
{
	const StreamRequest request = stream_request(options, 0, 1);
	if (request.version > bsend_engine_proto_max())
		return Error{EPROTO, "requested version " + std::to_string(request.version) +
					     " but bsend writes at most version " +
					     std::to_string(bsend_engine_proto_max())};
	bsend::posix::ImageHost image;
	for (const std::string &path : options.images) {
		if (int ret = image.open(path); ret < 0)
			return Error{-ret, "cannot open the image " + path + ": " +
						   (ret == -EEXIST ? std::string("another image has its devid")
								   : std::strerror(-ret))};
	}
	auto opened = open_stream_output_unless(options.dry_run, options.output_file);
	if (!opened.ok())
		return opened.error();
	UniqueFd output = std::move(opened.value());
	bsend_host_out out{output.get()};

	// As btrfs send asks: the -c sources, then the parent.
	std::vector<std::uint64_t> clone_roots;
	for (const std::string &source : options.clone_sources)
		clone_roots.push_back(subvolume_id(source));
	const std::uint64_t parent = subvolume_id(options.parent);
	if (parent)
		clone_roots.push_back(parent);
	bsend_send_params params = {};
	params.subvolume = subvolume_id(options.image_subvol);
	params.parent = parent;
	params.clone_sources = clone_roots.data();
	params.clone_source_count = clone_roots.size();
	params.flags = request.flags;
	params.version = request.version;
	params.memory_budget = options.memory_budget;

	// No files: the engine reads file data from the images' extents.
	bsend_send_stats stats = {};
	bsend_error error = {};
	if (bsend_engine_send(image.host(), options.dry_run ? nullptr : &out, nullptr, nullptr, &params,
			      &stats, &error))
		return engine_error("cannot send subvolume " + options.image_subvol + " of " +
					    options.images.front(),
				    error);
	SendSummary summary;
	summary.peak_memory = bsend::posix::bytes_peak();
	summary.stream_bytes = stats.stream_bytes;
	summary.data_bytes = stats.data_bytes;
	summary.inodes = stats.inodes;
	summary.commands = stats.commands;
	summary.newer_commits = stats.newer_commits;
	return summary;
}

}  // namespace sendctl
