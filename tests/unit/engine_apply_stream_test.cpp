// The reference applier (tests/tools/apply_stream.h): streams written with
// bsend's StreamWriter, applied to a temporary directory on the host's
// filesystem, give the tree btrfs receive would make; malformed streams,
// hand-encoded byte by byte, fail with exact messages; and btrfs receive
// --dump agrees on which streams are well formed.
#include <gtest/gtest.h>

#include "tests/unit/raw_stream.h"
#include "tests/unit/string_sink.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "module/core/platform.h"
#include "module/core/stream/writer.h"
#include "tests/tools/apply_stream.h"

namespace {

using bsend::test::ApplyStats;
using bsend::test::Uuid;
using bsend::test::le;
using bsend::test::stream_crc;
using bsend::test::tlv;
using bsend::test::tlv_u64;
using bsend::test::tlv_uuid;

constexpr Uuid kSubvolUuid = {0x5e, 0x4d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
			      0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e};
constexpr Uuid kOtherUuid = {0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

// ---- Streams written by bsend's own writer -------------------------------

// One command per call, in the words of the stream; a writer failure is a
// test failure.
class StreamBuilder {
public:
	StreamBuilder() : writer_(bsend::stream::StreamWriter::create(sink_, 1).release_value()) { next_stream(); }

	// Another stream header, for concatenated streams.
	void next_stream() { check(writer_.write_header()); }

	void subvol(const std::string& path, const Uuid& uuid, uint64_t ctransid)
	{
		begin(BSEND_SEND_C_SUBVOL);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_uuid(BSEND_SEND_A_UUID, uuid.data()));
		check(writer_.put_u64(BSEND_SEND_A_CTRANSID, ctransid));
		end();
	}
	void mkfile(const std::string& path, uint64_t ino) { create(BSEND_SEND_C_MKFILE, path, ino); }
	void mkdir(const std::string& path, uint64_t ino) { create(BSEND_SEND_C_MKDIR, path, ino); }
	void mkfifo(const std::string& path, uint64_t ino) { create(BSEND_SEND_C_MKFIFO, path, ino); }
	void mksock(const std::string& path, uint64_t ino) { create(BSEND_SEND_C_MKSOCK, path, ino); }
	void mknod(const std::string& path, uint64_t ino, uint64_t mode, uint64_t rdev)
	{
		begin(BSEND_SEND_C_MKNOD);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_INO, ino));
		check(writer_.put_u64(BSEND_SEND_A_MODE, mode));
		check(writer_.put_u64(BSEND_SEND_A_RDEV, rdev));
		end();
	}
	void symlink(const std::string& path, uint64_t ino, const std::string& target)
	{
		begin(BSEND_SEND_C_SYMLINK);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_INO, ino));
		put_path(BSEND_SEND_A_PATH_LINK, target);
		end();
	}
	void rename(const std::string& from, const std::string& to)
	{
		two_paths(BSEND_SEND_C_RENAME, from, BSEND_SEND_A_PATH_TO, to);
	}
	// path becomes a new name of the inode at existing.
	void link(const std::string& path, const std::string& existing)
	{
		two_paths(BSEND_SEND_C_LINK, path, BSEND_SEND_A_PATH_LINK, existing);
	}
	void unlink(const std::string& path) { one_path(BSEND_SEND_C_UNLINK, path); }
	void rmdir(const std::string& path) { one_path(BSEND_SEND_C_RMDIR, path); }
	void set_xattr(const std::string& path, const std::string& name, const std::string& value)
	{
		begin(BSEND_SEND_C_SET_XATTR);
		put_path(BSEND_SEND_A_PATH, path);
		put_path(BSEND_SEND_A_XATTR_NAME, name);
		put_path(BSEND_SEND_A_XATTR_DATA, value);
		end();
	}
	void remove_xattr(const std::string& path, const std::string& name)
	{
		begin(BSEND_SEND_C_REMOVE_XATTR);
		put_path(BSEND_SEND_A_PATH, path);
		put_path(BSEND_SEND_A_XATTR_NAME, name);
		end();
	}
	void write(const std::string& path, uint64_t offset, const std::string& data)
	{
		begin(BSEND_SEND_C_WRITE);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
		check(writer_.put_bytes(BSEND_SEND_A_DATA,
					bsend::Bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
		end();
	}
	// Writes data in commands of the most one WRITE may carry.
	void write_all(const std::string& path, uint64_t offset, const std::string& data)
	{
		for (size_t done = 0; done < data.size(); done += BSEND_SEND_READ_SIZE)
			write(path, offset + done, data.substr(done, BSEND_SEND_READ_SIZE));
	}
	void clone(const std::string& path, uint64_t offset, uint64_t length, const Uuid& uuid,
		   const std::string& source, uint64_t source_offset)
	{
		begin(BSEND_SEND_C_CLONE);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
		check(writer_.put_u64(BSEND_SEND_A_CLONE_LEN, length));
		check(writer_.put_uuid(BSEND_SEND_A_CLONE_UUID, uuid.data()));
		check(writer_.put_u64(BSEND_SEND_A_CLONE_CTRANSID, 7));
		put_path(BSEND_SEND_A_CLONE_PATH, source);
		check(writer_.put_u64(BSEND_SEND_A_CLONE_OFFSET, source_offset));
		end();
	}
	void truncate(const std::string& path, uint64_t size)
	{
		path_and_u64(BSEND_SEND_C_TRUNCATE, path, BSEND_SEND_A_SIZE, size);
	}
	void chmod(const std::string& path, uint64_t mode)
	{
		path_and_u64(BSEND_SEND_C_CHMOD, path, BSEND_SEND_A_MODE, mode);
	}
	void chown(const std::string& path, uint64_t uid, uint64_t gid)
	{
		begin(BSEND_SEND_C_CHOWN);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_UID, uid));
		check(writer_.put_u64(BSEND_SEND_A_GID, gid));
		end();
	}
	void utimes(const std::string& path, uint64_t atime, uint64_t mtime, uint32_t nanoseconds)
	{
		begin(BSEND_SEND_C_UTIMES);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_timespec(BSEND_SEND_A_ATIME, atime, nanoseconds));
		check(writer_.put_timespec(BSEND_SEND_A_MTIME, mtime, nanoseconds));
		check(writer_.put_timespec(BSEND_SEND_A_CTIME, mtime, nanoseconds));
		end();
	}
	void update_extent(const std::string& path, uint64_t offset, uint64_t size)
	{
		begin(BSEND_SEND_C_UPDATE_EXTENT);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
		check(writer_.put_u64(BSEND_SEND_A_SIZE, size));
		end();
	}
	void end_command()
	{
		begin(BSEND_SEND_C_END);
		end();
	}

	const std::string& bytes() const { return sink_.data; }

