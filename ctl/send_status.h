// What the module reports of one send in flight (BSEND_CMD_LIST and the
// PROGRESS and FINISHED events), and how `sendctl status` shows it.
#ifndef SENDCTL_SEND_STATUS_H
#define SENDCTL_SEND_STATUS_H

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/result.h"

struct nlmsghdr;

namespace sendctl {

struct SendStatus {
	std::uint64_t id = 0;
	std::uint32_t pid = 0;
	std::uint64_t subvol = 0;
	std::string path;		// the subvolume's path, if the module knew it
	std::uint64_t parent = 0;
	std::uint64_t bytes = 0;
	std::uint64_t inodes = 0;
	std::uint64_t current_ino = 0;	// the inode being sent
	std::uint64_t last_ino = 0;	// highest inode number; 0: not known
	std::uint32_t phase = 0;	// enum bsend_send_phase
	std::uint64_t start_time = 0;	// ns since the epoch
	std::uint64_t event_time = 0;	// events only: CLOCK_MONOTONIC ns
	std::int32_t result = 0;	// FINISHED only: 0 or -errno
};

// How far the send is, from 0 to 1 (inodes go in number order), or a
// negative number while that is not known.
double send_fraction(const SendStatus &send);

// Parses one LIST, PROGRESS or FINISHED message, checking every
// attribute's type and size.
Result<SendStatus> parse_send_status(const nlmsghdr *message);

// A table, one row per send (a header line only when there is none), with
// the elapsed time counted to now_ns.
std::string format_status_table(const std::vector<SendStatus> &sends, std::uint64_t now_ns);

// The same as a JSON array of objects.
std::string format_status_json(const std::vector<SendStatus> &sends);

}  // namespace sendctl

#endif
