#include "ctl/options.h"

namespace po = boost::program_options;

namespace sendctl {

Result<po::variables_map> parse_options(
	const std::vector<std::string> &args,
	const po::options_description &visible,
	const po::options_description &hidden,
	const po::positional_options_description &positional,
	const std::function<void(const po::option &)> &in_order)
{
	po::options_description all;
	all.add(visible).add(hidden);
	po::variables_map values;
	try {
		po::parsed_options parsed = po::command_line_parser(args)
						    .options(all)
						    .positional(positional)
						    .run();
		if (in_order) {
			// Each option once for store(): the counting is done.
			std::vector<po::option> once;
			for (const po::option &option : parsed.options) {
				in_order(option);
				bool seen = false;
				for (const po::option &kept : once)
					seen |= !option.string_key.empty() &&
						kept.string_key == option.string_key &&
						option.value.empty();
				if (!seen)
					once.push_back(option);
			}
			parsed.options = std::move(once);
		}
		po::store(parsed, values);
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
