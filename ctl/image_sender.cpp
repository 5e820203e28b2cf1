#include "ctl/image_sender.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ctl/output.h"
#include "ctl/unique_fd.h"
#include "module/core/format/items.h"
#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/send/incremental_send.h"
#include "module/core/send/memory_budget.h"
#include "module/core/send/placeholder_file_data.h"
#include "module/core/stream/discard_sink.h"
#include "module/core/stream/host_sink.h"
#include "module/core/tree/subvolume.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "module/posix/output.h"

namespace sendctl {

namespace {

Error engine_error(const std::string &what, const bsend::Error &error)
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
	message += " (" + std::string(std::strerror(error.errno_value)) + ")";
	return Error{error.errno_value, message};
}

}  // namespace

Result<SendSummary> send_image(const SendOptions &options)
{
	bsend::posix::ImageHost image;
	for (const std::string &path : options.images) {
		if (int ret = image.open(path); ret < 0)
			return Error{-ret, "cannot open the image " + path + ": " +
						   (ret == -EEXIST ? std::string("another image has its devid")
								   : std::strerror(-ret))};
	}
	const std::string &first_image = options.images.front();
	const bsend::send::BudgetShares shares = bsend::send::share_budget(options.memory_budget);
	auto fs = bsend::tree::Filesystem::open(image.host(), shares.block_cache_bytes);
	if (!fs.is_ok())
		return engine_error("cannot read the image " + first_image, fs.error());
	std::uint64_t id = std::strtoull(options.image_subvol.c_str(), nullptr, 10);
	bsend::Vec<char> name;
	auto named = bsend::tree::read_subvolume_name(*fs.value(), id, &name);
	if (!named.is_ok())
		return engine_error("cannot read subvolume " + options.image_subvol, named.error());

	auto opened = open_stream_output_unless(options.dry_run, options.output_file);
	if (!opened.ok())
		return opened.error();
	UniqueFd output = std::move(opened.value());
	bsend_host_out out{output.get()};
	bsend::stream::HostSink host_sink(&out);
	bsend::stream::DiscardSink discard_sink;
	bsend::stream::Sink &sink = options.dry_run ? static_cast<bsend::stream::Sink &>(discard_sink)
						    : host_sink;
	if (!options.dry_run) {
		auto ready = host_sink.init();
		if (!ready.is_ok())
			return engine_error("cannot start the stream", ready.error());
	}
	auto writer = bsend::stream::StreamWriter::create(sink, 1);
	if (!writer.is_ok())
		return engine_error("cannot start the stream", writer.error());
	bsend::send::DiskFileData disk_data(*fs.value());
	bsend::send::PlaceholderFileData placeholder_data;
	bsend::send::FileData &data = options.dry_run ? static_cast<bsend::send::FileData &>(placeholder_data)
						      : disk_data;
	bsend::send::SendOptions send_options;
	send_options.subvolume = id;
	send_options.name = bsend::StringView(name.data(), name.size());
	send_options.send_file_data = !options.no_data;
	send_options.change_set_budget = shares.change_set_bytes;
	send_options.parent = std::strtoull(options.parent.c_str(), nullptr, 10);
	// As btrfs send asks: the -c sources, then the parent.
	std::vector<std::uint64_t> clone_roots;
	for (const std::string &source : options.clone_sources)
		clone_roots.push_back(std::strtoull(source.c_str(), nullptr, 10));
	if (send_options.parent)
		clone_roots.push_back(send_options.parent);
	send_options.clone_sources = bsend::Span<const bsend::u64>(clone_roots.data(), clone_roots.size());
	auto sent = send_options.parent ? bsend::send::incremental_send(*fs.value(), data, writer.value(), send_options)
					 : bsend::send::full_send(*fs.value(), data, writer.value(), send_options);
	if (!sent.is_ok())
		return engine_error("cannot send subvolume " + options.image_subvol + " of " + first_image,
				    sent.error());
	if (!options.dry_run) {
		auto flushed = host_sink.flush();
		if (!flushed.is_ok())
			return engine_error("cannot write the stream", flushed.error());
	}
	SendSummary summary;
	summary.peak_memory = bsend::posix::bytes_peak();
	summary.stream_bytes = writer.value().bytes_written();
	summary.data_bytes = sent.value().data_bytes;
	summary.inodes = sent.value().inodes;
	summary.commands = sent.value().commands;
	return summary;
}

}  // namespace sendctl
