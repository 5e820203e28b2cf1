// sendctl send --image: a full send made offline, by bsend's engine in
// user space, from a btrfs image file.
#ifndef SENDCTL_IMAGE_SENDER_H
#define SENDCTL_IMAGE_SENDER_H

#include "ctl/result.h"
#include "ctl/send_options.h"

namespace sendctl {

Status send_image(const SendOptions &options);

}  // namespace sendctl

#endif
