// The lines "sendctl send" prints about its send: the progress line on a
// terminal, the summary at its end, and the --dry-run estimate.
#ifndef SENDCTL_PROGRESS_LINE_H
#define SENDCTL_PROGRESS_LINE_H

#include <cstdint>
#include <string>

namespace sendctl {

struct ProgressSnapshot {
	std::uint64_t bytes = 0;	// stream bytes out so far
	std::uint64_t total_bytes = 0;	// the whole stream's size; 0: not known
	std::uint64_t elapsed_ns = 0;	// since the send started
	std::uint64_t inodes = 0;	// inodes sent, 0 until the module says
};

// "1.50 GiB of 4.00 GiB  37%  25.60 MiB/s  0:01:00  ETA 0:01:42  4021
// inodes": the total, share and ETA once the total is known (the ETA after
// the first second), the inodes once the module has said.
std::string format_progress_line(const ProgressSnapshot &snapshot);

// "sent 1.50 GiB in 0:01:00 (25.6 MiB/s), 9000 inodes".
std::string format_progress_summary(const ProgressSnapshot &snapshot);

// What a finished send held (the out fields of BSEND_IOC_SEND).
struct SendSummary {
	std::uint64_t stream_bytes = 0;
	std::uint64_t data_bytes = 0;
	std::uint64_t inodes = 0;
	std::uint64_t commands = 0;
	std::uint64_t newer_commits = 0;	// times the send moved to a newer commit
	std::uint64_t peak_memory = 0;	// --image only: the most bytes the engine held
};

// What "sendctl send --dry-run" prints: "estimated stream size: 73374334
// bytes (69.98 MiB), 10240 inodes, 12345 commands, 70000000 bytes of file
// data".
std::string format_dry_run_estimate(const SendSummary &summary);

// 1536 -> "1.50 KiB"; below 1 KiB, "512 B".
std::string size_text(std::uint64_t bytes);

}  // namespace sendctl

#endif
