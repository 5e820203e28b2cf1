// One BSEND_IOC_SEND of one subvolume: a dry run that measures its stream,
// or the send itself, copied to the output through a StreamPump with the
// progress line on standard error.
#ifndef SENDCTL_IOCTL_SEND_H
#define SENDCTL_IOCTL_SEND_H

#include <string>

#include "ctl/progress_line.h"
#include "ctl/result.h"
#include "ctl/send_errors.h"
#include "uapi/bsend.h"

namespace sendctl {

// What the stream args describe would hold (BSEND_SEND_FLAG_DRY_RUN; no
// data is read, nothing is written). request names the subvolume and the
// missing devices in errors (its version and failed_ino come from args).
Result<SendSummary> measure_send(int bsend_fd, bsend_ioctl_send_args args,
				 const SendRequestContext &request);

// Sends, writing the stream to output_fd. With show_progress, a dry run
// first gives the progress line its total.
Result<SendSummary> stream_send(int bsend_fd, bsend_ioctl_send_args args,
				const SendRequestContext &request, int output_fd,
				bool show_progress);

}  // namespace sendctl

#endif
