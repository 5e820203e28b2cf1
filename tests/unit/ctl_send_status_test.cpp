// Parsing the module's LIST messages and PROGRESS/FINISHED events, and the
// "sendctl status" table and JSON.
#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ctl/send_status.h"
#include "uapi/bsend.h"

namespace sendctl {
namespace {

struct MessageFree {
	void operator()(nl_msg *msg) const { nlmsg_free(msg); }
};
using Message = std::unique_ptr<nl_msg, MessageFree>;

constexpr int kFamily = 0x1d;
constexpr std::uint64_t kSecond = 1000000000ull;

// The attributes every send message has, as the module puts them.
Message send_message(std::uint8_t cmd)
{
	Message msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, kFamily, 0, 0, cmd, BSEND_GENL_VERSION);
	nla_put_u64(msg.get(), BSEND_ATTR_SEND_ID, 3);
	nla_put_u32(msg.get(), BSEND_ATTR_PID, 4242);
	nla_put_u64(msg.get(), BSEND_ATTR_SUBVOL_ID, 257);
	nla_put_string(msg.get(), BSEND_ATTR_SUBVOL_PATH, "/mnt/snap");
	nla_put_u64(msg.get(), BSEND_ATTR_PARENT_ID, 0);
	nla_put_u64(msg.get(), BSEND_ATTR_BYTES, 123456);
	nla_put_u64(msg.get(), BSEND_ATTR_INODES, 99);
	nla_put_u32(msg.get(), BSEND_ATTR_PHASE, BSEND_PHASE_SENDING);
	nla_put_u64(msg.get(), BSEND_ATTR_START_TIME, 10 * kSecond);
	return msg;
}

TEST(SendStatus, ParsesAListMessageWithoutTheEventAttributes)
{
	Message msg = send_message(BSEND_CMD_LIST);
	auto status = parse_send_status(nlmsg_hdr(msg.get()));
	ASSERT_TRUE(status.ok()) << status.error().message;
	EXPECT_EQ(status.value().id, 3u);
	EXPECT_EQ(status.value().pid, 4242u);
	EXPECT_EQ(status.value().subvol, 257u);
	EXPECT_EQ(status.value().path, "/mnt/snap");
	EXPECT_EQ(status.value().bytes, 123456u);
	EXPECT_EQ(status.value().inodes, 99u);
	EXPECT_EQ(status.value().last_ino, 0u);
	EXPECT_LT(send_fraction(status.value()), 0);
}

TEST(SendStatus, ParsesAFinishedEvent)
{
	Message msg = send_message(BSEND_CMD_FINISHED);
	nla_put_u64(msg.get(), BSEND_ATTR_CURRENT_INO, 300);
	nla_put_u64(msg.get(), BSEND_ATTR_LAST_INO, 1200);
	nla_put_u64(msg.get(), BSEND_ATTR_EVENT_TIME, 77);
	nla_put_s32(msg.get(), BSEND_ATTR_RESULT, -125);
	auto status = parse_send_status(nlmsg_hdr(msg.get()));
	ASSERT_TRUE(status.ok()) << status.error().message;
	EXPECT_EQ(status.value().current_ino, 300u);
	EXPECT_EQ(status.value().last_ino, 1200u);
	EXPECT_EQ(status.value().event_time, 77u);
	EXPECT_EQ(status.value().result, -125);
	EXPECT_DOUBLE_EQ(send_fraction(status.value()), 0.25);
}

TEST(SendStatus, RejectsAMissingOrWrongSizedAttribute)
{
	Message missing(nlmsg_alloc());
	genlmsg_put(missing.get(), NL_AUTO_PORT, NL_AUTO_SEQ, kFamily, 0, 0, BSEND_CMD_PROGRESS, 1);
	nla_put_u64(missing.get(), BSEND_ATTR_SEND_ID, 3);
	auto status = parse_send_status(nlmsg_hdr(missing.get()));
	ASSERT_FALSE(status.ok());
	EXPECT_EQ(status.error().message, "send message from the bsend module lacks attribute " +
						  std::to_string(BSEND_ATTR_PID));

	Message narrow = send_message(BSEND_CMD_PROGRESS);
	nla_put_u32(narrow.get(), BSEND_ATTR_LAST_INO, 5);
	status = parse_send_status(nlmsg_hdr(narrow.get()));
	ASSERT_FALSE(status.ok());
	EXPECT_NE(status.error().message.find("malformed send message"), std::string::npos);
}

TEST(SendFraction, IsClampedAndUnknownWithoutPosition)
{
	SendStatus send;
	send.last_ino = 100;
	EXPECT_LT(send_fraction(send), 0);
	send.current_ino = 150;
	EXPECT_DOUBLE_EQ(send_fraction(send), 1);
}

TEST(StatusTable, OneRowPerSendWithShareDone)
{
	SendStatus send;
	send.id = 3;
	send.pid = 4242;
	send.subvol = 257;
	send.path = "/mnt/a \"b\"\n";
	send.bytes = 123456;
	send.inodes = 99;
	send.current_ino = 300;
	send.last_ino = 1200;
	send.phase = BSEND_PHASE_SENDING;
	send.start_time = 10 * kSecond;
	EXPECT_EQ(format_status_table({send}, 75 * kSecond),
		  "ID     PID      SUBVOL   PARENT            BYTES     INODES DONE  PHASE     ELAPSED  PATH\n"
		  "3      4242     257      0                123456         99 25%   sending   0:01:05  /mnt/a \"b\"\n\n");
	EXPECT_EQ(format_status_json({send}),
		  "[\n {\"id\": 3, \"pid\": 4242, \"subvol\": 257, \"path\": \"/mnt/a \\\"b\\\"\\u000a\", \"parent\": 0,"
		  " \"bytes\": 123456, \"inodes\": 99,"
		  " \"current_ino\": 300, \"last_ino\": 1200, \"phase\": \"sending\", \"start_time_ns\": 10000000000}\n]\n");
}

}  // namespace
}  // namespace sendctl
