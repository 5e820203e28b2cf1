// Where "sendctl send" writes the stream.
#ifndef SENDCTL_OUTPUT_H
#define SENDCTL_OUTPUT_H

#include <string>

#include "ctl/result.h"
#include "ctl/unique_fd.h"

namespace sendctl {

// Opens FILE as btrfs send does (an existing file is truncated, a missing
// one created with mode 0600), or standard output when file is empty.
// Refuses a terminal, which would only receive binary noise, and an
// existing file or FIFO that fs.protected_regular or fs.protected_fifos
// would refuse to an O_CREAT open (ctl/sticky_policy.h).
Result<UniqueFd> open_stream_output(const std::string &file);

// The same, except for a dry run, which writes nothing: an empty UniqueFd.
Result<UniqueFd> open_stream_output_unless(bool dry_run, const std::string &file);

}  // namespace sendctl

#endif