private:
	static void check(const bsend::Result<void>& result)
	{
		EXPECT_TRUE(result.is_ok()) << "StreamWriter: " << result.error().cause;
	}
	void begin(uint16_t command) { check(writer_.begin(command)); }
	void end() { check(writer_.end()); }
	void put_path(uint16_t attribute, const std::string& path)
	{
		check(writer_.put_path(attribute, bsend::StringView(path.data(), path.size())));
	}
	void create(uint16_t command, const std::string& path, uint64_t ino)
	{
		begin(command);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(BSEND_SEND_A_INO, ino));
		end();
	}
	void one_path(uint16_t command, const std::string& path)
	{
		begin(command);
		put_path(BSEND_SEND_A_PATH, path);
		end();
	}
	void two_paths(uint16_t command, const std::string& path, uint16_t attribute, const std::string& other)
	{
		begin(command);
		put_path(BSEND_SEND_A_PATH, path);
		put_path(attribute, other);
		end();
	}
	void path_and_u64(uint16_t command, const std::string& path, uint16_t attribute, uint64_t value)
	{
		begin(command);
		put_path(BSEND_SEND_A_PATH, path);
		check(writer_.put_u64(attribute, value));
		end();
	}

	bsend::test::StringSink sink_;
	bsend::stream::StreamWriter writer_;
};

// ---- Streams encoded by hand, for the malformed ones ---------------------

// A stream as bytes, with this file's usual commands.
struct RawStream : bsend::test::RawStream {
	size_t subvol(const std::string& path = "snap")
	{
		return command(BSEND_SEND_C_SUBVOL, tlv(BSEND_SEND_A_PATH, path) +
							    tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
							    tlv_u64(BSEND_SEND_A_CTRANSID, 7));
	}
	size_t mkfile(const std::string& path)
	{
		return command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, path) + tlv_u64(BSEND_SEND_A_INO, 257));
	}
};

// ---- The host side -------------------------------------------------------

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
public:
	TempDir()
	{
		char name[] = "/tmp/bsend-apply-XXXXXX";
		if (!mkdtemp(name))
			throw std::runtime_error("mkdtemp failed");
		path_ = name;
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	TempDir(const TempDir&) = delete;
	TempDir& operator=(const TempDir&) = delete;

	const std::string& path() const { return path_; }

private:
	std::string path_;
};

// The stream as an fd: a memfd, read from its start.
int stream_fd(const std::string& bytes)
{
	int fd = memfd_create("bsend-stream", MFD_CLOEXEC);
	if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		throw std::runtime_error("cannot make a memfd stream");
	return fd;
}

std::string read_file(const std::string& path)
{
	std::string data;
	FILE* file = std::fopen(path.c_str(), "rb");
	if (!file)
		return "<missing>";
	char buffer[65536];
	size_t got;
	while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
		data.append(buffer, got);
	std::fclose(file);
	return data;
}

