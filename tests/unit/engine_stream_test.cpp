// stream/: command encoding, the stream crc32c, buffer limits, and streams
// that btrfs receive --dump parses.
#include <gtest/gtest.h>
#include <linux/falloc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "module/core/stream/host_sink.h"
#include "module/core/stream/writer.h"
#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/posix/alloc.h"
#include "module/posix/output.h"
#include "tests/unit/test_image.h"

using namespace bsend;

namespace {

// Collects the stream in memory.
class BufferSink final : public stream::Sink {
public:
	Result<void> write(Bytes bytes) override
	{
		data.insert(data.end(), bytes.data(), bytes.data() + bytes.size());
		return {};
	}
	std::vector<uint8_t> data;
};

// Collects the stream like BufferSink, but says it throws it away, as a
// dry run's sink does.
class ThrowawaySink final : public stream::Sink {
public:
	Result<void> write(Bytes bytes) override { return buffer.write(bytes); }
	bool keeps_bytes() const override { return false; }
	BufferSink buffer;
};

// An independent, bit-at-a-time crc32c (reflected polynomial 0x82F63B78)
// with no inversion before or after, as the kernel's crc32c(seed, ...).
uint32_t reference_crc32c(uint32_t crc, const uint8_t* data, size_t length)
{
	for (size_t i = 0; i < length; i++) {
		crc ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return crc;
}

class Stream : public testing::Test {
protected:
	void TearDown() override { EXPECT_EQ(posix::allocations_outstanding(), 0); }
};

} // namespace

TEST_F(Stream, Crc32cIsTheKernelsSeededFormAndChains)
{
	const char* text = "123456789";
	const auto* bytes = reinterpret_cast<const uint8_t*>(text);
	uint32_t whole = bsend_host_stream_crc32c(0, bytes, 9);
	EXPECT_EQ(whole, reference_crc32c(0, bytes, 9));
	EXPECT_EQ(bsend_host_stream_crc32c(bsend_host_stream_crc32c(0, bytes, 4), bytes + 4, 5), whole);
	// The standard CRC-32C check value: seed ~0, result inverted.
	EXPECT_EQ(~bsend_host_stream_crc32c(~0u, bytes, 9), 0xe3069283u);
}

TEST_F(Stream, HeaderAndCommandBytesAreTheWireFormat)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 1).release_value();
	ASSERT_TRUE(writer.write_header().is_ok());
	uint8_t uuid[16];
	for (int i = 0; i < 16; i++)
		uuid[i] = static_cast<uint8_t>(i);
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_SUBVOL).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "snap").is_ok());
	ASSERT_TRUE(writer.put_uuid(BSEND_SEND_A_UUID, uuid).is_ok());
	ASSERT_TRUE(writer.put_u64(BSEND_SEND_A_CTRANSID, 0x1122334455667788ull).is_ok());
	ASSERT_TRUE(writer.end().is_ok());

	const std::vector<uint8_t>& out = sink.data;
	ASSERT_EQ(out.size(), 17u + 10 + (4 + 4) + (4 + 16) + (4 + 8));
	EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), 13), std::string("btrfs-stream\0", 13));
	EXPECT_EQ(load_le32(out.data() + 13), 1u);
	const uint8_t* cmd = out.data() + 17;
	EXPECT_EQ(load_le32(cmd), 4u + 4 + 4 + 16 + 4 + 8);	// len: attributes only
	EXPECT_EQ(load_le16(cmd + 4), BSEND_SEND_C_SUBVOL);
	EXPECT_EQ(load_le16(cmd + 10), BSEND_SEND_A_PATH);
	EXPECT_EQ(load_le16(cmd + 12), 4u);
	EXPECT_EQ(std::memcmp(cmd + 14, "snap", 4), 0);
	EXPECT_EQ(load_le16(cmd + 18), BSEND_SEND_A_UUID);
	EXPECT_EQ(load_le16(cmd + 20), 16u);
	EXPECT_EQ(load_le64(cmd + 42), 0x1122334455667788ull);
	std::vector<uint8_t> zeroed(out.begin() + 17, out.end());
	for (size_t i = 6; i < 10 && i < zeroed.size(); i++)
		zeroed[i] = 0; // the crc field counts as zero

	EXPECT_EQ(load_le32(cmd + 6), reference_crc32c(0, zeroed.data(), zeroed.size()));
	EXPECT_EQ(writer.bytes_written(), out.size());
}

