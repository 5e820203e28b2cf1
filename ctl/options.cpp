#include "ctl/options.h"

namespace po = boost::program_options;

namespace sendctl {

Result<po::variables_map> parse_options(
	const std::vector<std::string> &args,
	const po::options_description &visible,
	const po::options_description &hidden,
	const po::positional_options_description &positional)
{
	po::options_description all;
	all.add(visible).add(hidden);
	po::variables_map values;
	try {
		po::store(po::command_line_parser(args)
				  .options(all)
				  .positional(positional)
				  .run(),
			  values);
		po::notify(values);
	} catch (const po::error &e) {
		return Error{0, e.what()};
	}
	return values;
}

void print_usage_error(std::ostream &err, const std::string &subcommand,
		       const std::string &message)
{
	err << "sendctl " << subcommand << ": " << message << "\n"
	    << "Try 'sendctl " << subcommand << " --help'.\n";
}

}  // namespace sendctl