struct stat lstat_of(const std::string& path)
{
	struct stat st {};
	EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
	return st;
}

std::string xattr_of(const std::string& path, const std::string& name)
{
	char value[256];
	ssize_t length = ::lgetxattr(path.c_str(), name.c_str(), value, sizeof(value));
	return length < 0 ? "<" + std::string(std::strerror(errno)) + ">" : std::string(value, length);
}

// Runs a shell command; returns its exit status, its output in *output.
int run_shell(const std::string& command, std::string* output)
{
	FILE* pipe = popen((command + " 2>&1").c_str(), "r");
	if (!pipe)
		return -1;
	char buffer[4096];
	size_t got;
	while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
		output->append(buffer, got);
	int status = pclose(pipe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The error message applying bytes to dest gives, or "" if it succeeds.
std::string apply_error_to(const std::string& dest, const std::string& bytes)
{
	int fd = stream_fd(bytes);
	auto applied = bsend::test::apply_stream(fd, dest);
	::close(fd);
	return applied.ok() ? "" : applied.error().message;
}

class ApplyStream : public testing::Test {
protected:
	bsend::test::ApplyStats apply(const std::string& bytes)
	{
		int fd = stream_fd(bytes);
		auto applied = bsend::test::apply_stream(fd, dest_.path());
		::close(fd);
		EXPECT_TRUE(applied.ok()) << applied.error().message;
		return applied.ok() ? applied.value() : ApplyStats{};
	}
	std::string apply_error(const std::string& bytes) { return apply_error_to(dest_.path(), bytes); }
	std::string at(const std::string& path) const { return dest_.path() + "/" + path; }

	TempDir dest_;
};

// ---- Trees -----------------------------------------------------------------

TEST_F(ApplyStream, FilesDirectoriesContentsModesOwnersAndTimes)
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkdir("o257-7-0", 257);
	stream.rename("o257-7-0", "dir");
	stream.mkfile("o258-7-0", 258);
	stream.rename("o258-7-0", "dir/file");
	stream.write("dir/file", 0, "hello");
	stream.write("dir/file", 5, ", world");
	stream.update_extent("dir/file", 0, 12);
	stream.chown("dir/file", 1000, 100);
	stream.chmod("dir/file", 0640);
	stream.utimes("dir/file", 1600000000, 1700000000, 123456789);
	stream.chmod("dir", 0751);
	stream.utimes("dir", 1600000001, 1700000001, 5);
	stream.chmod("", 0700);
	stream.utimes("", 1600000002, 1700000002, 6);
	stream.end_command();

	ApplyStats stats = apply(stream.bytes());

	struct stat file = lstat_of(at("snap/dir/file"));
	EXPECT_TRUE(S_ISREG(file.st_mode));
	EXPECT_EQ(file.st_mode & 07777, 0640u);
	EXPECT_EQ(file.st_uid, 1000u);
	EXPECT_EQ(file.st_gid, 100u);
	EXPECT_EQ(file.st_mtim.tv_sec, 1700000000);
	EXPECT_EQ(file.st_mtim.tv_nsec, 123456789);
	EXPECT_EQ(file.st_atim.tv_sec, 1600000000);
	EXPECT_EQ(read_file(at("snap/dir/file")), "hello, world");	// after the atime check
	struct stat dir = lstat_of(at("snap/dir"));
	EXPECT_TRUE(S_ISDIR(dir.st_mode));
	EXPECT_EQ(dir.st_mode & 07777, 0751u);
	EXPECT_EQ(dir.st_mtim.tv_sec, 1700000001);
	// The empty path is the subvolume's root directory.
	struct stat root = lstat_of(at("snap"));
	EXPECT_EQ(root.st_mode & 07777, 0700u);
	EXPECT_EQ(root.st_mtim.tv_sec, 1700000002);
	EXPECT_EQ(root.st_mtim.tv_nsec, 6);

	EXPECT_EQ(stats.streams, 1u);
	EXPECT_EQ(stats.commands, 16u);
	EXPECT_EQ(stats.bytes_written, 12u);
	ASSERT_EQ(stats.subvolumes.size(), 1u);
	EXPECT_EQ(stats.subvolumes[0].path, "snap");
	EXPECT_EQ(stats.subvolumes[0].uuid, kSubvolUuid);
	EXPECT_EQ(stats.subvolumes[0].ctransid, 7u);
}

TEST_F(ApplyStream, SymlinksHardlinksFifosSocketsAndDeviceNodes)
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("a", 257);
	stream.write("a", 0, "shared");
	stream.link("b", "a");
	stream.symlink("link", 258, "../outside/target");
	stream.mkfifo("fifo", 259);
	stream.mksock("sock", 260);
	stream.mknod("null", 261, S_IFCHR | 0666, makedev(1, 3));
	stream.chmod("null", 0666);
	stream.chmod("link", 0600);	// no permissions of its own: changes nothing
	stream.end_command();

	apply(stream.bytes());

	struct stat a = lstat_of(at("snap/a"));
	struct stat b = lstat_of(at("snap/b"));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_nlink, 2u);
	EXPECT_EQ(read_file(at("snap/b")), "shared");
	struct stat link = lstat_of(at("snap/link"));
	EXPECT_TRUE(S_ISLNK(link.st_mode));
	EXPECT_EQ(std::filesystem::read_symlink(at("snap/link")).string(), "../outside/target");
	EXPECT_TRUE(S_ISFIFO(lstat_of(at("snap/fifo")).st_mode));
	EXPECT_EQ(lstat_of(at("snap/fifo")).st_mode & 07777, 0600u);
	EXPECT_TRUE(S_ISSOCK(lstat_of(at("snap/sock")).st_mode));
	struct stat null = lstat_of(at("snap/null"));
	EXPECT_TRUE(S_ISCHR(null.st_mode));
	EXPECT_EQ(null.st_rdev, makedev(1, 3));
	EXPECT_EQ(null.st_mode & 07777, 0666u);
}

