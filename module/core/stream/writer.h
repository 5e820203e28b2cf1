// Builds send stream commands (uapi/bsend_stream.h) in one buffer of the
// protocol's size and hands each finished command to a Sink.
//
//	TRY(writer.begin(BSEND_SEND_C_RENAME));
//	TRY(writer.put_path(BSEND_SEND_A_PATH, from));
//	TRY(writer.put_path(BSEND_SEND_A_PATH_TO, to));
//	TRY(writer.end());
//
// A command that would not fit the buffer fails with -EOVERFLOW, as the
// in-kernel send does. File data goes last, through put_data(): in v1 a
// TLV like the others, from v2 on a DATA type with no length that runs to
// the command's end.
#pragma once

#include "module/core/stream/sink.h"
#include "module/core/support/string_view.h"
#include "module/core/support/vec.h"
#include "uapi/bsend_stream.h"

namespace bsend::stream {

class StreamWriter {
public:
	// A writer for stream version `version` (1 or 2) into sink, with the
	// version's command buffer (64 KiB, 144 KiB from v2).
	static Result<StreamWriter> create(Sink& sink, u32 version);

	// The stream header: magic and version.
	Result<void> write_header();

	Result<void> begin(u16 command);
	Result<void> put_u32(u16 attribute, u32 value);
	Result<void> put_u64(u16 attribute, u64 value);
	Result<void> put_bytes(u16 attribute, Bytes value);
	// Appends the DATA attribute of length bytes, the command's last, and
	// returns where its value goes, for the caller to fill before end():
	// the data of a WRITE, read from the file into the command itself.
	Result<u8*> put_data(usize length);
	Result<void> put_path(u16 attribute, StringView path);
	Result<void> put_uuid(u16 attribute, const u8* uuid);
	// A struct btrfs_timespec.
	Result<void> put_timespec(u16 attribute, u64 seconds, u32 nanoseconds);
	// Fills in the command header (length, crc) and writes the command.
	Result<void> end();

	// Bytes of file data a WRITE command can still carry after its path
	// and offset attributes: the version's limit (48 KiB, 128 KiB from
	// v2), or less when the path is long.
	usize data_room() const;

	u64 bytes_written() const { return bytes_written_; }
	u32 version() const { return version_; }

private:
	StreamWriter(Sink& sink, u32 version) : sink_(&sink), version_(version) {}
	Result<void> put(u16 attribute, const u8* value, usize length);
	// Room for length bytes after an attribute header of header_bytes.
	Result<u8*> reserve(u16 attribute, usize header_bytes, usize length);
	// The header of the DATA attribute in this version: 4 bytes in v1, 2
	// (no length) from v2.
	usize data_header_bytes() const;
	Result<void> emit(Bytes bytes);

	Sink* sink_;
	u32 version_;
	Vec<u8> buffer_;		// the command being built
	usize used_ = 0;		// bytes of buffer_ in use
	u16 command_ = 0;		// 0 between commands
	bool data_put_ = false;		// the command has its DATA: nothing may follow
	u64 bytes_written_ = 0;
};

} // namespace bsend::stream
