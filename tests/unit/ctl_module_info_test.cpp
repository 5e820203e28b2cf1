// Parsing the module's GET_INFO reply and printing it for "sendctl info".
#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <linux/btrfs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ctl/module_info.h"
#include "uapi/bsend.h"

namespace sendctl {
namespace {

struct MessageFree {
	void operator()(nl_msg *msg) const { nlmsg_free(msg); }
};
using Message = std::unique_ptr<nl_msg, MessageFree>;

// Any dynamic generic netlink family id will do.
constexpr int kFamily = 0x1d;

Message reply_header(std::uint8_t cmd = BSEND_CMD_GET_INFO)
{
	Message msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, kFamily, 0, 0, cmd,
		    BSEND_GENL_VERSION);
	return msg;
}

// A reply's header and its first attributes: version and stream versions.
Message reply_with_versions()
{
	Message msg = reply_header();
	nla_put_string(msg.get(), BSEND_ATTR_MODULE_VERSION, "0.1.0");
	nla_put_u32(msg.get(), BSEND_ATTR_PROTO_MIN, 1);
	nla_put_u32(msg.get(), BSEND_ATTR_PROTO_MAX, 2);
	return msg;
}

// A reply as the module builds it, u64s with a pad attribute of type 0.
Message full_reply()
{
	Message msg = reply_with_versions();
	nla_put(msg.get(), BSEND_ATTR_UNSPEC, 0, nullptr);
	nla_put_u64(msg.get(), BSEND_ATTR_SEND_FLAGS, BTRFS_SEND_FLAG_MASK);
	nla_put_u64(msg.get(), BSEND_ATTR_ALLOCATIONS, 7);
	nla_put_u64(msg.get(), BSEND_ATTR_SEND_PEAK_MEMORY, 1 << 20);
	return msg;
}

std::string rejection(const Message &msg)
{
	auto info = parse_module_info(nlmsg_hdr(msg.get()));
	EXPECT_FALSE(info.ok());
	return info.ok() ? std::string() : info.error().message;
}

TEST(ModuleInfo, ParsesTheModulesReply)
{
	Message msg = full_reply();
	auto info = parse_module_info(nlmsg_hdr(msg.get()));
	ASSERT_TRUE(info.ok()) << info.error().message;
	EXPECT_EQ(info.value().module_version, "0.1.0");
	EXPECT_EQ(info.value().proto_min, 1u);
	EXPECT_EQ(info.value().proto_max, 2u);
	EXPECT_EQ(info.value().send_flags, std::uint64_t{BTRFS_SEND_FLAG_MASK});
	EXPECT_TRUE(info.value().has_memory_counters);
	EXPECT_EQ(info.value().allocations, 7u);
	EXPECT_EQ(info.value().send_peak_memory, 1u << 20);
}

// The module leaves the memory counters out for a caller without
// CAP_SYS_ADMIN; one without the other is a bad reply.
TEST(ModuleInfo, TakesAReplyWithoutTheMemoryCounters)
{
	Message msg = reply_with_versions();
	nla_put_u64(msg.get(), BSEND_ATTR_SEND_FLAGS, 0);
	auto info = parse_module_info(nlmsg_hdr(msg.get()));
	ASSERT_TRUE(info.ok()) << info.error().message;
	EXPECT_FALSE(info.value().has_memory_counters);
	EXPECT_EQ(format_module_info(info.value()),
		  "module version: 0.1.0\n"
		  "stream versions: 1-2\n"
		  "send flags: 0x0 (none)\n"
		  "allocations outstanding: (needs CAP_SYS_ADMIN)\n"
		  "send peak memory: (needs CAP_SYS_ADMIN)\n");

	nla_put_u64(msg.get(), BSEND_ATTR_ALLOCATIONS, 7);
	EXPECT_EQ(rejection(msg),
		  "the bsend module's GET_INFO reply lacks attribute"
		  " SEND_PEAK_MEMORY");
}

TEST(ModuleInfo, RejectsAMissingAttribute)
{
	Message msg = reply_with_versions();
	EXPECT_EQ(rejection(msg),
		  "the bsend module's GET_INFO reply lacks attribute"
		  " SEND_FLAGS");
}

TEST(ModuleInfo, RejectsAnAttributeOfTheWrongSize)
{
	Message msg = reply_with_versions();
	nla_put_u32(msg.get(), BSEND_ATTR_SEND_FLAGS, 0x1f);	// u64 expected
	nla_put_u64(msg.get(), BSEND_ATTR_ALLOCATIONS, 0);
	EXPECT_NE(rejection(msg).find("malformed attribute"), std::string::npos);

	Message wide = reply_header();
	nla_put_string(wide.get(), BSEND_ATTR_MODULE_VERSION, "0.1.0");
	nla_put_u64(wide.get(), BSEND_ATTR_PROTO_MIN, 1);	// u32 expected
	EXPECT_NE(rejection(wide).find("malformed attribute"), std::string::npos);
}

TEST(ModuleInfo, RejectsAnUnterminatedVersionString)
{
	Message msg = reply_header();
	nla_put(msg.get(), BSEND_ATTR_MODULE_VERSION, 5, "0.1.0");
	EXPECT_NE(rejection(msg).find("malformed attribute"), std::string::npos);
}

TEST(ModuleInfo, RejectsAnotherCommand)
{
	Message msg = reply_header(BSEND_CMD_UNSPEC);
	EXPECT_EQ(rejection(msg), "the bsend module's GET_INFO reply has"
				  " command 0, expected GET_INFO");
}

TEST(ModuleInfo, NamesSetFlagsInBitOrder)
{
	EXPECT_EQ(send_flag_names(BTRFS_SEND_FLAG_MASK),
		  "no-file-data omit-stream-header omit-end-cmd version"
		  " compressed");
	EXPECT_EQ(send_flag_names(BTRFS_SEND_FLAG_COMPRESSED |
				  BTRFS_SEND_FLAG_NO_FILE_DATA),
		  "no-file-data compressed");
	EXPECT_EQ(send_flag_names(0), "none");
	EXPECT_EQ(send_flag_names(0x100 | BTRFS_SEND_FLAG_VERSION),
		  "version 0x100");
}

TEST(ModuleInfo, PrintsTheFiveLines)
{
	ModuleInfo info;
	info.module_version = "0.1.0";
	info.proto_min = 1;
	info.proto_max = 2;
	info.send_flags = BTRFS_SEND_FLAG_MASK;
	info.has_memory_counters = true;
	info.allocations = 0;
	info.send_peak_memory = 4096;
	EXPECT_EQ(format_module_info(info),
		  "module version: 0.1.0\n"
		  "stream versions: 1-2\n"
		  "send flags: 0x1f (no-file-data omit-stream-header"
		  " omit-end-cmd version compressed)\n"
		  "allocations outstanding: 0\n"
		  "send peak memory: 4096 bytes\n");
}

}  // namespace
}  // namespace sendctl