TEST_F(Stream, ACommandLargerThanTheBufferOverflows)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 1).release_value();
	std::vector<uint8_t> data(BSEND_SEND_BUF_SIZE_V1, 'x');
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_WRITE).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "f").is_ok());
	EXPECT_EQ(writer.data_room(), size_t(BSEND_SEND_READ_SIZE));
	auto put = writer.put_bytes(BSEND_SEND_A_DATA, Bytes(data.data(), data.size()));
	ASSERT_FALSE(put.is_ok());
	EXPECT_EQ(put.error().errno_value, err::kOverflow);
	ASSERT_TRUE(writer.put_bytes(BSEND_SEND_A_DATA, Bytes(data.data(), writer.data_room())).is_ok());
	EXPECT_TRUE(writer.end().is_ok());
	EXPECT_TRUE(sink.data.size() > BSEND_SEND_READ_SIZE);
}

// The fallocate(2) modes the stream states for the engine are the kernel's.
static_assert(BSEND_SEND_FALLOCATE_KEEP_SIZE == FALLOC_FL_KEEP_SIZE);
static_assert(BSEND_SEND_FALLOCATE_PUNCH_HOLE == FALLOC_FL_PUNCH_HOLE);

TEST_F(Stream, VersionThreeIsRefused)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 3);
	ASSERT_FALSE(writer.is_ok());
	EXPECT_EQ(writer.error().errno_value, err::kNotSupported);
}

// v2: the 144 KiB buffer lets a WRITE carry 128 KiB; DATA is its type
// alone, the data running to the command's end, and nothing may follow it.
TEST_F(Stream, Version2DataHasNoLengthAndComesLast)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 2).release_value();
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_WRITE).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "f").is_ok());
	ASSERT_TRUE(writer.put_u64(BSEND_SEND_A_FILE_OFFSET, 4096).is_ok());
	EXPECT_EQ(writer.data_room(), size_t(BSEND_SEND_READ_SIZE_V2));
	u8* data = writer.put_data(BSEND_SEND_READ_SIZE_V2).release_value();
	for (size_t i = 0; i < BSEND_SEND_READ_SIZE_V2; i++)
		data[i] = static_cast<u8>(i * 7);
	auto after = writer.put_u64(BSEND_SEND_A_SIZE, 1);
	ASSERT_FALSE(after.is_ok());
	EXPECT_EQ(after.error().errno_value, err::kInvalid);
	ASSERT_TRUE(writer.end().is_ok());

	const std::vector<uint8_t>& out = sink.data;
	// header 10, PATH 4 + 1, FILE_OFFSET 4 + 8, DATA type 2, then the data.
	const size_t attributes = 5 + 12 + 2 + BSEND_SEND_READ_SIZE_V2;
	ASSERT_EQ(out.size(), 10 + attributes);
	EXPECT_EQ(load_le32(out.data()), attributes);
	EXPECT_EQ(load_le16(out.data() + 27), BSEND_SEND_A_DATA);
	EXPECT_EQ(out[29], 0);
	EXPECT_EQ(out[30], 7);
	EXPECT_EQ(out.back(), static_cast<uint8_t>((BSEND_SEND_READ_SIZE_V2 - 1) * 7));
	std::vector<uint8_t> zeroed = out;
	std::fill(zeroed.begin() + 6, zeroed.begin() + 10, 0);
	EXPECT_EQ(load_le32(out.data() + 6), reference_crc32c(0, zeroed.data(), zeroed.size()));

	// More than the buffer holds still overflows.
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_WRITE).is_ok());
	auto too_big = writer.put_data(BSEND_SEND_BUF_SIZE_V2);
	ASSERT_FALSE(too_big.is_ok());
	EXPECT_EQ(too_big.error().errno_value, err::kOverflow);
}

