// Generic netlink conversations with the bsend module (libnl-3): GET_INFO,
// LIST and CANCEL.
#ifndef SENDCTL_GENL_CLIENT_H
#define SENDCTL_GENL_CLIENT_H

#include <cstdint>
#include <vector>

#include "ctl/module_info.h"
#include "ctl/result.h"
#include "ctl/send_status.h"

namespace sendctl {

// Asks the module BSEND_CMD_GET_INFO. Fails with ENOENT and a message
// saying so when the "bsend" family does not exist (module not loaded).
Result<ModuleInfo> query_module_info();

// The sends in flight (BSEND_CMD_LIST).
Result<std::vector<SendStatus>> list_sends();

// Ends send id with ECANCELED (BSEND_CMD_CANCEL).
Status cancel_send(std::uint64_t id);

}  // namespace sendctl

#endif
