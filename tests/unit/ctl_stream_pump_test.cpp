// StreamPump: what the module writes reaches the output whole, moved with
// splice() to a pipe or a file and copied through a buffer to an output that
// refuses splice() (a file opened for appending); a reader that goes away
// ends the copy with EPIPE; after a failed send, an output nobody reads
// holds sendctl up no longer than the grace it gives.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ctl/stream_pump.h"

namespace sendctl {
namespace {

// 3 MiB that differ from byte to byte position: more than the pump's pipe.
std::string stream_bytes()
{
	std::string bytes(3 << 20, '\0');
	for (std::size_t i = 0; i < bytes.size(); i++)
		bytes[i] = static_cast<char>((i * 131) ^ (i >> 12));
	return bytes;
}

void write_all(int fd, const std::string &bytes)
{
	for (std::size_t done = 0; done < bytes.size();) {
		ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
		ASSERT_GT(n, 0) << std::strerror(errno);
		done += static_cast<std::size_t>(n);
	}
}

std::string read_all(int fd)
{
	std::string bytes;
	char buffer[65536];
	ssize_t n;
	while ((n = read(fd, buffer, sizeof(buffer))) > 0)
		bytes.append(buffer, static_cast<std::size_t>(n));
	return bytes;
}

// Pumps bytes, as the module would write them, to output_fd.
Status pump_to(int output_fd, const std::string &bytes, std::uint64_t *copied)
{
	auto started = StreamPump::start(output_fd);
	EXPECT_TRUE(started.ok());
	std::unique_ptr<StreamPump> pump(started.value());
	write_all(pump->module_fd(), bytes);
	Status finished = pump->finish();
	*copied = pump->bytes_copied();
	return finished;
}

class TempFile {
public:
	TempFile()
	{
		char name[] = "/tmp/stream-pump-XXXXXX";
		int fd = mkstemp(name);
		EXPECT_GE(fd, 0);
		close(fd);
		path_ = name;
	}
	~TempFile() { unlink(path_.c_str()); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

TEST(StreamPump, MovesTheStreamWholeToAPipe)
{
	const std::string bytes = stream_bytes();
	int out[2];
	ASSERT_EQ(pipe(out), 0);
	std::string received;
	std::thread reader([&] { received = read_all(out[0]); });
	std::uint64_t copied = 0;
	Status status = pump_to(out[1], bytes, &copied);
	close(out[1]);
	reader.join();
	close(out[0]);
	EXPECT_TRUE(status.ok()) << status.error().message;
	EXPECT_EQ(copied, bytes.size());
	EXPECT_TRUE(received == bytes);
}

TEST(StreamPump, WritesTheStreamWholeToAFileAndToAnAppendingFile)
{
	const std::string bytes = stream_bytes();
	for (int flags : {O_WRONLY | O_TRUNC, O_WRONLY | O_APPEND}) {
		TempFile file;
		int fd = open(file.path().c_str(), flags);
		ASSERT_GE(fd, 0);
		std::uint64_t copied = 0;
		Status status = pump_to(fd, bytes, &copied);
		close(fd);
		EXPECT_TRUE(status.ok()) << status.error().message;
		EXPECT_EQ(copied, bytes.size());
		int in = open(file.path().c_str(), O_RDONLY);
		ASSERT_GE(in, 0);
		EXPECT_TRUE(read_all(in) == bytes) << "flags " << flags;
		close(in);
	}
}

// What a reader that goes away does with SIGPIPE ignored (a shell's
// "trap '' PIPE"): the copy ends with EPIPE, in btrfs send's words.
TEST(StreamPump, AReaderThatGoesAwayEndsTheCopyWithEpipe)
{
	struct sigaction ignore = {}, saved = {};
	ignore.sa_handler = SIG_IGN;
	ASSERT_EQ(sigaction(SIGPIPE, &ignore, &saved), 0);
	int out[2];
	ASSERT_EQ(pipe(out), 0);
	close(out[0]);
	auto started = StreamPump::start(out[1]);
	ASSERT_TRUE(started.ok());
	std::unique_ptr<StreamPump> pump(started.value());
	// The module's writes fail once the pump has closed its end.
	const std::string bytes = stream_bytes();
	ssize_t n;
	std::size_t done = 0;
	while ((n = write(pump->module_fd(), bytes.data() + done, bytes.size() - done)) > 0)
		done = (done + static_cast<std::size_t>(n)) % bytes.size();
	EXPECT_EQ(errno, EPIPE);
	Status status = pump->finish();
	close(out[1]);
	ASSERT_FALSE(status.ok());
	EXPECT_EQ(status.error().errnum, EPIPE);
	EXPECT_EQ(status.error().message, "failed to read stream from kernel: Broken pipe");
	EXPECT_EQ(status.error().exit_status, EPIPE);
	sigaction(SIGPIPE, &saved, nullptr);
}

// A send cancelled while the output's reader does not read: the copy is
// blocked on the full output, and finish_failed() returns after its grace.
TEST(StreamPump, AFailedSendDoesNotWaitForAnOutputNobodyReads)
{
	int out[2];
	ASSERT_EQ(pipe(out), 0);
	auto started = StreamPump::start(out[1]);
	ASSERT_TRUE(started.ok());
	std::unique_ptr<StreamPump> pump(started.value());
	// Fill both pipes, as a module would until its write has no room.
	ASSERT_EQ(fcntl(pump->module_fd(), F_SETFL, O_NONBLOCK), 0);
	const std::string bytes = stream_bytes();
	std::uint64_t written = 0;
	for (int idle = 0; idle < 20;) {
		ssize_t n = write(pump->module_fd(), bytes.data(), 65536);
		if (n > 0) {
			written += static_cast<std::uint64_t>(n);
			idle = 0;
		} else {
			idle++;
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}
	}
	auto before = std::chrono::steady_clock::now();
	Status status = pump->finish_failed(std::chrono::milliseconds(200));
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
	EXPECT_TRUE(status.ok());
	EXPECT_GE(seconds, 0.19);
	EXPECT_LT(seconds, 2.0);
	// The reader comes back: the copy left running moves what is left and
	// ends on its own, before the pipes go.
	ASSERT_EQ(fcntl(out[0], F_SETFL, O_NONBLOCK), 0);
	std::uint64_t read_back = 0;
	char buffer[65536];
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
	while (read_back < written && std::chrono::steady_clock::now() < deadline) {
		ssize_t n = read(out[0], buffer, sizeof(buffer));
		if (n > 0)
			read_back += static_cast<std::uint64_t>(n);
		else
			std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	EXPECT_EQ(read_back, written);
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	close(out[0]);
	close(out[1]);
}

// With SIGPIPE's default disposition, the process dies of it, as btrfs send
// does when its reader goes away.
TEST(StreamPump, AReaderThatGoesAwayKillsWithTheDefaultSigpipe)
{
	pid_t child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		signal(SIGPIPE, SIG_DFL);
		int out[2];
		if (pipe(out) != 0)
			_exit(2);
		close(out[0]);
		auto started = StreamPump::start(out[1]);
		if (!started.ok())
			_exit(3);
		const std::string bytes = stream_bytes();
		for (;;)
			if (write(started.value()->module_fd(), bytes.data(), bytes.size()) < 0)
				_exit(4);
	}
	int status = 0;
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
	EXPECT_EQ(WTERMSIG(status), SIGPIPE);
}

}  // namespace
}  // namespace sendctl
