// "sendctl dump": a send stream as text, one line per command, in the
// format of btrfs receive --dump (btrfs-progs cmds/receive-dump.c):
//
//	mkfile          ./snap/o257-0-0
//	rename          ./snap/o257-0-0                 dest=./snap/file
//	write           ./snap/file                     offset=0 len=6
//
// The command name padded to 16 columns, the path escaped and prefixed with
// the subvolume's ("./<subvol>/" as receive resolves it), padded to 32
// columns when attributes follow, then the attributes as key=value. END
// prints nothing, as with receive.
#ifndef SENDCTL_DUMP_FORMAT_H
#define SENDCTL_DUMP_FORMAT_H

#include <ostream>
#include <string>
#include <string_view>

#include "ctl/result.h"
#include "ctl/stream_reader.h"

namespace sendctl {

// Formats commands in order; remembers the last SUBVOL or SNAPSHOT path,
// which prefixes the paths of the commands after it.
class DumpFormatter {
public:
	// The line for command, without its newline; empty for END, which
	// prints no line.
	std::string format(const stream::Command &command);

private:
	std::string subvolume_path_ = "./";
};

// A path or value as btrfs receive --dump prints it: space, backslash and
// C control characters backslash-escaped, other unprintable bytes as \ooo.
std::string dump_escape(std::string_view text);

// "2026-11-22T01:43:31+0000": a time in local time, as receive prints it.
std::string dump_time(const stream::Timespec &time);

// Reads every stream of fd and writes its lines to out. Stops at the first
// malformed byte with the reader's message; the lines of the commands
// before it have been written.
Status dump_stream(int fd, std::ostream &out);

}  // namespace sendctl

#endif
