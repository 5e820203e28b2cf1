// "sendctl send" once the command line is understood: check the paths as
// btrfs send checks them, open everything the bsend module needs, choose
// each subvolume's parent and clone sources as btrfs send does, and issue
// one BSEND_IOC_SEND per subvolume.
#ifndef SENDCTL_SENDER_H
#define SENDCTL_SENDER_H

#include <ostream>
#include <vector>

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

// Sends (or, with --dry-run, measures) the subvolumes, one stream after
// the other to the same output, as btrfs send does: its checks in its
// order, its messages on err (each refusal as "ERROR: ...", and "At subvol
// PATH" before each send unless -q), and its exit status, which it
// returns (0, 1, or the errno of a failed copy of the stream). What each
// stream held goes to *summaries, in the order of options.subvols.
int send_subvolumes(const SendOptions &options, std::ostream &err, std::vector<SendSummary> *summaries);

}  // namespace sendctl

#endif
