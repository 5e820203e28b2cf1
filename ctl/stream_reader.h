// Reads version 1 and 2 send streams (uapi/bsend_stream.h) command by
// command, strictly: the magic and version of every stream header, each
// command's length and crc32c, the framing and size of every attribute (in
// v2, DATA without a length, last), the commands the stream's version
// has, and the attributes each command must carry. Knows nothing of what commands do;
// an applier or a dump prints or performs them.
//
//	StreamReader reader(fd);
//	for (;;) {
//		auto next = reader.next();
//		if (!next.ok()) ... next.error().message
//		if (!next.value()) break;		// input ended after an END
//		const Command& command = *next.value();
//	}
//
// Streams may follow one another in the input, as btrfs receive accepts:
// after an END command the reader expects another stream header or the end
// of the input. Input that ends anywhere else is an error; in particular a
// stream without END is how a cancelled send shows.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/result.h"
#include "uapi/bsend_stream.h"

namespace sendctl::stream {

using Uuid = std::array<uint8_t, 16>;

struct Timespec {
	uint64_t seconds = 0;
	uint32_t nanoseconds = 0;
};

// One command of the input with its attributes. The reader has checked that
// every attribute present has its kind's size and that the command's
// required attributes are present, so the accessors cannot fail; an absent
// attribute reads as empty or zero.
class Command {
public:
	uint16_t number() const { return number_; }	// BSEND_SEND_C_*
	uint64_t index() const { return index_; }	// 1 for the first command of the input
	uint64_t offset() const { return offset_; }	// input byte of the command header
	uint32_t stream() const { return stream_; }	// 0 for the first stream of the input
	uint32_t version() const { return version_; }	// of the command's stream

	bool has(uint16_t attribute) const;
	std::string_view bytes(uint16_t attribute) const;
	uint32_t u32(uint16_t attribute) const;
	uint64_t u64(uint16_t attribute) const;
	Uuid uuid(uint16_t attribute) const;
	Timespec timespec(uint16_t attribute) const;

	// "command #3 WRITE at byte 120": where the command is, for messages.
	std::string where() const;

private:
	friend class StreamReader;

	struct Slot {
		uint32_t offset = 0;	// into payload_
		uint32_t length = 0;	// v2's DATA may be longer than 64 KiB
		bool present = false;
	};

	uint16_t number_ = 0;
	uint64_t index_ = 0;
	uint64_t offset_ = 0;
	uint32_t stream_ = 0;
	uint32_t version_ = 0;
	std::vector<uint8_t> payload_;	// the attribute bytes after the command header
	std::array<Slot, BSEND_SEND_A_MAX_V2 + 1> slots_{};
};

class StreamReader {
public:
	// Reads from fd, which the caller keeps open and owns.
	explicit StreamReader(int fd) : fd_(fd) {}

	// The next command, reading a stream header first where one is due, or
	// no command when the input has ended right after an END command.
	Result<std::optional<Command>> next();

	uint64_t position() const { return position_; }	// bytes consumed
	uint32_t streams() const { return streams_; }		// headers read

private:
	// Reads up to length bytes; fewer only at the end of the input.
	Result<size_t> read_up_to(uint8_t* buffer, size_t length);
	// False when the input ends cleanly where a stream header could start.
	Result<bool> read_stream_header();
	Result<Command> read_command();
	static Status parse_attributes(Command& command);
	static Status check_required(const Command& command);

	int fd_;
	uint64_t position_ = 0;
	uint32_t streams_ = 0;
	uint64_t commands_ = 0;
	bool in_stream_ = false;	// a header was read and its END was not
	uint32_t version_ = 0;		// of the stream being read
	std::string last_read_;		// "command #5 WRITE at byte 250", for messages
};

} // namespace sendctl::stream
