// "sendctl send" command line: what btrfs send accepts and the flags and
// stream version it asks the kernel for.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <linux/btrfs.h>

#include "ctl/send_options.h"
#include "uapi/bsend.h"

namespace sendctl {
namespace {

using Args = std::vector<std::string>;

SendOptions parsed(const Args &args)
{
	auto options = parse_send_options(args);
	EXPECT_TRUE(options.ok()) << options.error().message;
	return options.ok() ? options.value() : SendOptions{};
}

std::string rejection(const Args &args)
{
	auto options = parse_send_options(args);
	EXPECT_FALSE(options.ok());
	return options.ok() ? std::string() : options.error().message;
}

TEST(SendOptions, ReadsEveryOption)
{
	SendOptions options =
		parsed({"-f", "out", "-p", "par", "-c", "c1", "-c", "c2",
			"--no-data", "--proto", "2", "--compressed-data", "-e",
			"snap"});
	EXPECT_EQ(options.subvols, Args{"snap"});
	EXPECT_EQ(options.output_file, "out");
	EXPECT_EQ(options.parent, "par");
	EXPECT_EQ(options.clone_sources, (Args{"c1", "c2"}));
	EXPECT_TRUE(options.no_data);
	EXPECT_EQ(options.proto, 2u);
	EXPECT_TRUE(options.compressed_data);
	EXPECT_TRUE(options.omit_end_cmd_between);
}

TEST(SendOptions, DefaultsToStdoutFullSendProtoUnset)
{
	SendOptions options = parsed({"snap"});
	EXPECT_EQ(options.output_file, "");
	EXPECT_EQ(options.parent, "");
	EXPECT_TRUE(options.clone_sources.empty());
	EXPECT_FALSE(options.proto.has_value());
	EXPECT_FALSE(options.help);
}

TEST(SendOptions, KeepsWhatBtrfsSendChecksInItsOrder)
{
	// btrfs send checks -p and -c as getopt meets them, and reports a
	// second -p, a missing SUBVOL and --compressed-data with --proto 1
	// itself, after the checks before them (sender.h).
	SendOptions options = parsed({"-c", "c1", "-p", "p1", "-c", "c2", "-p", "p2"});
	ASSERT_EQ(options.related.size(), 4u);
	EXPECT_EQ(options.related[0].role, RelatedSubvolume::kCloneSource);
	EXPECT_EQ(options.related[0].path, "c1");
	EXPECT_EQ(options.related[1].role, RelatedSubvolume::kParent);
	EXPECT_EQ(options.related[1].path, "p1");
	EXPECT_EQ(options.related[2].path, "c2");
	EXPECT_EQ(options.related[3].path, "p2");
	EXPECT_EQ(options.parent, "p1");
	EXPECT_TRUE(options.subvols.empty());
	EXPECT_TRUE(parsed({"--proto", "1", "--compressed-data", "snap"}).compressed_data);
	EXPECT_TRUE(parsed({"-i", "x", "snap"}).removed_option_i);
}

TEST(SendOptions, VerbosityCountsAsBtrfsSendCountsIt)
{
	EXPECT_EQ(parsed({"snap"}).verbosity, kLogDefault);
	EXPECT_EQ(parsed({"-v", "snap"}).verbosity, kLogInfo);
	EXPECT_EQ(parsed({"-vvv", "snap"}).verbosity, kLogDebug);
	EXPECT_EQ(parsed({"-q", "snap"}).verbosity, kQuiet);
	// The last -q resets; a -v after it counts from there.
	EXPECT_EQ(parsed({"-v", "-q", "-v", "snap"}).verbosity, kLogDefault);
	EXPECT_EQ(parsed({"--verbose", "--verbose", "snap"}).verbosity, 3);
	EXPECT_EQ(parsed({"--quiet", "snap"}).progress, Progress::kNever);
}

TEST(SendOptions, HelpNeedsNothingElse)
{
	EXPECT_TRUE(parsed({"--help"}).help);
	EXPECT_TRUE(parsed({"-h"}).help);
	EXPECT_NE(send_usage().find("--compressed-data"), std::string::npos);
}

TEST(SendOptions, RejectsWhatBtrfsSendRejects)
{
	EXPECT_EQ(rejection({"--proto", "4294967296", "snap"}),
		  "protocol version number too big 4294967296");
	EXPECT_EQ(rejection({"--proto", "two", "snap"}),
		  "invalid protocol version number 'two'");
	EXPECT_NE(rejection({"--frobnicate", "snap"}).find("unrecognised"),
		  std::string::npos);
	EXPECT_NE(rejection({"-f"}).find("missing"), std::string::npos);
}

TEST(SendOptions, SeveralSubvolumesInOrder)
{
	EXPECT_EQ(parsed({"a", "b", "c"}).subvols, (Args{"a", "b", "c"}));
	SendOptions options = parsed({"-e", "-p", "par", "a", "b"});
	EXPECT_EQ(options.subvols, (Args{"a", "b"}));
	EXPECT_EQ(options.parent, "par");
	EXPECT_TRUE(options.omit_end_cmd_between);
	EXPECT_EQ(parsed({"--dry-run", "a", "b"}).subvols, (Args{"a", "b"}));
}

TEST(SendOptions, CloneSourcesWithoutParent)
{
	SendOptions options = parsed({"-c", "c1", "snap"});
	EXPECT_EQ(options.parent, "");
	EXPECT_EQ(options.clone_sources, Args{"c1"});
	EXPECT_EQ(parsed({"-c", "c1", "-c", "c2", "a", "b"}).clone_sources,
		  (Args{"c1", "c2"}));
	parsed({"-c", "c1", "-p", "par", "snap"});
	EXPECT_NE(send_usage().find("SUBVOL [SUBVOL...]"), std::string::npos);
}

TEST(SendOptions, ImageSendsTakeSubvolumeIds)
{
	EXPECT_EQ(rejection({"--image", "img", "--subvol", "5", "-c", "c1"}),
		  "with --image, -c takes a clone source's subvolume id (a number)");
	EXPECT_EQ(parsed({"--image", "img", "--subvol", "258", "-c", "256", "-c", "257"}).clone_sources,
		  (Args{"256", "257"}));
	EXPECT_EQ(rejection({"--image", "img", "--subvol", "257", "-p", "snap"}),
		  "with --image, -p takes the parent's subvolume id (a number)");
	EXPECT_EQ(parsed({"--image", "img", "--subvol", "257", "-p", "256"}).parent, "256");
	EXPECT_EQ(rejection({"--image", "img", "--subvol", "5", "snap"}),
		  "--image takes the subvolume as --subvol ID, not as SUBVOL");
	// Protocol v2 offline as from the module; compressed data not yet.
	EXPECT_EQ(parsed({"--image", "img", "--subvol", "256", "--proto", "2"}).proto, 2u);
	EXPECT_EQ(rejection({"--image", "img", "--subvol", "256", "--compressed-data"}),
		  "--image does not support --compressed-data yet");
	// One image a device, in the order given.
	EXPECT_EQ(parsed({"--image", "dev1.img", "--image", "dev2.img", "--subvol", "5"}).images,
		  (Args{"dev1.img", "dev2.img"}));
}

TEST(SendOptions, MemoryBudgetIsBytesAndGoesWithImage)
{
	EXPECT_EQ(parsed({"--image", "img", "--subvol", "257"}).memory_budget, 0u);
	EXPECT_EQ(parsed({"--image", "img", "--subvol", "257", "--memory-budget", "1048576"}).memory_budget, 1048576u);
	EXPECT_EQ(rejection({"--image", "img", "--subvol", "257", "--memory-budget", "64M"}),
		  "--memory-budget takes a number of bytes");
	EXPECT_EQ(rejection({"--memory-budget", "1048576", "snap"}),
		  "--memory-budget goes with --image (the module's is its parameter send_memory_budget_mib)");
}

TEST(SendOptions, DryRunAndProgress)
{
	SendOptions options = parsed({"snap"});
	EXPECT_FALSE(options.dry_run);
	EXPECT_EQ(options.progress, Progress::kAuto);
	EXPECT_EQ(parsed({"--progress", "snap"}).progress, Progress::kAlways);
	EXPECT_EQ(parsed({"-q", "snap"}).progress, Progress::kNever);
	EXPECT_EQ(parsed({"--quiet", "snap"}).progress, Progress::kNever);
	EXPECT_EQ(rejection({"--progress", "--quiet", "snap"}), "--progress and --quiet contradict each other");
	EXPECT_TRUE(parsed({"--dry-run", "snap"}).dry_run);
	EXPECT_EQ(rejection({"--dry-run", "-f", "out", "snap"}),
		  "--dry-run writes no stream; -f FILE has no use with it");
	EXPECT_EQ(stream_request(parsed({"--dry-run", "snap"}), 0, 1).flags,
		  BTRFS_SEND_FLAG_VERSION | BSEND_SEND_FLAG_DRY_RUN);
}

TEST(StreamRequest, DefaultIsVersionOneWithTheVersionFlag)
{
	StreamRequest request = stream_request(parsed({"snap"}), 0, 1);
	EXPECT_EQ(request.flags, BTRFS_SEND_FLAG_VERSION);
	EXPECT_EQ(request.version, 1u);
}

TEST(StreamRequest, ProtoZeroAsksForTheHighest)
{
	StreamRequest request =
		stream_request(parsed({"--proto", "0", "snap"}), 0, 1);
	EXPECT_EQ(request.flags, BTRFS_SEND_FLAG_VERSION);
	EXPECT_EQ(request.version, 0u);
}

TEST(StreamRequest, NoDataSetsNoFileData)
{
	StreamRequest request =
		stream_request(parsed({"--no-data", "snap"}), 0, 1);
	EXPECT_EQ(request.flags,
		  BTRFS_SEND_FLAG_NO_FILE_DATA | BTRFS_SEND_FLAG_VERSION);
}

TEST(StreamRequest, CompressedImpliesVersionTwoUnlessProtoGiven)
{
	const std::uint64_t compressed =
		BTRFS_SEND_FLAG_COMPRESSED | BTRFS_SEND_FLAG_VERSION;
	StreamRequest implied =
		stream_request(parsed({"--compressed-data", "snap"}), 0, 1);
	EXPECT_EQ(implied.flags, compressed);
	EXPECT_EQ(implied.version, 2u);

	StreamRequest highest = stream_request(
		parsed({"--compressed-data", "--proto", "0", "snap"}), 0, 1);
	EXPECT_EQ(highest.flags, compressed);
	EXPECT_EQ(highest.version, 0u);

	// Not sendctl's to refuse: the module answers EPROTO.
	StreamRequest three = stream_request(
		parsed({"--compressed-data", "--proto", "3", "snap"}), 0, 1);
	EXPECT_EQ(three.version, 3u);
}

TEST(StreamRequest, EndCommandSemanticOmitsBetweenStreamsOnly)
{
	SendOptions options = parsed({"-e", "snap"});
	EXPECT_EQ(stream_request(options, 0, 1).flags, BTRFS_SEND_FLAG_VERSION);
	EXPECT_EQ(stream_request(options, 0, 3).flags,
		  BTRFS_SEND_FLAG_VERSION | BTRFS_SEND_FLAG_OMIT_END_CMD);
	EXPECT_EQ(stream_request(options, 1, 3).flags,
		  BTRFS_SEND_FLAG_VERSION | BTRFS_SEND_FLAG_OMIT_STREAM_HEADER |
			  BTRFS_SEND_FLAG_OMIT_END_CMD);
	EXPECT_EQ(stream_request(options, 2, 3).flags,
		  BTRFS_SEND_FLAG_VERSION | BTRFS_SEND_FLAG_OMIT_STREAM_HEADER);
	// Without -e every stream is whole, as btrfs send does.
	EXPECT_EQ(stream_request(parsed({"snap"}), 1, 3).flags,
		  BTRFS_SEND_FLAG_VERSION);
}

}  // namespace
}  // namespace sendctl
