// Boost.Program_options parsing shared by the subcommands: parse errors
// come back as values, never as exceptions.
#ifndef SENDCTL_OPTIONS_H
#define SENDCTL_OPTIONS_H

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "ctl/result.h"

namespace sendctl {

// Parses args against the visible and hidden options; positional names
// the hidden options that take the non-option arguments. in_order, if
// given, sees every option in command-line order first; options it is
// given repeatable, or without a value, are its to count.
Result<boost::program_options::variables_map> parse_options(
	const std::vector<std::string> &args,
	const boost::program_options::options_description &visible,
	const boost::program_options::options_description &hidden,
	const boost::program_options::positional_options_description &positional,
	const std::function<void(const boost::program_options::option &)> &in_order = {});

// Prints "sendctl SUBCOMMAND: MESSAGE" and how to get help.
void print_usage_error(std::ostream &err, const std::string &subcommand,
		       const std::string &message);

}  // namespace sendctl

#endif
