// Builds send stream commands (uapi/bsend_stream.h) in one buffer of the
// protocol's size and hands each finished command to a Sink.
//
//	TRY(writer.begin(BSEND_SEND_C_RENAME));
//	TRY(writer.put_path(BSEND_SEND_A_PATH, from));
//	TRY(writer.put_path(BSEND_SEND_A_PATH_TO, to));
//	TRY(writer.end());
//
// A command that would not fit the buffer fails with -EOVERFLOW, as the
// in-kernel send does.
#pragma once

#include "module/core/stream/sink.h"
#include "module/core/support/string_view.h"
#include "module/core/support/vec.h"
#include "uapi/bsend_stream.h"

namespace bsend::stream {

class StreamWriter {
public:
	// A writer for stream version `version` (1 for now) into sink.
	static Result<StreamWriter> create(Sink& sink, u32 version);

	// The stream header: magic and version.
	Result<void> write_header();

	Result<void> begin(u16 command);
	Result<void> put_u64(u16 attribute, u64 value);
	Result<void> put_bytes(u16 attribute, Bytes value);
	// Appends an attribute of length bytes and returns where its value
	// goes, for the caller to fill before end(): the data of a WRITE, read
	// from the file into the command itself.
	Result<u8*> put_space(u16 attribute, usize length);
	Result<void> put_path(u16 attribute, StringView path);
	Result<void> put_uuid(u16 attribute, const u8* uuid);
	// A struct btrfs_timespec.
	Result<void> put_timespec(u16 attribute, u64 seconds, u32 nanoseconds);
	// Fills in the command header (length, crc) and writes the command.
	Result<void> end();

	// Bytes of file data a WRITE command can still carry after its path
	// and offset attributes: the v1 limit, or less when the path is long.
	usize data_room() const;

	u64 bytes_written() const { return bytes_written_; }
	u32 version() const { return version_; }

private:
	StreamWriter(Sink& sink, u32 version) : sink_(&sink), version_(version) {}
	Result<void> put(u16 attribute, const u8* value, usize length);
	Result<void> emit(Bytes bytes);

	Sink* sink_;
	u32 version_;
	Vec<u8> buffer_;		// the command being built
	usize used_ = 0;		// bytes of buffer_ in use
	u16 command_ = 0;		// 0 between commands
	u64 bytes_written_ = 0;
};

} // namespace bsend::stream
