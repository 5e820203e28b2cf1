// sendctl status and sendctl cancel: the sends in flight, and stopping one.
#ifndef SENDCTL_CMD_STATUS_H
#define SENDCTL_CMD_STATUS_H

#include <ostream>
#include <string>
#include <vector>

namespace sendctl {

int run_status_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);
int run_cancel_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

}  // namespace sendctl

#endif