TEST_F(ApplyStream, XattrsAreSetAndRemovedWithoutFollowingSymlinks)
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("file", 257);
	stream.mkdir("dir", 258);
	stream.symlink("link", 259, "file");
	stream.set_xattr("file", "user.kept", "value one");
	stream.set_xattr("file", "user.dropped", "value two");
	stream.remove_xattr("file", "user.dropped");
	stream.set_xattr("dir", "user.on_dir", std::string("bin\0ary", 7));
	stream.set_xattr("link", "trusted.on_link", "the link's own");
	stream.end_command();

	apply(stream.bytes());

	EXPECT_EQ(xattr_of(at("snap/file"), "user.kept"), "value one");
	EXPECT_EQ(xattr_of(at("snap/file"), "user.dropped"), "<" + std::string(std::strerror(ENODATA)) + ">");
	EXPECT_EQ(xattr_of(at("snap/dir"), "user.on_dir"), std::string("bin\0ary", 7));
	EXPECT_EQ(xattr_of(at("snap/link"), "trusted.on_link"), "the link's own");
	EXPECT_EQ(xattr_of(at("snap/file"), "trusted.on_link"), "<" + std::string(std::strerror(ENODATA)) + ">");
}

TEST_F(ApplyStream, TruncateExtendsWithAHole)
{
	constexpr uint64_t kSize = 4 << 20;
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("sparse", 257);
	stream.write("sparse", 0, std::string(4096, 'a'));
	stream.truncate("sparse", kSize);
	stream.end_command();

	apply(stream.bytes());

	std::string data = read_file(at("snap/sparse"));
	ASSERT_EQ(data.size(), kSize);
	EXPECT_EQ(data.substr(0, 4096), std::string(4096, 'a'));
	EXPECT_EQ(data.find_first_not_of('\0', 4096), std::string::npos);
	struct stat st = lstat_of(at("snap/sparse"));
	EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, kSize / 2);
	int fd = ::open(at("snap/sparse").c_str(), O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), 4096);
	::close(fd);
}

// The destination starts with data everywhere the clone lands, so each
// source hole must become a hole there, not be skipped over.
TEST_F(ApplyStream, CloneCopiesTheSourceRangeAndKeepsItsHoles)
{
	constexpr uint64_t kMiB = 1 << 20;
	const std::string head(64 << 10, 'x');
	const std::string tail(64 << 10, 'y');
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("src", 257);
	stream.write_all("src", 0, head);
	stream.write_all("src", kMiB, tail);		// [64K, 1M) is a hole
	stream.mkfile("dst", 258);
	stream.write_all("dst", 0, std::string(256 << 10, 'z'));
	stream.clone("dst", 0, kMiB + tail.size(), kSubvolUuid, "src", 0);
	stream.mkfile("part", 259);
	stream.clone("part", 8192, tail.size(), kSubvolUuid, "src", kMiB);
	stream.end_command();

	ApplyStats stats = apply(stream.bytes());

	std::string expected = head + std::string(kMiB - head.size(), '\0') + tail;
	EXPECT_TRUE(read_file(at("snap/dst")) == expected) << "dst differs from the source range";
	int fd = ::open(at("snap/dst").c_str(), O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), static_cast<off_t>(head.size()));
	EXPECT_EQ(lseek(fd, static_cast<off_t>(head.size()), SEEK_DATA), static_cast<off_t>(kMiB));
	::close(fd);
	EXPECT_LT(static_cast<uint64_t>(lstat_of(at("snap/dst")).st_blocks) * 512, kMiB / 2);

	EXPECT_EQ(read_file(at("snap/part")), std::string(8192, '\0') + tail);
	EXPECT_EQ(stats.bytes_cloned, head.size() + 2 * tail.size());
}

