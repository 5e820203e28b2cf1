// Fuzz target: sendctl dump's stream parser and formatter over raw stream
// bytes. The input is read through a file descriptor, as sendctl dump reads
// its file, after the crc of every command the framing reaches is made
// right, so that mutated commands get past the crc check to the attribute
// parser and the formatter. Any outcome but a line per command or a clean
// error is a bug: a crash or a sanitizer report.
#include <sys/mman.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "ctl/dump_format.h"
#include "uapi/bsend_stream.h"

namespace {

// The stream's crc32c: the kernel's crc32c(0, ...), reflected, seed 0, no
// final inversion.
using StreamCrc = boost::crc_optimal<32, 0x1EDC6F41, 0, 0, true, true>;

uint32_t load_le32(const uint8_t* bytes)
{
	return static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
	       static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
}

// Frames the input as streams of commands, as the reader will, and stores
// each command's crc over its header (crc zeroed) and attributes; stops
// where a command overruns the input.
void fix_command_crcs(std::vector<uint8_t>& input)
{
	constexpr size_t kCommandHeader = sizeof(bsend_cmd_header);
	size_t at = 0;
	bool in_stream = false;
	while (at < input.size()) {
		if (!in_stream) {
			at += sizeof(bsend_stream_header);
			in_stream = true;
			continue;
		}
		if (input.size() - at < kCommandHeader)
			return;
		uint8_t* header = input.data() + at;
		uint32_t length = load_le32(header + offsetof(bsend_cmd_header, len));
		if (length > input.size() - at - kCommandHeader)
			return;
		uint16_t command = static_cast<uint16_t>(header[4] | header[5] << 8);
		std::memset(header + offsetof(bsend_cmd_header, crc), 0, sizeof(uint32_t));
		StreamCrc crc;
		crc.process_bytes(header, kCommandHeader + length);
		uint32_t sum = crc.checksum();
		for (int i = 0; i < 4; i++)
			header[offsetof(bsend_cmd_header, crc) + i] = static_cast<uint8_t>(sum >> (8 * i));
		at += kCommandHeader + length;
		if (command == BSEND_SEND_C_END)
			in_stream = false;
	}
}

// The input's file: one memfd, emptied and refilled for every input.
int input_fd()
{
	static int fd = memfd_create("fuzz_dump", MFD_CLOEXEC);
	if (fd < 0)
		std::abort();
	return fd;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	std::vector<uint8_t> input(data, data + size);
	fix_command_crcs(input);
	int fd = input_fd();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, input.data(), input.size(), 0) != static_cast<ssize_t>(input.size()) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		std::abort();
	std::ostringstream out;
	(void)sendctl::dump_stream(fd, out);
	return 0;
}
