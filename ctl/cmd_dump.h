// "sendctl dump": decodes a send stream and prints its commands as
// btrfs receive --dump does (dump_format.h), checking it strictly
// (stream_reader.h).
#ifndef SENDCTL_CMD_DUMP_H
#define SENDCTL_CMD_DUMP_H

#include <ostream>
#include <string>
#include <vector>

namespace sendctl {

// Runs "sendctl dump ARGS..."; returns the exit status. A malformed stream
// prints "sendctl: dump: MESSAGE" on err and fails; the lines of the
// commands before the fault have been printed.
int run_dump_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err);

}  // namespace sendctl

#endif