TEST_F(ApplyStream, RenamesUnlinksAndRmdirsLeaveTheFinalTree)
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("o257-7-0", 257);
	stream.mkdir("o258-7-0", 258);
	stream.rename("o258-7-0", "d");
	stream.rename("o257-7-0", "d/moved");
	stream.write("d/moved", 0, "content");
	stream.mkfile("gone", 259);
	stream.unlink("gone");
	stream.mkdir("empty", 260);
	stream.rmdir("empty");
	stream.end_command();

	apply(stream.bytes());

	std::vector<std::string> names;
	for (const auto& entry : std::filesystem::recursive_directory_iterator(at("snap")))
		names.push_back(entry.path().lexically_relative(at("snap")).string());
	std::sort(names.begin(), names.end());
	EXPECT_EQ(names, (std::vector<std::string>{"d", "d/moved"}));
	EXPECT_EQ(read_file(at("snap/d/moved")), "content");
}

TEST_F(ApplyStream, ConcatenatedStreamsEachMakeTheirSubvolume)
{
	StreamBuilder stream;
	stream.subvol("first", kSubvolUuid, 7);
	stream.mkfile("one", 257);
	stream.write("one", 0, "1");
	stream.end_command();
	stream.next_stream();
	stream.subvol("second", kOtherUuid, 8);
	stream.mkfile("two", 257);
	stream.write("two", 0, "2");
	stream.end_command();

	ApplyStats stats = apply(stream.bytes());

	EXPECT_EQ(read_file(at("first/one")), "1");
	EXPECT_EQ(read_file(at("second/two")), "2");
	EXPECT_FALSE(std::filesystem::exists(at("first/two")));
	EXPECT_EQ(stats.streams, 2u);
	ASSERT_EQ(stats.subvolumes.size(), 2u);
	EXPECT_EQ(stats.subvolumes[1].path, "second");
	EXPECT_EQ(stats.subvolumes[1].uuid, kOtherUuid);
}

// read() from a pipe returns what has arrived; the reader must piece
// commands together.
TEST_F(ApplyStream, ReadsAStreamThatArrivesByteByByteThroughAPipe)
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("file", 257);
	stream.write("file", 0, "through a pipe");
	stream.end_command();
	const std::string bytes = stream.bytes();

	int pipe_fds[2];
	ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
	std::thread sender([&] {
		for (char byte : bytes)
			if (::write(pipe_fds[1], &byte, 1) != 1)
				break;
		::close(pipe_fds[1]);
	});
	auto applied = bsend::test::apply_stream(pipe_fds[0], dest_.path());
	sender.join();
	::close(pipe_fds[0]);

	ASSERT_TRUE(applied.ok()) << applied.error().message;
	EXPECT_EQ(read_file(at("snap/file")), "through a pipe");
}

// ---- Malformed streams and refused commands --------------------------------

struct ErrorCase {
	const char* name;
	std::string bytes;
	std::string message;
};

