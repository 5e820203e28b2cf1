// A reference receiver for tests: applies btrfs send streams (version 1) to
// a directory on any filesystem, the way btrfs receive applies them to a
// btrfs one, so that bsend's streams can be checked end to end on the host.
//
// A subvolume becomes a plain directory; a clone becomes a copy that keeps
// the source's holes; incremental streams (SNAPSHOT) are refused. Every
// stream path stays beneath its subvolume directory (confined_path.h).
// Parsing is ctl/stream_reader.h's (sendctl::stream, shared with
// "sendctl dump"); this file only performs commands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/result.h"
#include "ctl/stream_reader.h"

namespace bsend::test {

// The stream vocabulary is sendctl's (ctl/stream_reader.h, ctl/stream_schema.h).
using sendctl::stream::Command;
using sendctl::stream::StreamReader;
using sendctl::stream::Timespec;
using sendctl::stream::Uuid;

struct ReceivedSubvolume {
	std::string path;	// the directory made for it, relative to the destination
	Uuid uuid{};
	uint64_t ctransid = 0;
};

struct ApplyStats {
	uint32_t streams = 0;
	uint64_t commands = 0;
	uint64_t bytes_written = 0;	// file data of WRITE commands
	uint64_t bytes_cloned = 0;	// file data copied for CLONE commands, holes left out
	std::vector<ReceivedSubvolume> subvolumes;
};

// Reads every stream of input_fd and applies it under dest, an existing
// directory. Stops at the first error: a malformed stream, a refused path or
// command, or a failed call, with a message naming the command and its byte.
sendctl::Result<ApplyStats> apply_stream(int input_fd, const std::string& dest);

} // namespace bsend::test
