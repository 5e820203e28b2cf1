#include "ctl/stream_reader.h"

#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>

#include "ctl/stream_schema.h"

namespace sendctl::stream {

namespace {

constexpr size_t kStreamHeaderBytes = sizeof(bsend_stream_header);
constexpr size_t kCommandHeaderBytes = sizeof(bsend_cmd_header);
constexpr size_t kAttributeHeaderBytes = sizeof(bsend_tlv_header);
// v2's DATA attribute header: its type, no length.
constexpr size_t kDataTypeBytes = sizeof(uint16_t);

// The attribute bytes of the largest command a stream of version may hold.
size_t max_attribute_bytes(uint32_t version)
{
	return (version == 1 ? BSEND_SEND_BUF_SIZE_V1 : BSEND_SEND_BUF_SIZE_V2) - kCommandHeaderBytes;
}

uint16_t load_le16(const uint8_t* bytes)
{
	return static_cast<uint16_t>(bytes[0] | bytes[1] << 8);
}

uint32_t load_le32(const uint8_t* bytes)
{
	return static_cast<uint32_t>(load_le16(bytes)) | static_cast<uint32_t>(load_le16(bytes + 2)) << 16;
}

uint64_t load_le64(const uint8_t* bytes)
{
	return static_cast<uint64_t>(load_le32(bytes)) | static_cast<uint64_t>(load_le32(bytes + 4)) << 32;
}

// The kernel's crc32c(0, ...): Castagnoli polynomial, reflected, seed 0 and
// no final inversion. Written independently of the engine's, so that this
// reader checks bsend's writer rather than agreeing with it by construction.
using StreamCrc = boost::crc_optimal<32, 0x1EDC6F41, 0, 0, true, true>;

std::string describe_command(uint64_t index, uint16_t number, uint64_t offset)
{
	std::string text = "command #" + std::to_string(index);
	if (const char* name = command_name(number))
		text += std::string(" ") + name;
	return text + " at byte " + std::to_string(offset);
}

std::string hex32(uint32_t value)
{
	char text[16];
	std::snprintf(text, sizeof(text), "0x%08" PRIx32, value);
	return text;
}

Error malformed(std::string message)
{
	return {EINVAL, std::move(message)};
}

} // namespace

bool Command::has(uint16_t attribute) const
{
	return attribute < slots_.size() && slots_[attribute].present;
}

std::string_view Command::bytes(uint16_t attribute) const
{
	if (!has(attribute))
		return {};
	const Slot& slot = slots_[attribute];
	return std::string_view(reinterpret_cast<const char*>(payload_.data()) + slot.offset, slot.length);
}

uint32_t Command::u32(uint16_t attribute) const
{
	std::string_view value = bytes(attribute);
	return value.size() == 4 ? load_le32(reinterpret_cast<const uint8_t*>(value.data())) : 0;
}

uint64_t Command::u64(uint16_t attribute) const
{
	std::string_view value = bytes(attribute);
	return value.size() == 8 ? load_le64(reinterpret_cast<const uint8_t*>(value.data())) : 0;
}

Uuid Command::uuid(uint16_t attribute) const
{
	Uuid uuid{};
	std::string_view value = bytes(attribute);
	if (value.size() == uuid.size())
		std::memcpy(uuid.data(), value.data(), uuid.size());
	return uuid;
}

Timespec Command::timespec(uint16_t attribute) const
{
	std::string_view value = bytes(attribute);
	if (value.size() != kTimespecBytes)
		return {};
	const auto* raw = reinterpret_cast<const uint8_t*>(value.data());
	return {load_le64(raw), load_le32(raw + 8)};
}

std::string Command::where() const
{
	return describe_command(index_, number_, offset_);
}

Result<std::optional<Command>> StreamReader::next()
{
	if (!in_stream_) {
		auto header = read_stream_header();
		if (!header.ok())
			return header.error();
		if (!header.value())
			return std::optional<Command>();
	}
	auto command = read_command();
	if (!command.ok())
		return command.error();
	if (command.value().number() == BSEND_SEND_C_END)
		in_stream_ = false;
	return std::optional<Command>(std::move(command.value()));
}

Result<size_t> StreamReader::read_up_to(uint8_t* buffer, size_t length)
{
	size_t done = 0;
	while (done < length) {
		ssize_t got = ::read(fd_, buffer + done, length - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int errnum = errno;
			return Error{errnum, "cannot read the stream at byte " + std::to_string(position_) + ": " +
						     std::strerror(errnum)};
		}
		if (got == 0)
			break;
		done += static_cast<size_t>(got);
		position_ += static_cast<uint64_t>(got);
	}
	return done;
}

Result<bool> StreamReader::read_stream_header()
{
	uint64_t at = position_;
	std::string place = "(stream header at byte " + std::to_string(at) + ")";
	uint8_t header[kStreamHeaderBytes];
	auto got = read_up_to(header, sizeof(header));
	if (!got.ok())
		return got.error();
	if (got.value() == 0) {
		if (streams_ == 0)
			return malformed("empty input: no stream header");
		return false;
	}
	if (got.value() < sizeof(header))
		return malformed("truncated stream header: " + std::to_string(got.value()) + " of " +
				 std::to_string(sizeof(header)) + " bytes " + place);
	if (std::memcmp(header, BSEND_STREAM_MAGIC, sizeof(BSEND_STREAM_MAGIC)) != 0)
		return malformed("bad magic: not a btrfs send stream " + place);
	uint32_t version = load_le32(header + offsetof(bsend_stream_header, version));
	if (version < 1 || version > kMaxStreamVersion)
		return malformed("unsupported stream version " + std::to_string(version) +
				 ": versions 1 and 2 are supported " + place);
	version_ = version;
	streams_++;
	in_stream_ = true;
	last_read_ = "the stream header at byte " + std::to_string(at);
	return true;
}

Result<Command> StreamReader::read_command()
{
	uint64_t at = position_;
	uint64_t index = commands_ + 1;
	uint8_t header[kCommandHeaderBytes];
	auto got = read_up_to(header, sizeof(header));
	if (!got.ok())
		return got.error();
	if (got.value() == 0)
		return malformed("stream ended without an END command (input ends at byte " + std::to_string(at) +
				 ", after " + last_read_ + ")");
	if (got.value() < sizeof(header))
		return malformed("truncated stream: command header has " + std::to_string(got.value()) + " of " +
				 std::to_string(sizeof(header)) + " bytes (" + describe_command(index, 0, at) +
				 ")");

	uint32_t length = load_le32(header + offsetof(bsend_cmd_header, len));
	uint16_t number = load_le16(header + offsetof(bsend_cmd_header, cmd));
	uint32_t stored_crc = load_le32(header + offsetof(bsend_cmd_header, crc));
	std::string place = describe_command(index, number, at);
	if (length > max_attribute_bytes(version_))
		return malformed("command too long: " + std::to_string(length) +
				 " attribute bytes, a v" + std::to_string(version_) +
				 " command holds at most " + std::to_string(max_attribute_bytes(version_)) +
				 " (" + place + ")");

	Command command;
	command.number_ = number;
	command.index_ = index;
	command.offset_ = at;
	command.stream_ = streams_ - 1;
	command.version_ = version_;
	command.payload_.resize(length);
	got = read_up_to(command.payload_.data(), length);
	if (!got.ok())
		return got.error();
	if (got.value() < length)
		return malformed("truncated stream: " + std::to_string(got.value()) + " of " +
				 std::to_string(length) + " attribute bytes (" + place + ")");

	// The crc covers the header with its crc field zeroed, then the attributes.
	std::memset(header + offsetof(bsend_cmd_header, crc), 0, sizeof(uint32_t));
	StreamCrc crc;
	crc.process_bytes(header, sizeof(header));
	crc.process_bytes(command.payload_.data(), command.payload_.size());
	if (crc.checksum() != stored_crc)
		return malformed("crc32c mismatch: stored " + hex32(stored_crc) + ", computed " +
				 hex32(crc.checksum()) + " (" + place + ")");

	commands_ = index;
	last_read_ = place;
	if (!command_name(number))
		return malformed("unknown command " + std::to_string(number) + " (" + place + ")");
	if (command_version(number) > version_)
		return malformed(std::string("command ") + command_name(number) + " is not in stream version " +
				 std::to_string(version_) + " (" + place + ")");
	if (auto parsed = parse_attributes(command); !parsed.ok())
		return parsed.error();
	if (auto complete = check_required(command); !complete.ok())
		return complete.error();
	return command;
}

Status StreamReader::parse_attributes(Command& command)
{
	const uint8_t* data = command.payload_.data();
	size_t length = command.payload_.size();
	size_t pos = 0;
	while (pos < length) {
		std::string at = " at byte " + std::to_string(command.offset_ + kCommandHeaderBytes + pos);
		std::string place = " (" + command.where() + ")";
		if (length - pos < kDataTypeBytes)
			return malformed("attribute header" + at + " overruns its command: " +
					 std::to_string(length - pos) + " of " +
					 std::to_string(kAttributeHeaderBytes) + " bytes" + place);
		uint16_t type = load_le16(data + pos + offsetof(bsend_tlv_header, tlv_type));
		if (type == BSEND_SEND_A_DATA && command.version_ >= 2) {
			// No length: the data runs to the end of the command.
			Command::Slot& slot = command.slots_[type];
			slot.offset = static_cast<uint32_t>(pos + kDataTypeBytes);
			slot.length = static_cast<uint32_t>(length - pos - kDataTypeBytes);
			slot.present = true;
			break;
		}
		if (length - pos < kAttributeHeaderBytes)
			return malformed("attribute header" + at + " overruns its command: " +
					 std::to_string(length - pos) + " of " +
					 std::to_string(kAttributeHeaderBytes) + " bytes" + place);
		uint16_t value_length = load_le16(data + pos + offsetof(bsend_tlv_header, tlv_len));
		const char* name = attribute_name(type);
		if (!name)
			return malformed("unknown attribute " + std::to_string(type) + at + place);
		pos += kAttributeHeaderBytes;
		if (value_length > length - pos)
			return malformed(std::string("attribute ") + name + at + " overruns its command: " +
					 std::to_string(value_length) + " value bytes, " +
					 std::to_string(length - pos) + " remain" + place);
		Command::Slot& slot = command.slots_[type];
		if (slot.present)
			return malformed(std::string("repeated attribute ") + name + at + place);
		size_t size = fixed_size(attribute_kind(type));
		if (size != 0 && value_length != size)
			return malformed(std::string("attribute ") + name + " has " +
					 std::to_string(value_length) + " bytes, expected " +
					 std::to_string(size) + place);
		slot.offset = static_cast<uint32_t>(pos);
		slot.length = value_length;
		slot.present = true;
		pos += value_length;
	}
	return success();
}

Status StreamReader::check_required(const Command& command)
{
	for (const uint16_t* required = required_attributes(command.number()); *required; required++)
		if (!command.has(*required))
			return malformed(std::string("missing attribute ") + attribute_name(*required) + " (" +
					 command.where() + ")");
	return success();
}

} // namespace sendctl::stream
