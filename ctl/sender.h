// "sendctl send" once the command line is understood: open everything the
// bsend module needs and issue BSEND_IOC_SEND.
#ifndef SENDCTL_SENDER_H
#define SENDCTL_SENDER_H

#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

Status send_subvolume(const SendOptions &options);

}  // namespace sendctl

#endif
