// The command line of "sendctl send" and the stream flags it asks for,
// with btrfs send's meaning for every option.
#ifndef SENDCTL_SEND_OPTIONS_H
#define SENDCTL_SEND_OPTIONS_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl/result.h"

namespace sendctl {

// When "sendctl send" shows its progress line on standard error.
enum class Progress {
	kAuto,		// when standard error is a terminal
	kAlways,	// --progress
	kNever,		// --quiet
};

// A -p or -c argument, in the order the command line gives them: btrfs
// send checks them in that order.
struct RelatedSubvolume {
	enum Role { kParent, kCloneSource } role = kParent;
	std::string path;
};

// btrfs send's verbosity levels (btrfs-progs' LOG_*): what stderr shows.
constexpr int kQuiet = 0;	// -q: nothing but errors
constexpr int kLogDefault = 1;	// "At subvol PATH"
constexpr int kLogInfo = 2;	// -v: the protocol version, the ioctl's result
constexpr int kLogDebug = 4;	// -vvv

struct SendOptions {
	bool help = false;			// --help: nothing else is set
	std::vector<std::string> subvols;	// SUBVOL...
	std::string output_file;		// -f FILE; empty: stdout
	std::vector<RelatedSubvolume> related;	// -p and -c, in order
	std::string parent;			// the first -p PARENT; empty: none
	std::vector<std::string> clone_sources;	// -c CLONE_SRC...
	int verbosity = kLogDefault;		// -v adds one, -q makes it kQuiet
	bool removed_option_i = false;		// -i, which btrfs send no longer has
	bool no_data = false;			// --no-data
	std::optional<std::uint32_t> proto;	// --proto N; 0: highest
	bool compressed_data = false;		// --compressed-data
	bool omit_end_cmd_between = false;	// -e
	bool dry_run = false;			// --dry-run: print the size only
	Progress progress = Progress::kAuto;	// --progress; -q/--quiet: never
	std::vector<std::string> images;	// --image IMG...: send offline, one image a device
	std::string image_subvol;		// --subvol ID, with --image
	std::uint64_t memory_budget = 0;	// --memory-budget BYTES, with --image; 0: the default
};

// Parses the arguments after "send". Fails, with a message for the user,
// on anything btrfs send rejects and on what sendctl cannot do yet.
Result<SendOptions> parse_send_options(const std::vector<std::string> &args);

// The text of "sendctl send --help".
std::string send_usage();

// The stream version btrfs send asks for when --proto is not given.
constexpr std::uint32_t kDefaultProto = 1;

// What BSEND_IOC_SEND gets in its flags and version fields.
struct StreamRequest {
	std::uint64_t flags = 0;
	std::uint32_t version = 0;
};

// The flags and version for sending subvolume index of count, as btrfs
// send computes them on a kernel that writes versioned streams: version
// 1 unless --proto (or --compressed-data, which implies 2); with -e, all
// but the first stream omit the header and all but the last the end.
StreamRequest stream_request(const SendOptions &options, std::size_t index,
			     std::size_t count);

}  // namespace sendctl

#endif
