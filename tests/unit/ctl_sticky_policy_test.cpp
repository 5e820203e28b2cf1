// ctl/sticky_policy: the kernel's rule for an O_CREAT open of an existing
// file in a sticky directory (may_create_in_sticky), which sendctl send -f
// applies to its open without O_CREAT.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "ctl/sticky_policy.h"

using sendctl::StickyOpen;
using sendctl::sticky_refusal;

namespace {

constexpr uid_t kRoot = 0;
constexpr uid_t kOther = 1000;

// /tmp (1777, root's), a file another user planted there, opened by root,
// both sysctls at 1 (the Debian default).
StickyOpen planted(mode_t type)
{
	StickyOpen open;
	open.dir_mode = S_IFDIR | S_ISVTX | 0777;
	open.dir_uid = kRoot;
	open.file_mode = type | 0644;
	open.file_uid = kOther;
	open.caller_uid = kRoot;
	open.protected_regular = 1;
	open.protected_fifos = 1;
	return open;
}

} // namespace

TEST(StickyPolicy, RefusesAPlantedFileAndFifoInAWorldWritableStickyDir)
{
	EXPECT_EQ(sticky_refusal(planted(S_IFREG)), "fs.protected_regular");
	EXPECT_EQ(sticky_refusal(planted(S_IFIFO)), "fs.protected_fifos");
}

TEST(StickyPolicy, EachSysctlAtZeroAllowsItsOwnType)
{
	StickyOpen regular = planted(S_IFREG);
	regular.protected_regular = 0;
	EXPECT_EQ(sticky_refusal(regular), "");
	regular.protected_fifos = 0;
	regular.protected_regular = 1;
	EXPECT_EQ(sticky_refusal(regular), "fs.protected_regular");

	StickyOpen fifo = planted(S_IFIFO);
	fifo.protected_fifos = 0;
	EXPECT_EQ(sticky_refusal(fifo), "");
}

TEST(StickyPolicy, AllowsTheCallersOwnFileAndTheDirectoryOwners)
{
	StickyOpen own = planted(S_IFREG);
	own.caller_uid = kOther;
	EXPECT_EQ(sticky_refusal(own), "");

	StickyOpen dir_owners = planted(S_IFREG);
	dir_owners.dir_uid = kOther;
	EXPECT_EQ(sticky_refusal(dir_owners), "");
}

TEST(StickyPolicy, AllowsADirectoryThatIsNotSticky)
{
	StickyOpen open = planted(S_IFREG);
	open.dir_mode = S_IFDIR | 0777;
	EXPECT_EQ(sticky_refusal(open), "");
}

TEST(StickyPolicy, GroupWritableStickyDirRefusesOnlyAtLevelTwo)
{
	StickyOpen open = planted(S_IFREG);
	open.dir_mode = S_IFDIR | S_ISVTX | 0775;
	EXPECT_EQ(sticky_refusal(open), "");
	open.protected_regular = 2;
	EXPECT_EQ(sticky_refusal(open), "fs.protected_regular");

	StickyOpen fifo = planted(S_IFIFO);
	fifo.dir_mode = S_IFDIR | S_ISVTX | 0770;
	EXPECT_EQ(sticky_refusal(fifo), "");
	fifo.protected_fifos = 2;
	EXPECT_EQ(sticky_refusal(fifo), "fs.protected_fifos");
}

TEST(StickyPolicy, AStickyDirNobodyElseMayWriteAllowsEverything)
{
	StickyOpen open = planted(S_IFREG);
	open.dir_mode = S_IFDIR | S_ISVTX | 0755;
	open.protected_regular = 2;
	EXPECT_EQ(sticky_refusal(open), "");
}

TEST(StickyPolicy, OtherFileTypesAreNotItsBusiness)
{
	EXPECT_EQ(sticky_refusal(planted(S_IFCHR)), "");
	EXPECT_EQ(sticky_refusal(planted(S_IFSOCK)), "");
}
