// "sendctl send": a subvolume as a btrfs send stream.
#ifndef SENDCTL_CMD_SEND_H
#define SENDCTL_CMD_SEND_H

#include <ostream>
#include <string>
#include <vector>

namespace sendctl {

// Runs "sendctl send ARGS..."; returns the exit status. The stream goes
// to standard output (the fd, not out) or -f FILE.
int run_send_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err);

}  // namespace sendctl

#endif
