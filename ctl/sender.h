// "sendctl send" once the command line is understood: open everything the
// bsend module needs, choose each subvolume's parent and clone sources as
// btrfs send does, and issue one BSEND_IOC_SEND per subvolume.
#ifndef SENDCTL_SENDER_H
#define SENDCTL_SENDER_H

#include <vector>

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

// Sends (or, with --dry-run, measures) the subvolumes, one stream after
// the other to the same output; returns what each stream held, in the
// order of options.subvols.
Result<std::vector<SendSummary>> send_subvolumes(const SendOptions &options);

}  // namespace sendctl

#endif
