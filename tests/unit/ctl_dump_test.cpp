// "sendctl dump": strict decoding of malformed streams (exact message,
// exit 1) and agreement with btrfs receive --dump on well-formed ones.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/ctl_run.h"
#include "tests/unit/raw_stream.h"
#include "tests/unit/string_sink.h"

#include "ctl/cli.h"
#include "ctl/dump_format.h"
#include "ctl/exit_status.h"
#include "module/core/platform.h"
#include "module/core/stream/writer.h"
#include "uapi/bsend_stream.h"

namespace sendctl {
using bsend::test::le;
using bsend::test::stream_crc;
using bsend::test::tlv;
using bsend::test::tlv_u64;
using bsend::test::tlv_uuid;

namespace {

using Uuid = std::array<uint8_t, 16>;

constexpr Uuid kSubvolUuid = {0x5e, 0x4d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
			      0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e};
constexpr Uuid kOtherUuid = {0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0,
			     0,    0,    0,    0,    0, 0, 0, 1};

// A file under /tmp, removed when done.
class TempFile {
public:
	explicit TempFile(const std::string &contents = "")
	{
		char name[] = "/tmp/sendctl-dump-XXXXXX";
		int fd = mkstemp(name);
		EXPECT_GE(fd, 0);
		path_ = name;
		if (fd >= 0) {
			EXPECT_EQ(write(fd, contents.data(), contents.size()),
				  static_cast<ssize_t>(contents.size()));
			close(fd);
		}
	}
	~TempFile() { unlink(path_.c_str()); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

class TempDir {
public:
	TempDir()
	{
		char name[] = "/tmp/sendctl-dump-dir-XXXXXX";
		EXPECT_NE(mkdtemp(name), nullptr);
		path_ = name;
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

Outcome dump_bytes(const std::string &bytes)
{
	TempFile file(bytes);
	return sendctl({"dump", file.path()});
}

// ---- Streams encoded by hand, for the malformed ones ---------------------

std::string hex32(uint32_t value)
{
	char text[16];
	std::snprintf(text, sizeof(text), "0x%08x", value);
	return text;
}

// SUBVOL "snap": 40 attribute bytes.
std::string subvol_attributes()
{
	return tlv(BSEND_SEND_A_PATH, "snap") +
	       tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
	       tlv_u64(BSEND_SEND_A_CTRANSID, 7);
}

// A stream as bytes, with this file's SUBVOL.
struct RawStream : bsend::test::RawStream {
	size_t subvol() { return command(BSEND_SEND_C_SUBVOL, subvol_attributes()); }
};

// ---- Malformed streams ---------------------------------------------------

struct MalformedCase {
	const char *name;
	std::string bytes;
	std::string message;	// after "sendctl: dump: "
};

std::vector<MalformedCase> malformed_cases()
{
	std::vector<MalformedCase> cases;
	// Header (17 bytes), SUBVOL at 17 (10 + 40 bytes), then byte 67.
	const std::string subvol17 = "command #1 SUBVOL at byte 17";
	{
		cases.push_back({"EmptyInput", "", "empty input: no stream header"});
	}
	{
		RawStream s;
		s.header();
		cases.push_back({"TruncatedStreamHeader", s.bytes.substr(0, 10),
				 "truncated stream header: 10 of 17 bytes (stream header at byte 0)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		cases.push_back({"TruncatedInAttributes", s.bytes.substr(0, s.bytes.size() - 5),
				 "truncated stream: 35 of 40 attribute bytes (" + subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.end();
		cases.push_back({"TruncatedCommandHeader", s.bytes.substr(0, 67 + 5),
				 "truncated stream: command header has 5 of 10 bytes (command #2 at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.end();
		// The path "snap" becomes "snaq" after the crc was computed.
		std::string good = RawStream::encode(BSEND_SEND_C_SUBVOL, subvol_attributes());
		std::string bad = good;
		bad[10 + 4 + 3] = 'q';
		std::string zeroed = bad;
		zeroed.replace(6, 4, le(0, 4));
		s.bytes.replace(17, bad.size(), bad);
		cases.push_back({"BadCrc", s.bytes,
				 "crc32c mismatch: stored " + hex32(stream_crc(good.substr(0, 6) + le(0, 4) + good.substr(10))) +
					 ", computed " + hex32(stream_crc(zeroed)) + " (" + subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		// END claims 1000 attribute bytes; the input ends first.
		s.bytes += le(1000, 4) + le(BSEND_SEND_C_END, 2) + le(0, 4);
		cases.push_back({"CommandLengthPastEnd", s.bytes,
				 "truncated stream: 0 of 1000 attribute bytes (command #2 END at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.bytes += le(70000, 4) + le(BSEND_SEND_C_SUBVOL, 2) + le(0, 4) +
			   std::string(70000, '\0');
		cases.push_back({"CommandLongerThanV1Allows", s.bytes,
				 "command too long: 70000 attribute bytes, a v1 command holds at most 65526 (" +
					 subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		// PATH claims 50 value bytes; 36 follow its header in the command.
		s.command(BSEND_SEND_C_SUBVOL,
			  le(BSEND_SEND_A_PATH, 2) + le(50, 2) + "snap" +
				  tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
				  tlv_u64(BSEND_SEND_A_CTRANSID, 7));
		s.end();
		cases.push_back({"TlvPastCommand", s.bytes,
				 "attribute PATH at byte 27 overruns its command: 50 value bytes, 36 remain (" +
					 subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL, subvol_attributes() + "\x0f");
		s.end();
		cases.push_back({"AttributeHeaderOverflow", s.bytes,
				 "attribute header at byte 67 overruns its command: 1 of 4 bytes (" +
					 subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL,
			  tlv(BSEND_SEND_A_PATH, "snap") + tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
				  tlv(BSEND_SEND_A_CTRANSID, le(7, 4)));
		s.end();
		cases.push_back({"U64AttributeOfFourBytes", s.bytes,
				 "attribute CTRANSID has 4 bytes, expected 8 (" + subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(99, tlv(BSEND_SEND_A_PATH, "x"));
		s.end();
		cases.push_back({"UnknownCommand", s.bytes, "unknown command 99 (command #2 at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "x") +
						       tlv_u64(BSEND_SEND_A_INO, 257) + tlv(99, "?"));
		s.end();
		cases.push_back({"UnknownAttribute", s.bytes,
				 "unknown attribute 99 at byte 94 (command #2 MKFILE at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "file"));
		s.end();
		cases.push_back({"MissingAttribute", s.bytes,
				 "missing attribute INO (command #2 MKFILE at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(BSEND_SEND_C_UNLINK, tlv(BSEND_SEND_A_PATH, "a") + tlv(BSEND_SEND_A_PATH, "b"));
		s.end();
		cases.push_back({"RepeatedAttribute", s.bytes,
				 "repeated attribute PATH at byte 82 (command #2 UNLINK at byte 67)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		cases.push_back({"MissingEnd", s.bytes,
				 "stream ended without an END command (input ends at byte 67, after " +
					 subvol17 + ")"});
	}
	{
		RawStream s;
		s.header();
		cases.push_back({"HeaderOnly", s.bytes,
				 "stream ended without an END command (input ends at byte 17, after the "
				 "stream header at byte 0)"});
	}
	{
		RawStream s;
		s.header(std::string("btrfs-strean\0", 13));
		s.subvol();
		s.end();
		cases.push_back({"BadMagic", s.bytes,
				 "bad magic: not a btrfs send stream (stream header at byte 0)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.end();
		s.header("btrfs-stream", 1);	// no NUL: 16 bytes
		s.bytes += "x";
		cases.push_back({"BadMagicOfSecondStream", s.bytes,
				 "bad magic: not a btrfs send stream (stream header at byte 77)"});
	}
	{
		RawStream s;
		s.header(std::string("btrfs-stream\0", 13), 3);
		s.subvol();
		s.end();
		cases.push_back({"UnsupportedVersion", s.bytes,
				 "unsupported stream version 3: versions 1 and 2 are supported (stream header at byte 0)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(BSEND_SEND_C_FILEATTR, tlv(BSEND_SEND_A_PATH, "x") + tlv_u64(BSEND_SEND_A_FILEATTR, 16));
		s.end();
		cases.push_back({"Version2CommandInVersion1", s.bytes,
				 "command FILEATTR is not in stream version 1 (command #2 FILEATTR at byte 67)"});
	}
	{
		RawStream s;
		s.header(std::string("btrfs-stream\0", 13), 2);
		s.subvol();
		s.command(BSEND_SEND_C_FALLOCATE, tlv(BSEND_SEND_A_PATH, "x") +
							  tlv(BSEND_SEND_A_FALLOCATE_MODE, le(3, 8)) +
							  tlv_u64(BSEND_SEND_A_FILE_OFFSET, 0) +
							  tlv_u64(BSEND_SEND_A_SIZE, 4096));
		s.end();
		cases.push_back({"U32AttributeOfEightBytes", s.bytes,
				 "attribute FALLOCATE_MODE has 8 bytes, expected 4 (command #2 FALLOCATE at byte 67)"});
	}
	return cases;
}

class DumpMalformed : public testing::TestWithParam<MalformedCase> {};

TEST_P(DumpMalformed, FailsWithItsMessage)
{
	const MalformedCase &c = GetParam();
	Outcome run = dump_bytes(c.bytes);
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.err, "sendctl: dump: " + c.message + "\n");
}

INSTANTIATE_TEST_SUITE_P(Dump, DumpMalformed, testing::ValuesIn(malformed_cases()),
			 [](const testing::TestParamInfo<MalformedCase> &info) {
				 return std::string(info.param.name);
			 });

TEST(DumpCli, PrintsTheCommandsBeforeTheFault)
{
	RawStream s;
	s.header();
	s.subvol();
	Outcome run = dump_bytes(s.bytes);
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.out, "subvol          ./snap                          "
			   "uuid=5e4d0102-0304-0506-0708-090a0b0c0d0e transid=7\n");
}

TEST(DumpCli, GoodStreamExitsZeroWithNothingOnStderr)
{
	RawStream s;
	s.header();
	s.subvol();
	s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "o257-0-0") +
					       tlv_u64(BSEND_SEND_A_INO, 257));
	s.command(BSEND_SEND_C_CHMOD,
		  tlv(BSEND_SEND_A_PATH, "a b") + tlv_u64(BSEND_SEND_A_MODE, 0100644));
	s.end();
	Outcome run = dump_bytes(s.bytes);
	EXPECT_EQ(run.status, kExitSuccess);
	EXPECT_EQ(run.err, "");
	EXPECT_EQ(run.out,
		  "subvol          ./snap                          uuid=5e4d0102-0304-0506-0708-090a0b0c0d0e transid=7\n"
		  "mkfile          ./snap/o257-0-0\n"
		  "chmod           ./snap/a\\ b                     mode=100644\n");
}

TEST(DumpCli, Help)
{
	Outcome run = sendctl({"dump", "--help"});
	EXPECT_EQ(run.status, kExitSuccess);
	EXPECT_EQ(run.out.rfind("Usage: sendctl dump [FILE]\n", 0), 0u) << run.out;
	EXPECT_EQ(run.err, "");
	Outcome top = sendctl({"--help"});
	EXPECT_NE(top.out.find("\n  dump "), std::string::npos) << top.out;
}

TEST(DumpCli, UsageErrors)
{
	Outcome extra = sendctl({"dump", "a", "b"});
	EXPECT_EQ(extra.status, kExitFailure);
	EXPECT_EQ(extra.err.rfind("sendctl dump: ", 0), 0u) << extra.err;
	Outcome option = sendctl({"dump", "--frobnicate"});
	EXPECT_EQ(option.status, kExitFailure);
	EXPECT_EQ(option.err, "sendctl dump: unrecognised option '--frobnicate'\n"
			      "Try 'sendctl dump --help'.\n");
}

TEST(DumpCli, MissingFile)
{
	Outcome run = sendctl({"dump", "/nonexistent/stream"});
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.err, "sendctl: dump: cannot open /nonexistent/stream: No such file or directory\n");
}

// Runs sendctl dump with fd 0 reading file, as "sendctl dump [-]" < file.
Outcome dump_stdin(const std::string &file, const std::vector<std::string> &args)
{
	int saved = dup(STDIN_FILENO);
	int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	Outcome run = sendctl(args);
	dup2(saved, STDIN_FILENO);
	close(saved);
	return run;
}

TEST(DumpCli, ReadsStandardInput)
{
	RawStream s;
	s.header();
	s.subvol();
	s.end();
	TempFile file(s.bytes);
	Outcome from_file = sendctl({"dump", file.path()});
	ASSERT_EQ(from_file.status, kExitSuccess) << from_file.err;
	for (const auto &args : {std::vector<std::string>{"dump"},
				  std::vector<std::string>{"dump", "-"}}) {
		Outcome run = dump_stdin(file.path(), args);
		EXPECT_EQ(run.status, kExitSuccess) << run.err;
		EXPECT_EQ(run.out, from_file.out);
	}
}

// ---- Agreement with btrfs receive --dump ---------------------------------

bool have_program(const char *name)
{
	std::string command = std::string("command -v ") + name + " >/dev/null 2>&1";
	return std::system(command.c_str()) == 0;
}

// Output of a shell command, and whether it exited 0.
std::string capture(const std::string &command, bool *ok)
{
	std::string out;
	FILE *pipe = popen(command.c_str(), "r");
	if (!pipe) {
		*ok = false;
		return out;
	}
	char buffer[4096];
	size_t got;
	while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
		out.append(buffer, got);
	int status = pclose(pipe);
	*ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return out;
}

std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		out.push_back(line);
	return out;
}

// A line "allowing for format": its fields split at unescaped whitespace
// (escaped spaces stay in their field) and joined with one space, so that
// padding does not count but command names, paths and key=value pairs do.
std::string normalised(const std::string &line)
{
	std::vector<std::string> fields;
	std::string field;
	for (size_t i = 0; i < line.size(); i++) {
		if (line[i] == '\\' && i + 1 < line.size()) {
			field += line.substr(i, 2);
			i++;
		} else if (line[i] == ' ' || line[i] == '\t') {
			if (!field.empty())
				fields.push_back(field);
			field.clear();
		} else {
			field += line[i];
		}
	}
	if (!field.empty())
		fields.push_back(field);
	std::string out;
	for (const std::string &f : fields)
		out += (out.empty() ? "" : " ") + f;
	return out;
}

// Dumps the stream in file with both tools and compares them line by line:
// the normalised fields always, the exact text too (padding included).
void expect_agreement(const std::string &file, size_t min_lines)
{
	bool ok = false;
	std::string theirs = capture("btrfs receive --dump -f '" + file + "' 2>&1", &ok);
	ASSERT_TRUE(ok) << "btrfs receive --dump failed:\n" << theirs;
	Outcome mine = sendctl({"dump", file});
	ASSERT_EQ(mine.status, kExitSuccess) << mine.err;
	EXPECT_EQ(mine.err, "");

	std::vector<std::string> their_lines = lines(theirs);
	std::vector<std::string> my_lines = lines(mine.out);
	EXPECT_GE(my_lines.size(), min_lines);
	ASSERT_EQ(my_lines.size(), their_lines.size()) << "sendctl:\n" << mine.out << "btrfs:\n" << theirs;
	for (size_t i = 0; i < my_lines.size(); i++) {
		EXPECT_EQ(normalised(my_lines[i]), normalised(their_lines[i])) << "line " << i + 1;
		EXPECT_EQ(my_lines[i], their_lines[i]) << "line " << i + 1;
	}
}

// Writes commands with bsend's own writer; a writer failure fails the test.
class Writer {
public:
	explicit Writer(uint32_t version = 1)
		: writer_(bsend::stream::StreamWriter::create(sink_, version).release_value())
	{
		check(writer_.write_header());
	}

	Writer &begin(uint16_t command)
	{
		check(writer_.begin(command));
		return *this;
	}
	Writer &path(uint16_t attribute, const std::string &value)
	{
		check(writer_.put_path(attribute, bsend::StringView(value.data(), value.size())));
		return *this;
	}
	Writer &bytes(uint16_t attribute, const std::string &value)
	{
		check(writer_.put_bytes(attribute, bsend::Bytes(reinterpret_cast<const uint8_t *>(value.data()),
							       value.size())));
		return *this;
	}
	Writer &u32(uint16_t attribute, uint32_t value)
	{
		uint8_t bytes[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
		check(writer_.put_bytes(attribute, bsend::Bytes(bytes, sizeof(bytes))));
		return *this;
	}
	Writer &u64(uint16_t attribute, uint64_t value)
	{
		check(writer_.put_u64(attribute, value));
		return *this;
	}
	Writer &uuid(uint16_t attribute, const Uuid &value)
	{
		check(writer_.put_uuid(attribute, value.data()));
		return *this;
	}
	Writer &time(uint16_t attribute, uint64_t seconds, uint32_t nanoseconds)
	{
		check(writer_.put_timespec(attribute, seconds, nanoseconds));
		return *this;
	}
	void end() { check(writer_.end()); }
	void header() { check(writer_.write_header()); }

	const std::string &stream() const { return sink_.data; }

private:
	static void check(const bsend::Result<void> &result)
	{
		EXPECT_TRUE(result.is_ok()) << "StreamWriter: " << result.error().cause;
	}

	bsend::test::StringSink sink_;
	bsend::stream::StreamWriter writer_;
};

// Every v1 command but SNAPSHOT, with names that need escaping.
std::string every_command_stream()
{
	Writer w;
	w.begin(BSEND_SEND_C_SUBVOL).path(BSEND_SEND_A_PATH, "my snap").uuid(BSEND_SEND_A_UUID, kSubvolUuid)
		.u64(BSEND_SEND_A_CTRANSID, 42).end();
	w.begin(BSEND_SEND_C_CHOWN).path(BSEND_SEND_A_PATH, "").u64(BSEND_SEND_A_UID, 1000)
		.u64(BSEND_SEND_A_GID, 100).end();
	w.begin(BSEND_SEND_C_MKFILE).path(BSEND_SEND_A_PATH, "o257-0-0").u64(BSEND_SEND_A_INO, 257).end();
	w.begin(BSEND_SEND_C_RENAME).path(BSEND_SEND_A_PATH, "o257-0-0")
		.path(BSEND_SEND_A_PATH_TO, "dir/tab\there").end();
	w.begin(BSEND_SEND_C_MKDIR).path(BSEND_SEND_A_PATH, "dir").u64(BSEND_SEND_A_INO, 258).end();
	w.begin(BSEND_SEND_C_MKNOD).path(BSEND_SEND_A_PATH, "dev").u64(BSEND_SEND_A_INO, 259)
		.u64(BSEND_SEND_A_MODE, 020644).u64(BSEND_SEND_A_RDEV, makedev(8, 17)).end();
	w.begin(BSEND_SEND_C_MKFIFO).path(BSEND_SEND_A_PATH, "fifo").u64(BSEND_SEND_A_INO, 260).end();
	w.begin(BSEND_SEND_C_MKSOCK).path(BSEND_SEND_A_PATH, "sock").u64(BSEND_SEND_A_INO, 261).end();
	w.begin(BSEND_SEND_C_SYMLINK).path(BSEND_SEND_A_PATH, "link").u64(BSEND_SEND_A_INO, 262)
		.path(BSEND_SEND_A_PATH_LINK, "../target file").end();
	w.begin(BSEND_SEND_C_LINK).path(BSEND_SEND_A_PATH, "dir/hard\\link")
		.path(BSEND_SEND_A_PATH_LINK, "dir/tab\there").end();
	w.begin(BSEND_SEND_C_SET_XATTR).path(BSEND_SEND_A_PATH, "dir/tab\there")
		.path(BSEND_SEND_A_XATTR_NAME, "user.a name").bytes(BSEND_SEND_A_XATTR_DATA, "v\001\377 \n").end();
	w.begin(BSEND_SEND_C_SET_XATTR).path(BSEND_SEND_A_PATH, "dir")
		.path(BSEND_SEND_A_XATTR_NAME, "user.empty").bytes(BSEND_SEND_A_XATTR_DATA, "").end();
	w.begin(BSEND_SEND_C_REMOVE_XATTR).path(BSEND_SEND_A_PATH, "dir")
		.path(BSEND_SEND_A_XATTR_NAME, "user.empty").end();
	w.begin(BSEND_SEND_C_WRITE).path(BSEND_SEND_A_PATH, "dir/tab\there").u64(BSEND_SEND_A_FILE_OFFSET, 4096)
		.bytes(BSEND_SEND_A_DATA, std::string(1000, 'x')).end();
	w.begin(BSEND_SEND_C_CLONE).path(BSEND_SEND_A_PATH, "dir/tab\there").u64(BSEND_SEND_A_FILE_OFFSET, 8192)
		.u64(BSEND_SEND_A_CLONE_LEN, 4096).uuid(BSEND_SEND_A_CLONE_UUID, kOtherUuid)
		.u64(BSEND_SEND_A_CLONE_CTRANSID, 9).path(BSEND_SEND_A_CLONE_PATH, "other")
		.u64(BSEND_SEND_A_CLONE_OFFSET, 0).end();
	w.begin(BSEND_SEND_C_UPDATE_EXTENT).path(BSEND_SEND_A_PATH, "dir/tab\there")
		.u64(BSEND_SEND_A_FILE_OFFSET, 0).u64(BSEND_SEND_A_SIZE, 65536).end();
	w.begin(BSEND_SEND_C_TRUNCATE).path(BSEND_SEND_A_PATH, "dir/tab\there").u64(BSEND_SEND_A_SIZE, 12288).end();
	w.begin(BSEND_SEND_C_CHMOD).path(BSEND_SEND_A_PATH, "dir/tab\there").u64(BSEND_SEND_A_MODE, 04755).end();
	w.begin(BSEND_SEND_C_UTIMES).path(BSEND_SEND_A_PATH, "dir/tab\there")
		.time(BSEND_SEND_A_ATIME, 0, 0).time(BSEND_SEND_A_MTIME, 1700000000, 123456789)
		.time(BSEND_SEND_A_CTIME, 4102444800, 999999999).end();
	w.begin(BSEND_SEND_C_UNLINK).path(BSEND_SEND_A_PATH, "\xc3\xbcnicode").end();
	w.begin(BSEND_SEND_C_RMDIR).path(BSEND_SEND_A_PATH, "dir/").end();
	w.begin(BSEND_SEND_C_END).end();
	return w.stream();
}

// An incremental stream: SNAPSHOT, then a command below it.
std::string snapshot_stream()
{
	Writer w;
	w.begin(BSEND_SEND_C_SNAPSHOT).path(BSEND_SEND_A_PATH, "incr").uuid(BSEND_SEND_A_UUID, kOtherUuid)
		.u64(BSEND_SEND_A_CTRANSID, 43).uuid(BSEND_SEND_A_CLONE_UUID, kSubvolUuid)
		.u64(BSEND_SEND_A_CLONE_CTRANSID, 42).end();
	w.begin(BSEND_SEND_C_UNLINK).path(BSEND_SEND_A_PATH, "dir/hard\\link").end();
	w.begin(BSEND_SEND_C_END).end();
	return w.stream();
}

// A v2 stream: 128 KiB of DATA without a length, OTIME in UTIMES, and the
// v2 commands.
std::string version2_stream()
{
	Writer w(2);
	w.begin(BSEND_SEND_C_SUBVOL).path(BSEND_SEND_A_PATH, "v2 snap").uuid(BSEND_SEND_A_UUID, kSubvolUuid)
		.u64(BSEND_SEND_A_CTRANSID, 42).end();
	w.begin(BSEND_SEND_C_MKFILE).path(BSEND_SEND_A_PATH, "o257-0-0").u64(BSEND_SEND_A_INO, 257).end();
	w.begin(BSEND_SEND_C_WRITE).path(BSEND_SEND_A_PATH, "o257-0-0").u64(BSEND_SEND_A_FILE_OFFSET, 0)
		.bytes(BSEND_SEND_A_DATA, std::string(BSEND_SEND_READ_SIZE_V2, 'd')).end();
	w.begin(BSEND_SEND_C_FALLOCATE).path(BSEND_SEND_A_PATH, "o257-0-0").u32(BSEND_SEND_A_FALLOCATE_MODE, 3)
		.u64(BSEND_SEND_A_FILE_OFFSET, 4096).u64(BSEND_SEND_A_SIZE, 8192).end();
	w.begin(BSEND_SEND_C_FILEATTR).path(BSEND_SEND_A_PATH, "o257-0-0").u64(BSEND_SEND_A_FILEATTR, 0x110).end();
	w.begin(BSEND_SEND_C_ENCODED_WRITE).path(BSEND_SEND_A_PATH, "o257-0-0").u64(BSEND_SEND_A_FILE_OFFSET, 131072)
		.u64(BSEND_SEND_A_UNENCODED_FILE_LEN, 65536).u64(BSEND_SEND_A_UNENCODED_LEN, 131072)
		.u64(BSEND_SEND_A_UNENCODED_OFFSET, 0).u32(BSEND_SEND_A_COMPRESSION, 3)
		.bytes(BSEND_SEND_A_DATA, std::string(4096, 'z')).end();
	w.begin(BSEND_SEND_C_UTIMES).path(BSEND_SEND_A_PATH, "o257-0-0")
		.time(BSEND_SEND_A_ATIME, 1, 2).time(BSEND_SEND_A_MTIME, 1700000000, 3)
		.time(BSEND_SEND_A_CTIME, 1700000001, 4).time(BSEND_SEND_A_OTIME, 1600000000, 5).end();
	w.begin(BSEND_SEND_C_END).end();
	return w.stream();
}

TEST(DumpAgreement, Version2)
{
	// scripts/setup installs btrfs-progs: its absence is a failure here.
	ASSERT_TRUE(have_program("btrfs")) << "btrfs (btrfs-progs) is not installed";
	TempFile file(version2_stream());
	expect_agreement(file.path(), 7);
	Outcome mine = sendctl({"dump", file.path()});
	EXPECT_NE(mine.out.find("fileattr=0x272"), std::string::npos) << mine.out;
	EXPECT_NE(mine.out.find("offset=0 len=131072"), std::string::npos) << mine.out;
}

TEST(DumpAgreement, EveryCommandFromBsendsWriter)
{
	// scripts/setup installs btrfs-progs: its absence is a failure here.
	ASSERT_TRUE(have_program("btrfs")) << "btrfs (btrfs-progs) is not installed";
	TempFile file(every_command_stream());
	expect_agreement(file.path(), 21);
}

TEST(DumpAgreement, Snapshot)
{
	// scripts/setup installs btrfs-progs: its absence is a failure here.
	ASSERT_TRUE(have_program("btrfs")) << "btrfs (btrfs-progs) is not installed";
	TempFile file(snapshot_stream());
	expect_agreement(file.path(), 2);
}

// btrfs receive --dump stops after the first stream of its input; sendctl
// dump goes on, as btrfs receive does when applying: the dump of streams
// one after another is the dumps of each, one after another.
TEST(DumpAgreement, ConcatenatedStreams)
{
	TempFile first(every_command_stream());
	TempFile second(snapshot_stream());
	TempFile both(every_command_stream() + snapshot_stream());
	Outcome one = sendctl({"dump", first.path()});
	Outcome two = sendctl({"dump", second.path()});
	Outcome all = sendctl({"dump", both.path()});
	ASSERT_EQ(one.status, kExitSuccess) << one.err;
	ASSERT_EQ(two.status, kExitSuccess) << two.err;
	EXPECT_EQ(all.status, kExitSuccess) << all.err;
	EXPECT_EQ(all.out, one.out + two.out);
	EXPECT_EQ(two.out.rfind("snapshot        ./incr  ", 0), 0u) << two.out;
}

// Writes path with contents.
void put_file(const std::string &path, const std::string &contents)
{
	std::ofstream out(path, std::ios::binary);
	out << contents;
}

TEST(DumpAgreement, SendOfAnImage)
{
	ASSERT_TRUE(have_program("btrfs") && have_program("mkfs.btrfs") && have_program("setfattr"))
		<< "btrfs-progs or attr is not installed";
	TempDir dir;
	// The files go in a read-only subvolume (256), which send requires.
	std::string root = dir.path() + "/root/snap";
	std::filesystem::create_directories(root + "/sub dir/deeper");
	put_file(root + "/small", "hello\n");
	put_file(root + "/sub dir/deeper/big", std::string(300000, 'b'));
	std::filesystem::create_symlink("sub dir/deeper/big", root + "/link");
	std::filesystem::create_hard_link(root + "/small", root + "/sub dir/hard");
	ASSERT_EQ(mkfifo((root + "/fifo").c_str(), 0640), 0);
	std::filesystem::permissions(root + "/small", std::filesystem::perms(0604));
	bool ok = false;
	std::string out = capture("setfattr -n user.note -v 'a value' '" + root + "/small' 2>&1", &ok);
	ASSERT_TRUE(ok) << out;

	std::string image = dir.path() + "/img";
	out = capture("truncate -s 256M '" + image + "' && mkfs.btrfs -f -q --rootdir '" + dir.path() +
			      "/root' --subvol ro:snap '" + image + "' 2>&1",
		      &ok);
	ASSERT_TRUE(ok) << out;

	std::string stream = dir.path() + "/stream";
	Outcome sent = sendctl({"send", "--image", image, "--subvol", "256", "-f", stream});
	ASSERT_EQ(sent.status, kExitSuccess) << sent.err;
	expect_agreement(stream, 20);
}

}  // namespace
}  // namespace sendctl
