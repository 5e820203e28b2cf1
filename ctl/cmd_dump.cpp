#include "ctl/cmd_dump.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ctl/dump_format.h"
#include "ctl/exit_status.h"
#include "ctl/options.h"
#include "ctl/unique_fd.h"

namespace po = boost::program_options;

namespace sendctl {

int run_dump_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err)
{
	po::options_description visible("Options");
	visible.add_options()("help,h", "show this help");
	po::options_description hidden;
	hidden.add_options()("file", po::value<std::string>(), "stream file");
	po::positional_options_description positional;
	positional.add("file", 1);
	auto values = parse_options(args, visible, hidden, positional);
	if (!values.ok()) {
		print_usage_error(err, "dump", values.error().message);
		return kExitFailure;
	}
	if (values.value().count("help")) {
		out << "Usage: sendctl dump [FILE]\n"
		       "\n"
		       "Decode a btrfs send stream (version 1) from FILE, or"
		       " standard input when FILE\n"
		       "is omitted or '-', and print one line per command as"
		       " 'btrfs receive --dump'\n"
		       "does. The stream is checked strictly: magic, version,"
		       " every command's length\n"
		       "and crc32c, attribute framing and sizes, required"
		       " attributes, and a final END.\n"
		       "\n"
		    << visible
		    << "\nExit status: 0 for a well-formed stream, 1 otherwise.\n";
		return kExitSuccess;
	}

	std::string file = values.value().count("file")
				   ? values.value()["file"].as<std::string>()
				   : "-";
	UniqueFd opened;
	int fd = STDIN_FILENO;
	if (file != "-") {
		opened = UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
		if (opened.get() < 0) {
			int errnum = errno;
			err << "sendctl: dump: cannot open " << file << ": "
			    << std::strerror(errnum) << "\n";
			return kExitFailure;
		}
		fd = opened.get();
	}

	Status dumped = dump_stream(fd, out);
	out.flush();
	if (!dumped.ok()) {
		err << "sendctl: dump: " << dumped.error().message << "\n";
		return kExitFailure;
	}
	return kExitSuccess;
}

}  // namespace sendctl
