// Runs sendctl in-process, as the tests of its subcommands do.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "ctl/cli.h"

namespace sendctl {

struct Outcome {
	int status;
	std::string out;
	std::string err;
};

inline Outcome sendctl(const std::vector<std::string>& args)
{
	std::ostringstream out, err;
	int status = run_sendctl(args, out, err);
	return {status, out.str(), err.str()};
}

} // namespace sendctl
