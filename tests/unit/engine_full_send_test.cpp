// send/full_send: offline full sends of mkfs.btrfs --rootdir images, applied
// by the reference applier and compared with the source directory.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/stream/host_sink.h"
#include "module/posix/alloc.h"
#include "module/core/send/placeholder_file_data.h"
#include "module/core/stream/discard_sink.h"
#include "module/posix/image.h"
#include "module/posix/output.h"
#include "tests/tools/apply_stream.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

const std::string kCompareTrees = std::string(BSEND_SOURCE_DIR) + "/tests/vm/helpers/compare-trees";

class TempDir {
public:
	TempDir()
	{
		char name[] = "/tmp/bsend-test-send-XXXXXX";
		path_ = mkdtemp(name);
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	const std::string& path() const { return path_; }

private:
	std::string path_;
};

void write_file(const std::string& path, const std::string& content) { std::ofstream(path) << content; }

// A source tree with every inode kind mkfs --rootdir copies and the
// attributes a send carries.
void make_source(const std::string& root)
{
	namespace fs = std::filesystem;
	fs::create_directories(root + "/dir/sub");
	write_file(root + "/dir/sub/file", "hello\n");
	write_file(root + "/inline", "small");
	write_file(root + "/big", std::string(300000, 'b') + "end");
	std::string text;
	for (int i = 0; text.size() < 700000; i++)
		text += "line " + std::to_string(i) + " of a compressible file\n";
	write_file(root + "/text", text);
	write_file(root + "/inline-text", std::string(1500, 'i'));
	write_file(root + "/xattrs", "x");
	ASSERT_EQ(setxattr((root + "/xattrs").c_str(), "user.small", "value", 5, 0), 0);
	// Over 4 KiB values need btrfs: the VM cases have them. /tmp may be ext4.
	std::string big_value(3500, 'v');
	ASSERT_EQ(setxattr((root + "/xattrs").c_str(), "user.big", big_value.data(), big_value.size(), 0), 0);
	fs::create_symlink("dir/sub/file", root + "/symlink");
	fs::create_hard_link(root + "/big", root + "/dir/hardlink");
	ASSERT_EQ(mkfifo((root + "/fifo").c_str(), 0640), 0);
	write_file(root + "/owned", "owned");
	ASSERT_EQ(chown((root + "/owned").c_str(), 1234, 5678), 0);
	ASSERT_EQ(chmod((root + "/owned").c_str(), 04751), 0);
	std::string deep = root + "/deep";
	for (int i = 0; i < 100; i++)
		deep += "/d" + std::to_string(i);
	fs::create_directories(deep);
	write_file(deep + "/bottom", "bottom");
	write_file(root + "/" + std::string(230, 'n'), "long name");
	write_file(root + "/a name with spaces\nand a newline", "odd name");
	write_file(root + "/données-日本語", "utf8");
	for (int i = 0; i < 2000; i++)
		write_file(root + "/dir/f" + std::to_string(i), std::to_string(i));
}

// Sends subvolume 5 of the image into a file, then applies it into dest.
void send_and_apply(const TestImage& image, const std::string& stream_path, const std::string& dest,
		    send::SendStats* stats)
{
	posix::ImageHost host;
	ASSERT_EQ(host.open(image.path()), 0);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20);
	ASSERT_TRUE(fs.is_ok()) << fs.error().cause;
	{
		bsend_host_out out{open(stream_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
		ASSERT_GE(out.fd, 0);
		stream::HostSink sink(&out);
		auto writer = stream::StreamWriter::create(sink, 1).release_value();
		send::DiskFileData data(*fs.value());
		send::SendOptions options;
		options.subvolume = BTRFS_FS_TREE_OBJECTID;
		options.name = "received";
		auto sent = send::full_send(*fs.value(), data, writer, options);
		close(out.fd);
		ASSERT_TRUE(sent.is_ok()) << sent.error().cause << " ino " << sent.error().ino;
		*stats = sent.value();
	}
	int input = open(stream_path.c_str(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(input, 0);
	auto applied = test::apply_stream(input, dest);
	close(input);
	ASSERT_TRUE(applied.ok()) << applied.error().message;
}

// A dry run of the same send: nothing read, nothing written, only counted.
void dry_run(const TestImage& image, send::SendStats* stats, u64* stream_bytes)
{
	posix::ImageHost host;
	ASSERT_EQ(host.open(image.path()), 0);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20);
	ASSERT_TRUE(fs.is_ok()) << fs.error().cause;
	stream::DiscardSink sink;
	auto writer = stream::StreamWriter::create(sink, 1).release_value();
	send::PlaceholderFileData data;
	send::SendOptions options;
	options.subvolume = BTRFS_FS_TREE_OBJECTID;
	options.name = "received";
	auto sent = send::full_send(*fs.value(), data, writer, options);
	ASSERT_TRUE(sent.is_ok()) << sent.error().cause << " ino " << sent.error().ino;
	*stats = sent.value();
	*stream_bytes = writer.bytes_written();
}

class FullSend : public testing::TestWithParam<ImageOptions> {
protected:
	void TearDown() override { EXPECT_EQ(posix::allocations_outstanding(), 0); }
};

} // namespace

TEST_P(FullSend, ReceivedTreeEqualsTheSource)
{
	TempDir source, work;
	make_source(source.path() + "/root");
	ImageOptions options = GetParam();
	options.rootdir = source.path() + "/root";
	TestImage image(options);

	send::SendStats stats;
	std::string dest = work.path() + "/dest";
	std::filesystem::create_directories(dest);
	send_and_apply(image, work.path() + "/stream", dest, &stats);
	if (HasFatalFailure())
		return;
	EXPECT_GE(stats.inodes, 2000u + 100u + 10u);
	EXPECT_GE(stats.data_bytes, 300003u);

	// mkfs --rootdir keeps neither holes, nor directory mtimes, nor
	// nanoseconds of its source; the VM cases check those on btrfs.
	std::string differences = test::run_command(kCompareTrees + " --no-holes --no-dir-mtime --mtime-seconds " +
						    options.rootdir + " " + dest + "/received 2>&1; true");
	EXPECT_EQ(differences, "");
	std::string dump = test::run_command("btrfs receive --dump -f " + work.path() + "/stream >/dev/null 2>&1 && echo parsed");
	EXPECT_EQ(dump, "parsed\n");

	// The dry run's estimate is the stream's exact size.
	send::SendStats estimated;
	u64 estimated_bytes = 0;
	dry_run(image, &estimated, &estimated_bytes);
	if (HasFatalFailure())
		return;
	EXPECT_EQ(estimated_bytes, std::filesystem::file_size(work.path() + "/stream"));
	EXPECT_EQ(estimated.inodes, stats.inodes);
	EXPECT_EQ(estimated.commands, stats.commands);
	EXPECT_EQ(estimated.data_bytes, stats.data_bytes);
}

namespace {

ImageOptions compressed(const char* algorithm)
{
	ImageOptions options;
	options.extra = std::string("--compress ") + algorithm;
	return options;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(Images, FullSend,
			 testing::Values(ImageOptions{"crc32c", 16384}, ImageOptions{"xxhash", 4096},
					 ImageOptions{"crc32c", 4096, true}, compressed("zlib"), compressed("lzo"),
					 compressed("zstd")),
			 [](const testing::TestParamInfo<ImageOptions>& info) {
				 std::string name = info.param.csum + "_" + std::to_string(info.param.nodesize) +
						    (info.param.mixed ? "_mixed" : "");
				 if (!info.param.extra.empty())
					 name += "_" + info.param.extra.substr(info.param.extra.rfind(' ') + 1);
				 return name;
			 });