TEST_F(Stream, BtrfsReceiveDumpParsesEveryCommandKind)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 1).release_value();
	uint8_t uuid[16] = {0xaa, 1, 2, 3};
	auto command = [&](uint16_t cmd, auto&&... puts) {
		ASSERT_TRUE(writer.begin(cmd).is_ok());
		if constexpr (sizeof...(puts) > 0) {
			bool all_put = (puts().is_ok() && ...);
			ASSERT_TRUE(all_put);
		}
		ASSERT_TRUE(writer.end().is_ok());
	};
	ASSERT_TRUE(writer.write_header().is_ok());
	command(BSEND_SEND_C_SUBVOL, [&] { return writer.put_path(BSEND_SEND_A_PATH, "snap"); },
		[&] { return writer.put_uuid(BSEND_SEND_A_UUID, uuid); },
		[&] { return writer.put_u64(BSEND_SEND_A_CTRANSID, 7); });
	command(BSEND_SEND_C_MKFILE, [&] { return writer.put_path(BSEND_SEND_A_PATH, "o257-7-0"); },
		[&] { return writer.put_u64(BSEND_SEND_A_INO, 257); });
	command(BSEND_SEND_C_RENAME, [&] { return writer.put_path(BSEND_SEND_A_PATH, "o257-7-0"); },
		[&] { return writer.put_path(BSEND_SEND_A_PATH_TO, "file"); });
	std::string data = "hello";
	command(BSEND_SEND_C_WRITE, [&] { return writer.put_path(BSEND_SEND_A_PATH, "file"); },
		[&] { return writer.put_u64(BSEND_SEND_A_FILE_OFFSET, 0); },
		[&] {
			return writer.put_bytes(BSEND_SEND_A_DATA,
						Bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
		});
	command(BSEND_SEND_C_CHOWN, [&] { return writer.put_path(BSEND_SEND_A_PATH, "file"); },
		[&] { return writer.put_u64(BSEND_SEND_A_UID, 1000); },
		[&] { return writer.put_u64(BSEND_SEND_A_GID, 100); });
	command(BSEND_SEND_C_UTIMES, [&] { return writer.put_path(BSEND_SEND_A_PATH, "file"); },
		[&] { return writer.put_timespec(BSEND_SEND_A_ATIME, 1700000000, 5); },
		[&] { return writer.put_timespec(BSEND_SEND_A_MTIME, 1700000001, 6); },
		[&] { return writer.put_timespec(BSEND_SEND_A_CTIME, 1700000002, 7); });
	command(BSEND_SEND_C_END);

	char path[] = "/tmp/bsend-test-stream-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, sink.data.data(), sink.data.size()), ssize_t(sink.data.size()));
	close(fd);
	std::string dump = test::run_command(std::string("btrfs receive --dump -f ") + path + " 2>&1");
	unlink(path);
	EXPECT_NE(dump.find("subvol"), std::string::npos) << dump;
	EXPECT_NE(dump.find("mkfile"), std::string::npos) << dump;
	EXPECT_NE(dump.find("rename"), std::string::npos) << dump;
	EXPECT_NE(dump.find("write"), std::string::npos) << dump;
	EXPECT_NE(dump.find("offset=0 len=5"), std::string::npos) << dump;
	EXPECT_NE(dump.find("gid=100 uid=1000"), std::string::npos) << dump;
	EXPECT_NE(dump.find("utimes"), std::string::npos) << dump;
	EXPECT_NE(dump.find("transid=7"), std::string::npos) << dump;
}

// btrfs receive reads bsend's v2 framing: a 128 KiB WRITE and OTIME in
// UTIMES.
TEST_F(Stream, BtrfsReceiveDumpParsesVersion2)
{
	BufferSink sink;
	auto writer = stream::StreamWriter::create(sink, 2).release_value();
	uint8_t uuid[16] = {0xbb, 4, 5, 6};
	ASSERT_TRUE(writer.write_header().is_ok());
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_SUBVOL).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "snap").is_ok());
	ASSERT_TRUE(writer.put_uuid(BSEND_SEND_A_UUID, uuid).is_ok());
	ASSERT_TRUE(writer.put_u64(BSEND_SEND_A_CTRANSID, 9).is_ok());
	ASSERT_TRUE(writer.end().is_ok());
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_WRITE).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "file").is_ok());
	ASSERT_TRUE(writer.put_u64(BSEND_SEND_A_FILE_OFFSET, 65536).is_ok());
	u8* data = writer.put_data(BSEND_SEND_READ_SIZE_V2).release_value();
	std::memset(data, 'v', BSEND_SEND_READ_SIZE_V2);
	ASSERT_TRUE(writer.end().is_ok());
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_UTIMES).is_ok());
	ASSERT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "file").is_ok());
	ASSERT_TRUE(writer.put_timespec(BSEND_SEND_A_ATIME, 1700000000, 5).is_ok());
	ASSERT_TRUE(writer.put_timespec(BSEND_SEND_A_MTIME, 1700000001, 6).is_ok());
	ASSERT_TRUE(writer.put_timespec(BSEND_SEND_A_CTIME, 1700000002, 7).is_ok());
	ASSERT_TRUE(writer.put_timespec(BSEND_SEND_A_OTIME, 1600000000, 8).is_ok());
	ASSERT_TRUE(writer.end().is_ok());
	ASSERT_TRUE(writer.begin(BSEND_SEND_C_END).is_ok());
	ASSERT_TRUE(writer.end().is_ok());

	char path[] = "/tmp/bsend-test-stream-v2-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, sink.data.data(), sink.data.size()), ssize_t(sink.data.size()));
	close(fd);
	std::string dump = test::run_command(std::string("btrfs receive --dump -f ") + path + " 2>&1; echo status=$?");
	unlink(path);
	EXPECT_NE(dump.find("offset=65536 len=131072"), std::string::npos) << dump;
	EXPECT_NE(dump.find("utimes"), std::string::npos) << dump;
	EXPECT_NE(dump.find("status=0"), std::string::npos) << dump;
}

