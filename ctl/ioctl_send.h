// One BSEND_IOC_SEND of one subvolume: a dry run that measures its stream,
// or the send itself, copied to the output through a StreamPump with the
// progress line on standard error.
#ifndef SENDCTL_IOCTL_SEND_H
#define SENDCTL_IOCTL_SEND_H

#include <string>

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "uapi/bsend.h"

namespace sendctl {

// What the stream args describe would hold (BSEND_SEND_FLAG_DRY_RUN; no
// data is read, nothing is written). path names the subvolume in errors.
Result<SendSummary> measure_send(int bsend_fd, bsend_ioctl_send_args args,
				 const std::string &path);

// Sends, writing the stream to output_fd. With show_progress, a dry run
// first gives the progress line its total.
Result<SendSummary> stream_send(int bsend_fd, bsend_ioctl_send_args args,
				const std::string &path, int output_fd,
				bool show_progress);

}  // namespace sendctl

#endif
