// sendctl send --image: a full send made offline, by bsend's engine in
// user space, from a btrfs image file.
#ifndef SENDCTL_IMAGE_SENDER_H
#define SENDCTL_IMAGE_SENDER_H

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

// The offline send of options.image (or, with --dry-run, its size).
Result<SendSummary> send_image(const SendOptions &options);

}  // namespace sendctl

#endif