// HostSink gathers writes: nothing reaches the fd until the batch is full
// or flushed, and what arrives is every byte in order, large writes too.
TEST_F(Stream, HostSinkGathersWritesUntilFlush)
{
	char name[] = "/tmp/bsend-test-sink-XXXXXX";
	int fd = mkstemp(name);
	ASSERT_GE(fd, 0);
	unlink(name);
	{
		bsend_host_out out{fd};
		stream::HostSink sink(&out);
		ASSERT_TRUE(sink.init().is_ok());
		std::vector<uint8_t> expected;
		for (unsigned i = 0; i < 1000; i++) {
			uint8_t command[100];
			memset(command, static_cast<int>(i), sizeof(command));
			ASSERT_TRUE(sink.write(Bytes(command, sizeof(command))).is_ok());
			expected.insert(expected.end(), command, command + sizeof(command));
		}
		EXPECT_EQ(lseek(fd, 0, SEEK_END), 0) << "100,000 bytes fit one batch";
		std::vector<uint8_t> large(stream::HostSink::kBatchBytes + 1, 0xab);
		ASSERT_TRUE(sink.write(Bytes(large.data(), large.size())).is_ok());
		expected.insert(expected.end(), large.begin(), large.end());
		uint8_t tail[7] = {1, 2, 3, 4, 5, 6, 7};
		ASSERT_TRUE(sink.write(Bytes(tail, sizeof(tail))).is_ok());
		expected.insert(expected.end(), tail, tail + sizeof(tail));
		EXPECT_EQ(lseek(fd, 0, SEEK_END), static_cast<off_t>(expected.size() - sizeof(tail)));
		ASSERT_TRUE(sink.flush().is_ok());
		std::vector<uint8_t> written(expected.size() + 1);
		ASSERT_EQ(pread(fd, written.data(), written.size(), 0), static_cast<ssize_t>(expected.size()));
		written.resize(expected.size());
		EXPECT_TRUE(written == expected);
	}
	close(fd);
}

TEST_F(Stream, CommandsToASinkThatKeepsNothingAreNotChecksummed)
{
	auto write_command = [](stream::Sink& sink) {
		auto writer = stream::StreamWriter::create(sink, 1).release_value();
		EXPECT_TRUE(writer.begin(BSEND_SEND_C_MKFILE).is_ok());
		EXPECT_TRUE(writer.put_path(BSEND_SEND_A_PATH, "file").is_ok());
		EXPECT_TRUE(writer.end().is_ok());
		EXPECT_EQ(writer.bytes_written(), 10u + 4 + 4);
	};
	BufferSink kept;
	write_command(kept);
	ThrowawaySink thrown;
	write_command(thrown);

	const std::vector<uint8_t>& with_crc = kept.data;
	const std::vector<uint8_t>& without = thrown.buffer.data;
	ASSERT_EQ(with_crc.size(), without.size());
	const size_t crc_at = offsetof(bsend_cmd_header, crc);
	std::vector<uint8_t> zeroed = with_crc;
	std::fill(zeroed.begin() + crc_at, zeroed.begin() + crc_at + 4, 0);
	EXPECT_EQ(load_le32(with_crc.data() + crc_at), reference_crc32c(0, zeroed.data(), zeroed.size()));
	// The same bytes, with the crc field left 0.
	EXPECT_EQ(without, zeroed);
}
