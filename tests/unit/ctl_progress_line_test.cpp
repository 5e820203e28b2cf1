// The lines "sendctl send" prints about its send: progress, summary, and
// the --dry-run estimate.
#include <gtest/gtest.h>

#include "ctl/progress_line.h"

namespace sendctl {
namespace {

constexpr std::uint64_t kSecond = 1000000000ull;

TEST(SizeText, BinaryUnitsWithTwoDecimals)
{
	EXPECT_EQ(size_text(0), "0 B");
	EXPECT_EQ(size_text(1023), "1023 B");
	EXPECT_EQ(size_text(1536), "1.50 KiB");
	EXPECT_EQ(size_text(3ull << 30), "3.00 GiB");
	EXPECT_EQ(size_text(~0ull), "16.00 EiB");
}

TEST(ProgressLine, BytesRateAndElapsedWithoutTheTotal)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 30ull << 20;
	snapshot.elapsed_ns = 3 * kSecond;
	EXPECT_EQ(format_progress_line(snapshot), "30.00 MiB  10.00 MiB/s  0:00:03");
	snapshot.inodes = 12;
	EXPECT_EQ(format_progress_line(snapshot), "30.00 MiB  10.00 MiB/s  0:00:03  12 inodes");
}

TEST(ProgressLine, ShareAndEtaOnceTheTotalIsKnown)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 1ull << 30;
	snapshot.total_bytes = 4ull << 30;
	snapshot.elapsed_ns = 60 * kSecond;
	snapshot.inodes = 4021;
	// A quarter done in a minute: three more minutes.
	EXPECT_EQ(format_progress_line(snapshot),
		  "1.00 GiB of 4.00 GiB  25%  17.07 MiB/s  0:01:00  ETA 0:03:00  4021 inodes");
}

TEST(ProgressLine, NoEtaInTheFirstSecondOrAtZero)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 100;
	snapshot.total_bytes = 200;
	snapshot.elapsed_ns = kSecond / 2;
	EXPECT_EQ(format_progress_line(snapshot), "100 B of 200 B  50%  200 B/s  0:00:00");
	snapshot.bytes = 0;
	snapshot.elapsed_ns = 10 * kSecond;
	EXPECT_EQ(format_progress_line(snapshot), "0 B of 200 B  0%  0 B/s  0:00:10");
}

TEST(ProgressLine, MoreBytesThanTheTotalShowAsDone)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 300;
	snapshot.total_bytes = 200;
	snapshot.elapsed_ns = 2 * kSecond;
	EXPECT_EQ(format_progress_line(snapshot), "300 B of 200 B  100%  150 B/s  0:00:02  ETA 0:00:00");
}

TEST(ProgressLine, ZeroElapsedHasZeroRate)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 5;
	EXPECT_EQ(format_progress_line(snapshot), "5 B  0 B/s  0:00:00");
}

TEST(ProgressSummary, TotalsAndAverageRate)
{
	ProgressSnapshot snapshot;
	snapshot.bytes = 3ull << 30;
	snapshot.elapsed_ns = 3723 * kSecond;
	snapshot.inodes = 9000;
	EXPECT_EQ(format_progress_summary(snapshot), "sent 3.00 GiB in 1:02:03 (844.94 KiB/s), 9000 inodes");
}

TEST(DryRunEstimate, ExactBytesAndCounts)
{
	SendSummary summary;
	summary.stream_bytes = 73374334;
	summary.data_bytes = 70000000;
	summary.inodes = 10240;
	summary.commands = 12345;
	EXPECT_EQ(format_dry_run_estimate(summary),
		  "estimated stream size: 73374334 bytes (69.98 MiB), 10240 inodes, 12345 commands,"
		  " 70000000 bytes of file data");
}

}  // namespace
}  // namespace sendctl
