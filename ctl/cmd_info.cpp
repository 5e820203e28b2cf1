#include "ctl/cmd_info.h"

#include "ctl/exit_status.h"
#include "ctl/genl_client.h"
#include "ctl/options.h"

namespace po = boost::program_options;

namespace sendctl {

int run_info_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err)
{
	po::options_description visible("Options");
	visible.add_options()("help,h", "show this help");
	auto values = parse_options(args, visible, po::options_description(),
				    po::positional_options_description());
	if (!values.ok()) {
		print_usage_error(err, "info", values.error().message);
		return kExitFailure;
	}
	if (values.value().count("help")) {
		out << "Usage: sendctl info\n"
		       "\n"
		       "Show the loaded bsend module's version, the stream"
		       " versions and send flags\n"
		       "it accepts, its outstanding allocations, and the peak"
		       " of its allocated\n"
		       "bytes since the last send that started while no other"
		       " was in flight\n"
		       "(generic netlink GET_INFO).\n"
		       "\n"
		    << visible;
		return kExitSuccess;
	}

	auto info = query_module_info();
	if (!info.ok()) {
		err << "sendctl: " << info.error().message << "\n";
		return kExitFailure;
	}
	out << format_module_info(info.value());
	return kExitSuccess;
}

}  // namespace sendctl
