// "sendctl send" once the command line is understood: open everything the
// bsend module needs and issue BSEND_IOC_SEND.
#ifndef SENDCTL_SENDER_H
#define SENDCTL_SENDER_H

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

// Sends (or, with --dry-run, measures) the subvolume; returns what the
// stream held.
Result<SendSummary> send_subvolume(const SendOptions &options);

}  // namespace sendctl

#endif
