#include "module/core/stream/writer.h"

#include "module/core/format/uapi.h"
#include "module/core/support/bytes.h"
#include "module/core/support/endian.h"
#include "module/core/support/errno.h"

namespace bsend::stream {

namespace {

constexpr usize kCmdHeader = sizeof(bsend_cmd_header);
constexpr usize kTlvHeader = sizeof(bsend_tlv_header);

// The DATA attribute's type alone, which is its whole header from v2.
constexpr usize kDataTypeOnly = sizeof(__le16);

Error overflow(u16 command, usize buffer_size, usize needed)
{
	return Error::make(err::kOverflow, "send command exceeds the stream buffer")
		.mismatch(buffer_size, needed)
		.at_ino(command);
}

} // namespace

Result<StreamWriter> StreamWriter::create(Sink& sink, u32 version)
{
	if (version != 1 && version != 2)
		return Error::make(err::kNotSupported, "send stream version not supported").mismatch(2, version);
	StreamWriter writer(sink, version);
	TRY(writer.buffer_.resize(version == 1 ? BSEND_SEND_BUF_SIZE_V1 : BSEND_SEND_BUF_SIZE_V2));
	return writer;
}

Result<void> StreamWriter::emit(Bytes bytes)
{
	TRY(sink_->write(bytes));
	bytes_written_ += bytes.size();
	return {};
}

Result<void> StreamWriter::write_header()
{
	u8 header[sizeof(bsend_stream_header)] = {};
	copy_bytes(header, reinterpret_cast<const u8*>(BSEND_STREAM_MAGIC), sizeof(BSEND_STREAM_MAGIC));
	store_le32(header + offsetof(bsend_stream_header, version), version_);
	return emit(Bytes(header, sizeof(header)));
}

Result<void> StreamWriter::begin(u16 command)
{
	if (command_ != 0)
		return Error::make(err::kInvalid, "send command begun inside another").mismatch(command_, command);
	command_ = command;
	data_put_ = false;
	used_ = kCmdHeader;
	return {};
}

usize StreamWriter::data_header_bytes() const
{
	return version_ == 1 ? kTlvHeader : kDataTypeOnly;
}

Result<u8*> StreamWriter::reserve(u16 attribute, usize header_bytes, usize length)
{
	if (command_ == 0)
		return Error::make(err::kInvalid, "send attribute outside a command").mismatch(0, attribute);
	if (data_put_)
		return Error::make(err::kInvalid, "send attribute after the command's data").mismatch(0, attribute);
	if (header_bytes + length > buffer_.size() - used_)
		return overflow(command_, buffer_.size(), used_ + header_bytes + length);
	u8* header = buffer_.data() + used_;
	store_le16(header + offsetof(bsend_tlv_header, tlv_type), attribute);
	used_ += header_bytes + length;
	return header + header_bytes;
}

Result<u8*> StreamWriter::put_data(usize length)
{
	const usize header_bytes = data_header_bytes();
	if (header_bytes == kTlvHeader && length > 0xffff)
		return overflow(command_, buffer_.size(), used_ + header_bytes + length);
	u8* data = TRY(reserve(BSEND_SEND_A_DATA, header_bytes, length));
	if (header_bytes == kTlvHeader)
		store_le16(data - kTlvHeader + offsetof(bsend_tlv_header, tlv_len), static_cast<u16>(length));
	data_put_ = true;
	return data;
}

Result<void> StreamWriter::put(u16 attribute, const u8* value, usize length)
{
	if (attribute == BSEND_SEND_A_DATA) {
		u8* data = TRY(put_data(length));
		copy_bytes(data, value, length);
		return {};
	}
	if (length > 0xffff)
		return overflow(command_, buffer_.size(), used_ + kTlvHeader + length);
	u8* space = TRY(reserve(attribute, kTlvHeader, length));
	store_le16(space - kTlvHeader + offsetof(bsend_tlv_header, tlv_len), static_cast<u16>(length));
	copy_bytes(space, value, length);
	return {};
}

Result<void> StreamWriter::put_u32(u16 attribute, u32 value)
{
	u8 bytes[4];
	store_le32(bytes, value);
	return put(attribute, bytes, sizeof(bytes));
}

Result<void> StreamWriter::put_u64(u16 attribute, u64 value)
{
	u8 bytes[8];
	store_le64(bytes, value);
	return put(attribute, bytes, sizeof(bytes));
}

Result<void> StreamWriter::put_bytes(u16 attribute, Bytes value)
{
	return put(attribute, value.data(), value.size());
}

Result<void> StreamWriter::put_path(u16 attribute, StringView path)
{
	return put(attribute, reinterpret_cast<const u8*>(path.data()), path.length());
}

Result<void> StreamWriter::put_uuid(u16 attribute, const u8* uuid)
{
	return put(attribute, uuid, BTRFS_UUID_SIZE);
}

Result<void> StreamWriter::put_timespec(u16 attribute, u64 seconds, u32 nanoseconds)
{
	u8 bytes[sizeof(btrfs_timespec)];
	store_le64(bytes + offsetof(btrfs_timespec, sec), seconds);
	store_le32(bytes + offsetof(btrfs_timespec, nsec), nanoseconds);
	return put(attribute, bytes, sizeof(bytes));
}

Result<void> StreamWriter::end()
{
	if (command_ == 0)
		return Error::make(err::kInvalid, "send command ended twice");
	u8* header = buffer_.data();
	store_le32(header + offsetof(bsend_cmd_header, len), static_cast<u32>(used_ - kCmdHeader));
	store_le16(header + offsetof(bsend_cmd_header, cmd), command_);
	store_le32(header + offsetof(bsend_cmd_header, crc), 0);
	if (sink_->keeps_bytes())
		store_le32(header + offsetof(bsend_cmd_header, crc), bsend_host_stream_crc32c(0, header, used_));
	command_ = 0;
	return emit(Bytes(header, used_));
}

usize StreamWriter::data_room() const
{
	usize limit = version_ == 1 ? BSEND_SEND_READ_SIZE : BSEND_SEND_READ_SIZE_V2;
	usize free = buffer_.size() - used_;
	usize header_bytes = data_header_bytes();
	usize room = free > header_bytes ? free - header_bytes : 0;
	return room < limit ? room : limit;
}

} // namespace bsend::stream
