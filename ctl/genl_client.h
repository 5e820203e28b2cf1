// A generic netlink conversation with the bsend module (libnl-3).
#ifndef SENDCTL_GENL_CLIENT_H
#define SENDCTL_GENL_CLIENT_H

#include "ctl/module_info.h"
#include "ctl/result.h"

namespace sendctl {

// Asks the module BSEND_CMD_GET_INFO. Fails with ENOENT and a message
// saying so when the "bsend" family does not exist (module not loaded).
Result<ModuleInfo> query_module_info();

}  // namespace sendctl

#endif