std::vector<ErrorCase> error_cases()
{
	const std::string where17 = "command #1 SUBVOL at byte 17";
	std::vector<ErrorCase> cases;

	cases.push_back({"EmptyInput", "", "empty input: no stream header"});
	{
		RawStream s;
		s.header();
		cases.push_back({"TruncatedHeader", s.bytes.substr(0, 9),
				 "truncated stream header: 9 of 17 bytes (stream header at byte 0)"});
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
		s.header(std::string("btrfs-stream\0", 13), 3);
		s.subvol();
		s.end();
		cases.push_back({"Version3", s.bytes,
				 "unsupported stream version 3: versions 1 and 2 are supported "
				 "(stream header at byte 0)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t mkfile = s.mkfile("file");
		cases.push_back({"TruncatedCommandHeader", s.bytes.substr(0, mkfile + 4),
				 "truncated stream: command header has 4 of 10 bytes (command #2 at byte " +
					 std::to_string(mkfile) + ")"});
		cases.push_back({"CommandPastTheEndOfInput", s.bytes.substr(0, mkfile + 10 + 3),
				 "truncated stream: 3 of 20 attribute bytes (command #2 MKFILE at byte " +
					 std::to_string(mkfile) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.end();
		std::string bytes = s.bytes;
		bytes[17 + 10 + 4] ^= 0x20;	// "snap" -> "Snap"
		uint32_t stored = stream_crc(s.bytes.substr(17, 10 + 40).replace(6, 4, le(0, 4)));
		uint32_t computed = stream_crc(bytes.substr(17, 10 + 40).replace(6, 4, le(0, 4)));
		char crcs[64];
		std::snprintf(crcs, sizeof(crcs), "stored 0x%08x, computed 0x%08x", stored, computed);
		cases.push_back({"BadCrc", bytes, "crc32c mismatch: " + std::string(crcs) + " (" + where17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL, le(BSEND_SEND_A_PATH, 2) + le(200, 2) + "snap");
		s.end();
		cases.push_back({"AttributeOverrunsItsCommand", s.bytes,
				 "attribute PATH at byte 27 overruns its command: 200 value bytes, 4 remain (" +
					 where17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL, tlv(BSEND_SEND_A_PATH, "snap") + "\x0f");
		s.end();
		cases.push_back({"AttributeHeaderOverrunsItsCommand", s.bytes,
				 "attribute header at byte 35 overruns its command: 1 of 4 bytes (" + where17 +
					 ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.command(99, tlv(BSEND_SEND_A_PATH, "x"));
		s.end();
		cases.push_back({"UnknownCommand", s.bytes,
				 "unknown command 99 (command #2 at byte " + std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "x") +
								 tlv_u64(BSEND_SEND_A_INO, 257) + tlv(99, "?"));
		s.end();
		cases.push_back({"UnknownAttribute", s.bytes,
				 "unknown attribute 99 at byte " + std::to_string(bad + 10 + 5 + 12) +
					 " (command #2 MKFILE at byte " + std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "file"));
		s.end();
		cases.push_back({"MissingAttribute", s.bytes,
				 "missing attribute INO (command #2 MKFILE at byte " + std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL, tlv(BSEND_SEND_A_PATH, "snap") +
						       tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
						       tlv(BSEND_SEND_A_CTRANSID, le(7, 4)));
		s.end();
		cases.push_back({"U64AttributeOfFourBytes", s.bytes,
				 "attribute CTRANSID has 4 bytes, expected 8 (" + where17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SUBVOL, tlv(BSEND_SEND_A_PATH, "snap") +
						       tlv(BSEND_SEND_A_UUID, "short uuid") +
						       tlv_u64(BSEND_SEND_A_CTRANSID, 7));
		s.end();
		cases.push_back({"UuidOfTenBytes", s.bytes,
				 "attribute UUID has 10 bytes, expected 16 (" + where17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.command(BSEND_SEND_C_UTIMES,
				       tlv(BSEND_SEND_A_PATH, "") + tlv(BSEND_SEND_A_ATIME, le(1, 8)) +
					       tlv(BSEND_SEND_A_MTIME, le(1, 8) + le(0, 4)) +
					       tlv(BSEND_SEND_A_CTIME, le(1, 8) + le(0, 4)));
		s.end();
		cases.push_back({"TimespecOfEightBytes", s.bytes,
				 "attribute ATIME has 8 bytes, expected 12 (command #2 UTIMES at byte " +
					 std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad =
			s.command(BSEND_SEND_C_UNLINK, tlv(BSEND_SEND_A_PATH, "a") + tlv(BSEND_SEND_A_PATH, "b"));
		s.end();
		cases.push_back({"RepeatedAttribute", s.bytes,
				 "repeated attribute PATH at byte " + std::to_string(bad + 10 + 5) +
					 " (command #2 UNLINK at byte " + std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.bytes += le(70000, 4) + le(BSEND_SEND_C_SUBVOL, 2) + le(0, 4) + std::string(70000, '\0');
		cases.push_back({"CommandLongerThanV1Allows", s.bytes,
				 "command too long: 70000 attribute bytes, a v1 command holds at most 65526 (" +
					 where17 + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.mkfile("a/../../escaped");
		s.end();
		cases.push_back({"DotDotPath", s.bytes,
				 "path \"a/../../escaped\" has a \"..\" component (command #2 MKFILE at byte " +
					 std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.mkfile("/etc/escaped");
		s.end();
		cases.push_back({"AbsolutePath", s.bytes,
				 "path \"/etc/escaped\" is absolute (command #2 MKFILE at byte " +
					 std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.command(BSEND_SEND_C_SYMLINK, tlv(BSEND_SEND_A_PATH, "up") + tlv_u64(BSEND_SEND_A_INO, 257) +
							 tlv(BSEND_SEND_A_PATH_LINK, ".."));
		size_t bad = s.mkfile("up/escaped");
		s.end();
		cases.push_back({"PathThroughASymlink", s.bytes,
				 "cannot open directory \"up\": Not a directory (command #3 MKFILE at byte " +
					 std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t last = s.mkfile("file");
		cases.push_back({"NoEndCommand", s.bytes,
				 "stream ended without an END command (input ends at byte " +
					 std::to_string(s.bytes.size()) + ", after command #2 MKFILE at byte " +
					 std::to_string(last) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.end();
		size_t junk = s.bytes.size();
		s.bytes += std::string(17, 'j');
		cases.push_back({"JunkAfterEnd", s.bytes,
				 "bad magic: not a btrfs send stream (stream header at byte " +
					 std::to_string(junk) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.command(BSEND_SEND_C_SNAPSHOT, tlv(BSEND_SEND_A_PATH, "snap") +
							  tlv_uuid(BSEND_SEND_A_UUID, kSubvolUuid) +
							  tlv_u64(BSEND_SEND_A_CTRANSID, 7) +
							  tlv_uuid(BSEND_SEND_A_CLONE_UUID, kOtherUuid) +
							  tlv_u64(BSEND_SEND_A_CLONE_CTRANSID, 6));
		s.end();
		cases.push_back({"Snapshot", s.bytes,
				 "incremental streams are not supported by the reference applier "
				 "(command #1 SNAPSHOT at byte 17)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		s.mkfile("src");
		s.command(BSEND_SEND_C_MKFILE, tlv(BSEND_SEND_A_PATH, "dst") + tlv_u64(BSEND_SEND_A_INO, 258));
		size_t bad = s.command(BSEND_SEND_C_CLONE,
				       tlv(BSEND_SEND_A_PATH, "dst") + tlv_u64(BSEND_SEND_A_FILE_OFFSET, 0) +
					       tlv_u64(BSEND_SEND_A_CLONE_LEN, 4096) +
					       tlv_uuid(BSEND_SEND_A_CLONE_UUID, kOtherUuid) +
					       tlv_u64(BSEND_SEND_A_CLONE_CTRANSID, 6) +
					       tlv(BSEND_SEND_A_CLONE_PATH, "src") +
					       tlv_u64(BSEND_SEND_A_CLONE_OFFSET, 0));
		s.end();
		cases.push_back({"CloneFromAnotherSubvolume", s.bytes,
				 "clone source outside the stream: subvolume "
				 "aabbccdd-0000-0000-0000-000000000001 is not the stream's "
				 "5e4d0102-0304-0506-0708-090a0b0c0d0e (command #4 CLONE at byte " +
					 std::to_string(bad) + ")"});
	}
	{
		RawStream s;
		s.header();
		s.mkfile("file");
		s.end();
		cases.push_back({"CommandBeforeSubvol", s.bytes,
				 "command before SUBVOL (command #1 MKFILE at byte 17)"});
	}
	{
		RawStream s;
		s.header();
		s.subvol();
		size_t bad = s.command(BSEND_SEND_C_WRITE, tlv(BSEND_SEND_A_PATH, "missing") +
								tlv_u64(BSEND_SEND_A_FILE_OFFSET, 0) +
								tlv(BSEND_SEND_A_DATA, "x"));
		s.end();
		cases.push_back({"WriteToAMissingFile", s.bytes,
				 "cannot open \"missing\" for writing: No such file or directory "
				 "(command #2 WRITE at byte " + std::to_string(bad) + ")"});
	}
	return cases;
}

class ApplyStreamErrors : public ApplyStream, public testing::WithParamInterface<ErrorCase> {};

TEST_P(ApplyStreamErrors, FailWithAnExactMessage)
{
	EXPECT_EQ(apply_error(GetParam().bytes), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Apply, ApplyStreamErrors, testing::ValuesIn(error_cases()),
			 [](const testing::TestParamInfo<ErrorCase>& info) {
				 return std::string(info.param.name);
			 });

TEST_F(ApplyStream, ASymlinkNeverLeadsOutOfTheDestination)
{
	TempDir outside;
	RawStream s;
	s.header();
	s.subvol();
	s.command(BSEND_SEND_C_SYMLINK, tlv(BSEND_SEND_A_PATH, "out") + tlv_u64(BSEND_SEND_A_INO, 257) +
						 tlv(BSEND_SEND_A_PATH_LINK, outside.path()));
	s.mkfile("out/planted");
	s.end();

	EXPECT_NE(apply_error(s.bytes), "");
	EXPECT_FALSE(std::filesystem::exists(outside.path() + "/planted"));
}

TEST_F(ApplyStream, AnExistingSubvolumeDirectoryIsNotReused)
{
	ASSERT_EQ(::mkdir(at("snap").c_str(), 0755), 0);
	RawStream s;
	s.header();
	s.subvol();
	s.end();
	EXPECT_EQ(apply_error(s.bytes),
		  "cannot create subvolume directory \"snap\": File exists (command #1 SUBVOL at byte 17)");
}

// ---- Agreement with btrfs receive --dump and the command-line tool ----------

std::string write_temp_file(const TempDir& dir, const std::string& name, const std::string& bytes)
{
	std::string path = dir.path() + "/" + name;
	FILE* file = std::fopen(path.c_str(), "wb");
	if (!file || std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size())
		throw std::runtime_error("cannot write " + path);
	std::fclose(file);
	return path;
}

// Every v1 command kind the applier performs, as bsend's writer writes it.
std::string every_command_stream()
{
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkdir("dir", 256 + 1);
	stream.mkfile("dir/file", 258);
	stream.write("dir/file", 0, "data");
	stream.clone("dir/file", 4096, 4, kSubvolUuid, "dir/file", 0);
	stream.truncate("dir/file", 16384);
	stream.link("dir/hard", "dir/file");
	stream.symlink("sym", 259, "dir/file");
	stream.mkfifo("fifo", 260);
	stream.mksock("sock", 261);
	stream.mknod("null", 262, S_IFCHR | 0666, makedev(1, 3));
	stream.set_xattr("dir/file", "user.k", "v");
	stream.remove_xattr("dir/file", "user.k");
	stream.mkfile("tmp", 263);
	stream.rename("tmp", "renamed");
	stream.unlink("renamed");
	stream.mkdir("gone", 264);
	stream.rmdir("gone");
	stream.update_extent("dir/file", 0, 4);
	stream.chown("dir/file", 0, 0);
	stream.chmod("dir/file", 0644);
	stream.utimes("dir/file", 1, 2, 3);
	stream.end_command();
	return stream.bytes();
}

TEST_F(ApplyStream, BtrfsReceiveDumpAgreesOnWhichStreamsAreWellFormed)
{
	TempDir files;
	const std::string good = every_command_stream();
	std::string bad_crc = good;
	bad_crc[17 + 10 + 4] ^= 1;
	const std::string no_end = good.substr(0, good.size() - 10);

	std::string dump;
	EXPECT_EQ(run_shell("btrfs receive --dump -f " + write_temp_file(files, "good", good), &dump), 0) << dump;
	for (const char* kind : {"subvol", "mkdir", "mkfile", "write", "clone", "truncate", "link", "symlink",
				 "mkfifo", "mksock", "mknod", "set_xattr", "remove_xattr", "rename", "unlink",
				 "rmdir", "update_extent", "chown", "chmod", "utimes"})
		EXPECT_NE(dump.find(kind), std::string::npos) << kind << " missing from\n" << dump;
	EXPECT_EQ(apply_error(good), "");
	EXPECT_EQ(read_file(at("snap/dir/hard")).substr(0, 4100), "data" + std::string(4092, '\0') + "data");

	std::string output;
	EXPECT_NE(run_shell("btrfs receive --dump -f " + write_temp_file(files, "bad_crc", bad_crc), &output), 0);
	EXPECT_NE(output.find("crc32 mismatch"), std::string::npos) << output;
	TempDir bad_crc_dest;
	EXPECT_NE(apply_error_to(bad_crc_dest.path(), bad_crc).find("crc32c mismatch"), std::string::npos);

	output.clear();
	EXPECT_NE(run_shell("btrfs receive --dump -f " + write_temp_file(files, "no_end", no_end), &output), 0);
	TempDir no_end_dest;
	EXPECT_EQ(apply_error_to(no_end_dest.path(), no_end).rfind("stream ended without an END command", 0), 0u);
}

// The tool next to this test binary: build/.../tests/tools/bsend-apply-stream.
std::string tool_path()
{
	std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
	return (self.parent_path().parent_path() / "tools" / "bsend-apply-stream").string();
}

TEST_F(ApplyStream, CommandLineExitsZeroOrPrintsTheErrorAndExitsOne)
{
	std::string tool = tool_path();
	ASSERT_TRUE(std::filesystem::exists(tool)) << tool << " is not built";
	TempDir files;
	StreamBuilder stream;
	stream.subvol("snap", kSubvolUuid, 7);
	stream.mkfile("file", 257);
	stream.write("file", 0, "from the cli");
	stream.end_command();
	std::string good = write_temp_file(files, "good", stream.bytes());
	std::string no_end =
		write_temp_file(files, "no_end", stream.bytes().substr(0, stream.bytes().size() - 10));

	std::string output;
	EXPECT_EQ(run_shell(tool + " -f " + good + " " + dest_.path(), &output), 0) << output;
	EXPECT_EQ(output, "");
	EXPECT_EQ(read_file(at("snap/file")), "from the cli");

	output.clear();
	TempDir second;
	EXPECT_EQ(run_shell(tool + " " + second.path() + " < " + good, &output), 0) << output;
	EXPECT_EQ(read_file(second.path() + "/snap/file"), "from the cli");

	output.clear();
	TempDir third;
	EXPECT_EQ(run_shell(tool + " -f " + no_end + " " + third.path(), &output), 1);
	const std::string expected = "bsend-apply-stream: stream ended without an END command (input ends";
	EXPECT_EQ(output.rfind(expected, 0), 0u) << output;

	output.clear();
	EXPECT_EQ(run_shell(tool, &output), 1);
	EXPECT_EQ(output, "bsend-apply-stream: usage: bsend-apply-stream [-f STREAM] DESTDIR\n");
}

} // namespace
