#include "ctl/cli.h"

#include <iomanip>

#include <boost/program_options.hpp>

#include "ctl/cmd_dump.h"
#include "ctl/cmd_info.h"
#include "ctl/cmd_send.h"
#include "ctl/cmd_status.h"
#include "ctl/exit_status.h"
#include "uapi/bsend.h"

namespace po = boost::program_options;

namespace sendctl {
namespace {

struct Subcommand {
	const char *name;
	const char *summary;
	int (*run)(const std::vector<std::string> &args, std::ostream &out,
		   std::ostream &err);
};

const Subcommand kSubcommands[] = {
	{"dump", "print a send stream's commands as btrfs receive --dump does",
	 run_dump_command},
	{"info", "show what the loaded bsend module supports",
	 run_info_command},
	{"send", "send a subvolume as a btrfs send stream", run_send_command},
	{"status", "list the sends in flight", run_status_command},
	{"cancel", "end a send in flight", run_cancel_command},
};

po::options_description global_options()
{
	po::options_description options("Options");
	options.add_options()
		("help,h", "show this help")
		("version", "show sendctl's version");
	return options;
}

void print_usage(std::ostream &out)
{
	out << "Usage: sendctl [options] SUBCOMMAND [ARGS...]\n"
	       "\n"
	       "Drive bsend, btrfs send as a kernel module (/dev/"
	    << BSEND_DEVICE_NAME << ").\n\nSubcommands:\n";
	for (const Subcommand &subcommand : kSubcommands)
		out << "  " << std::left << std::setw(8) << subcommand.name
		    << subcommand.summary << "\n";
	out << "\nRun 'sendctl SUBCOMMAND --help' for its options.\n\n"
	    << global_options()
	    << "\nExit status: 0 on success, 1 on a usage error or a failure.\n";
}

void print_error(std::ostream &err, const std::string &message)
{
	err << "sendctl: " << message << "\n"
	    << "Try 'sendctl --help'.\n";
}

}  // namespace

int run_sendctl(const std::vector<std::string> &args, std::ostream &out,
		std::ostream &err)
{
	// Options before the subcommand are sendctl's own; the subcommand
	// parses everything after its name.
	auto first_operand = args.begin();
	while (first_operand != args.end() && first_operand->size() > 1 &&
	       (*first_operand)[0] == '-')
		++first_operand;
	std::vector<std::string> own(args.begin(), first_operand);

	po::variables_map values;
	try {
		po::store(po::command_line_parser(own)
				  .options(global_options())
				  .run(),
			  values);
		po::notify(values);
	} catch (const po::error &e) {
		print_error(err, e.what());
		return kExitFailure;
	}
	if (values.count("help")) {
		print_usage(out);
		return kExitSuccess;
	}
	if (values.count("version")) {
		out << "sendctl " << BSEND_VERSION << "\n";
		return kExitSuccess;
	}
	if (first_operand == args.end()) {
		print_error(err, "missing subcommand");
		return kExitFailure;
	}

	for (const Subcommand &subcommand : kSubcommands) {
		if (*first_operand == subcommand.name)
			return subcommand.run(
				std::vector<std::string>(first_operand + 1,
							 args.end()),
				out, err);
	}
	print_error(err, "unknown subcommand '" + *first_operand + "'");
	return kExitFailure;
}

}  // namespace sendctl
