// sendctl's words for each errno of BSEND_IOC_SEND (uapi/bsend.h).
#include <cerrno>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "ctl/errno_name.h"
#include "ctl/send_errors.h"

namespace sendctl {
namespace {

const SendRequestContext kRequest{"/mnt/snap", 3};

TEST(SendErrors, NamesTheSubvolumeWhereTheCauseIsAboutIt)
{
	EXPECT_EQ(send_failure_cause(EMEDIUMTYPE, kRequest),
		  "/mnt/snap is not on a btrfs filesystem");
	for (int errnum : {EPERM, ENOENT, EINVAL, EMEDIUMTYPE, ENOTBLK, EXDEV,
			   ENODEV, EUCLEAN})
		EXPECT_NE(send_failure_cause(errnum, kRequest).find("/mnt/snap"),
			  std::string::npos)
			<< errno_name(errnum);
}

TEST(SendErrors, PermissionCoversCapabilityAndReadOnly)
{
	std::string cause = send_failure_cause(EPERM, kRequest);
	EXPECT_NE(cause.find("CAP_SYS_ADMIN"), std::string::npos);
	EXPECT_NE(cause.find("read-only"), std::string::npos);
}

TEST(SendErrors, NotSupportedNamesTheSendFlags)
{
	EXPECT_EQ(send_failure_cause(EOPNOTSUPP, kRequest),
		  "the bsend module does not know a requested send flag (see 'sendctl info')");
}

TEST(SendErrors, NoEntryNamesTheParentAndCloneSources)
{
	EXPECT_EQ(send_failure_cause(ENOENT, kRequest),
		  "the parent or a clone source is not a subvolume of the filesystem of /mnt/snap");
}

TEST(SendErrors, ProtocolNamesTheVersionAskedFor)
{
	EXPECT_NE(send_failure_cause(EPROTO, kRequest).find("stream version 3"),
		  std::string::npos);
}

TEST(SendErrors, DeviceErrorsSayWhatIsWrongWithTheDevices)
{
	EXPECT_NE(send_failure_cause(ENOTBLK, kRequest).find(
			  "is not a block device"),
		  std::string::npos);
	EXPECT_NE(send_failure_cause(EXDEV, kRequest).find(
			  "holds no btrfs superblock"),
		  std::string::npos);
	EXPECT_NE(send_failure_cause(ENODEV, kRequest).find(
			  "do not cover all devices"),
		  std::string::npos);
}

TEST(SendErrors, EveryDocumentedErrnoHasItsOwnWords)
{
	const int documented[] = {EPERM, ENOENT, EINVAL, EOPNOTSUPP, EPROTO,
				  EFAULT, EBADF, EMEDIUMTYPE, ENOTBLK, EXDEV,
				  ENODEV, EUCLEAN, ESTALE};
	std::set<std::string> causes;
	for (int errnum : documented)
		causes.insert(send_failure_cause(errnum, kRequest));
	EXPECT_EQ(causes.size(), std::size(documented));
	EXPECT_EQ(causes.count(send_failure_cause(EHOSTDOWN, kRequest)), 0u);
}

TEST(SendErrors, StaleSaysTheFilesystemChangedAndNamesWhat)
{
	std::string cause = send_failure_cause(ESTALE, {"/mnt/snap", 1, 258});
	EXPECT_NE(cause.find("/mnt/snap changed under the send (subvolume or inode 258)"), std::string::npos) << cause;
	EXPECT_NE(cause.find("no END"), std::string::npos) << cause;
	EXPECT_NE(cause.find("a device of the filesystem was removed or replaced"), std::string::npos) << cause;
	EXPECT_EQ(send_failure_cause(ESTALE, kRequest).find("(subvolume or inode"), std::string::npos);
}

TEST(SendErrors, UnknownErrnoStillSaysTheSendFailed)
{
	EXPECT_EQ(send_failure_cause(EHOSTDOWN, kRequest),
		  "the bsend module failed the send");
}

TEST(SendErrors, AnEngineLimitIsNotCorruptionAndNamesTheInode)
{
	SendRequestContext request = kRequest;
	request.failed_ino = 258;
	EXPECT_EQ(send_failure_cause(ENOTRECOVERABLE, request),
		  "bsend cannot send this change, ino 258: a limit of bsend, not"
		  " damage to the filesystem (the kernel log says what; please report it)");
	EXPECT_NE(send_failure_cause(EUCLEAN, request).find("corrupt metadata"), std::string::npos);
}

TEST(ErrnoName, NamesKnownValuesAndNumbersUnknownOnes)
{
	EXPECT_EQ(errno_name(0), "OK");
	EXPECT_EQ(errno_name(EBADF), "EBADF");
	EXPECT_EQ(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	EXPECT_EQ(errno_name(4095), "errno 4095");
	EXPECT_EQ(errno_description(ENOTBLK), "ENOTBLK: Block device required");
}

}  // namespace
}  // namespace sendctl
