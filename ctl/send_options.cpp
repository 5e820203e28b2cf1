#include "ctl/send_options.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <linux/btrfs.h>

#include "uapi/bsend.h"

#include "ctl/options.h"

namespace po = boost::program_options;

namespace sendctl {
namespace {

// The lowest version that carries compressed data (ENCODED_WRITE).
constexpr std::uint32_t kCompressedProto = 2;

po::options_description visible_options()
{
	po::options_description options("Options");
	options.add_options()
		("help,h", "show this help")
		("output,f", po::value<std::string>()->value_name("FILE"),
		 "write the stream to FILE (created or truncated) instead of"
		 " standard output")
		("parent,p", po::value<std::vector<std::string>>()->composing()
			 ->value_name("PARENT"),
		 "send an incremental stream from PARENT to SUBVOL")
		("clone-src,c",
		 po::value<std::vector<std::string>>()->composing()
			 ->value_name("CLONE_SRC"),
		 "let the stream clone from CLONE_SRC, a read-only snapshot"
		 " that the receiving side has too (repeatable); without -p,"
		 " the parent is chosen among the clone sources")
		("no-data", po::bool_switch(),
		 "send in NO_FILE_DATA mode: metadata only, the stream cannot"
		 " be used to transfer changes")
		("proto", po::value<std::string>()->value_name("N"),
		 "use stream version N, or 0 for the highest the module"
		 " writes (default: 1)")
		("compressed-data", po::bool_switch(),
		 "send compressed extents as they are on disk (implies"
		 " --proto 2 unless --proto is given)")
		(",e", po::bool_switch(),
		 "if sending multiple subvolumes at once, omit the end command"
		 " between the streams")
		("dry-run", po::bool_switch(),
		 "send nothing: build the stream without reading file data"
		 " and print its size (exact: every WRITE's size follows"
		 " from the extents)")
		("progress", po::bool_switch(),
		 "show the progress line on standard error even when it is"
		 " not a terminal (a dry run first measures the total)")
		("verbose,v", "print more: the protocol version and the"
		 " result of each send (repeatable)")
		("quiet,q", "print no \"At subvol\" lines and no progress"
		 " line (default: the progress line is shown when standard"
		 " error is a terminal)")
		("image", po::value<std::vector<std::string>>()->value_name("IMG"),
		 "send from the btrfs image file IMG, offline, without the"
		 " module (with --subvol instead of SUBVOL); once for each"
		 " device of a multi-device filesystem")
		("subvol", po::value<std::string>()->value_name("ID"),
		 "with --image: the subvolume id to send (and -p and -c take"
		 " subvolume ids too)")
		("memory-budget", po::value<std::string>()->value_name("BYTES"),
		 "with --image: the memory the send may hold (default 64 MiB;"
		 " the module's is its parameter send_memory_budget_mib)");
	return options;
}

Result<std::uint32_t> parse_proto(const std::string &text)
{
	if (text.empty() || text.find_first_not_of("0123456789") !=
				    std::string::npos)
		return Error{0, "invalid protocol version number '" + text +
					"'"};
	errno = 0;
	unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
	if (errno == ERANGE ||
	    value > std::numeric_limits<std::uint32_t>::max())
		return Error{0, "protocol version number too big " + text};
	return static_cast<std::uint32_t>(value);
}

template <typename T>
T value_or(const po::variables_map &values, const char *name, T fallback)
{
	auto it = values.find(name);
	return it == values.end() ? fallback : it->second.as<T>();
}

}  // namespace

std::string send_usage()
{
	std::ostringstream text;
	text << "Usage: sendctl send [options] SUBVOL [SUBVOL...]\n"
		"       sendctl send [options] --image IMG --subvol ID\n"
		"\n"
		"Send the read-only subvolumes SUBVOL as btrfs send streams, through the\n"
		"bsend module, one after the other to standard output or -f FILE, as\n"
		"'btrfs send' does. By default each is sent whole. With -p PARENT, each\n"
		"is sent as the changes from PARENT. With -c CLONE_SRC but no -p, the\n"
		"parent of each SUBVOL is chosen among the clone sources as 'btrfs\n"
		"send' chooses it: the subvolume SUBVOL is a snapshot of, if that is a\n"
		"clone source; otherwise the clone source that is another snapshot of\n"
		"that subvolume and whose ctransid is closest to that subvolume's (the\n"
		"first one on a tie); otherwise the send fails. Each SUBVOL, once sent,\n"
		"then becomes a clone source for the next ones.\n"
		"\n"
		"With --image, a full stream is made offline from a btrfs image file by\n"
		"bsend's engine in user space (--image once for each device).\n"
		"\n"
	     << visible_options();
	return text.str();
}

Result<SendOptions> parse_send_options(const std::vector<std::string> &args)
{
	po::options_description hidden;
	hidden.add_options()
		("subvolume-path", po::value<std::vector<std::string>>())
		(",i", po::value<std::string>(), "removed from btrfs send");
	po::positional_options_description positional;
	positional.add("subvolume-path", -1);

	SendOptions options;
	// What btrfs send reads in the order of the command line: -v and -q
	// (the last one decides), -p and -c (checked in that order).
	auto parsed = parse_options(args, visible_options(), hidden, positional,
				    [&options](const po::option &option) {
		if (option.string_key == "verbose")
			options.verbosity++;
		else if (option.string_key == "quiet")
			options.verbosity = kQuiet;
		else if (option.string_key == "parent" && !option.value.empty())
			options.related.push_back({RelatedSubvolume::kParent, option.value.front()});
		else if (option.string_key == "clone-src" && !option.value.empty())
			options.related.push_back({RelatedSubvolume::kCloneSource, option.value.front()});
	});
	if (!parsed.ok())
		return parsed.error();
	const po::variables_map &values = parsed.value();

	if (values.count("help")) {
		options.help = true;
		return options;
	}
	options.removed_option_i = values.count("-i") > 0;
	options.subvols = value_or(values, "subvolume-path",
				   std::vector<std::string>{});
	options.images = value_or(values, "image", std::vector<std::string>{});
	options.image_subvol = value_or(values, "subvol", std::string{});
	options.output_file = value_or(values, "output", std::string{});
	auto parents = value_or(values, "parent", std::vector<std::string>{});
	if (!parents.empty())
		options.parent = parents.front();
	options.clone_sources = value_or(values, "clone-src",
					 std::vector<std::string>{});
	options.no_data = values["no-data"].as<bool>();
	options.compressed_data = values["compressed-data"].as<bool>();
	options.omit_end_cmd_between = values["-e"].as<bool>();
	options.dry_run = values["dry-run"].as<bool>();
	const bool quiet = values.count("quiet") > 0;
	if (values["progress"].as<bool>() && quiet)
		return Error{0, "--progress and --quiet contradict each other"};
	if (values["progress"].as<bool>())
		options.progress = Progress::kAlways;
	if (quiet)
		options.progress = Progress::kNever;
	if (options.dry_run && !options.output_file.empty())
		return Error{0, "--dry-run writes no stream; -f FILE has no use"
				" with it"};
	if (values.count("proto")) {
		auto proto = parse_proto(values["proto"].as<std::string>());
		if (!proto.ok())
			return proto.error();
		options.proto = proto.value();
	}

	if (!options.images.empty()) {
		if (!options.subvols.empty())
			return Error{0, "--image takes the subvolume as --subvol"
					" ID, not as SUBVOL"};
		if (options.image_subvol.empty() ||
		    options.image_subvol.find_first_not_of("0123456789") !=
			    std::string::npos)
			return Error{0, "--image needs --subvol ID, a subvolume"
					" id (a number)"};
		for (const std::string &source : options.clone_sources)
			if (source.empty() || source.find_first_not_of("0123456789") != std::string::npos)
				return Error{0, "with --image, -c takes a clone source's"
						" subvolume id (a number)"};
		if (parents.size() > 1)
			return Error{0, "you cannot have more than one parent (-p)"};
		if (options.parent.find_first_not_of("0123456789") != std::string::npos)
			return Error{0, "with --image, -p takes the parent's"
					" subvolume id (a number)"};
		if (values.count("memory-budget")) {
			const std::string text = values["memory-budget"].as<std::string>();
			if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
				return Error{0, "--memory-budget takes a number of bytes"};
			options.memory_budget = std::strtoull(text.c_str(), nullptr, 10);
		}
		if (options.compressed_data)
			return Error{0, "--image does not support --compressed-data yet"};
		return options;
	}
	if (!options.image_subvol.empty())
		return Error{0, "--subvol goes with --image"};
	if (values.count("memory-budget"))
		return Error{0, "--memory-budget goes with --image (the module's is its"
				" parameter send_memory_budget_mib)"};
	// The rest (no SUBVOL, two -p, --compressed-data with --proto 1) is
	// reported as btrfs send reports it, in its order (sender.h).
	return options;
}

StreamRequest stream_request(const SendOptions &options, std::size_t index,
			     std::size_t count)
{
	StreamRequest request;
	if (options.no_data)
		request.flags |= BTRFS_SEND_FLAG_NO_FILE_DATA;
	if (options.compressed_data)
		request.flags |= BTRFS_SEND_FLAG_COMPRESSED;
	if (options.dry_run)
		request.flags |= BSEND_SEND_FLAG_DRY_RUN;
	request.flags |= BTRFS_SEND_FLAG_VERSION;
	request.version = options.proto.value_or(
		options.compressed_data ? kCompressedProto : kDefaultProto);
	if (options.omit_end_cmd_between) {
		if (index > 0)
			request.flags |= BTRFS_SEND_FLAG_OMIT_STREAM_HEADER;
		if (index + 1 < count)
			request.flags |= BTRFS_SEND_FLAG_OMIT_END_CMD;
	}
	return request;
}

}  // namespace sendctl
