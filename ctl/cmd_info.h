// "sendctl info": what the loaded bsend module supports.
#ifndef SENDCTL_CMD_INFO_H
#define SENDCTL_CMD_INFO_H

#include <ostream>
#include <string>
#include <vector>

namespace sendctl {

// Runs "sendctl info ARGS..."; returns the exit status.
int run_info_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err);

}  // namespace sendctl

#endif
