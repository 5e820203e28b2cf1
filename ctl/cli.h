// sendctl's top level: global options and the choice of subcommand.
#ifndef SENDCTL_CLI_H
#define SENDCTL_CLI_H

#include <ostream>
#include <string>
#include <vector>

namespace sendctl {

// Runs sendctl with the arguments after the program name; returns the exit
// status (see exit_status.h). Normal output goes to out, messages to err.
int run_sendctl(const std::vector<std::string> &args, std::ostream &out,
		std::ostream &err);

}  // namespace sendctl

#endif
