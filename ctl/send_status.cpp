#include "ctl/send_status.h"

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <cstdio>
#include <sstream>

#include "uapi/bsend.h"

namespace sendctl {

namespace {

const char *phase_name(std::uint32_t phase)
{
	switch (phase) {
	case BSEND_PHASE_STARTING:
		return "starting";
	case BSEND_PHASE_SENDING:
		return "sending";
	default:
		return "unknown";
	}
}

std::string duration_text(std::uint64_t ns)
{
	std::uint64_t seconds = ns / 1000000000ull;
	char text[32];
	std::snprintf(text, sizeof(text), "%llu:%02llu:%02llu",
		      static_cast<unsigned long long>(seconds / 3600),
		      static_cast<unsigned long long>(seconds / 60 % 60),
		      static_cast<unsigned long long>(seconds % 60));
	return text;
}

}  // namespace

Result<SendStatus> parse_send_status(const nlmsghdr *message)
{
	nla_policy policy[BSEND_ATTR_MAX + 1] = {};
	for (int attr : {BSEND_ATTR_SEND_ID, BSEND_ATTR_SUBVOL_ID, BSEND_ATTR_PARENT_ID, BSEND_ATTR_BYTES,
			 BSEND_ATTR_INODES, BSEND_ATTR_START_TIME}) {
		policy[attr].type = NLA_U64;
		policy[attr].minlen = policy[attr].maxlen = sizeof(std::uint64_t);
	}
	for (int attr : {BSEND_ATTR_PID, BSEND_ATTR_PHASE}) {
		policy[attr].type = NLA_U32;
		policy[attr].minlen = policy[attr].maxlen = sizeof(std::uint32_t);
	}
	nlattr *attrs[BSEND_ATTR_MAX + 1] = {};
	int err = genlmsg_parse(const_cast<nlmsghdr *>(message), 0, attrs, BSEND_ATTR_MAX, policy);
	if (err < 0)
		return Error{EPROTO, std::string("malformed LIST message from the bsend module: ") +
					     nl_geterror(err)};
	for (int attr : {BSEND_ATTR_SEND_ID, BSEND_ATTR_PID, BSEND_ATTR_SUBVOL_ID, BSEND_ATTR_BYTES,
			 BSEND_ATTR_INODES, BSEND_ATTR_PHASE, BSEND_ATTR_START_TIME})
		if (!attrs[attr])
			return Error{EPROTO, "LIST message from the bsend module lacks attribute " +
						     std::to_string(attr)};
	SendStatus status;
	status.id = nla_get_u64(attrs[BSEND_ATTR_SEND_ID]);
	status.pid = nla_get_u32(attrs[BSEND_ATTR_PID]);
	status.subvol = nla_get_u64(attrs[BSEND_ATTR_SUBVOL_ID]);
	status.parent = attrs[BSEND_ATTR_PARENT_ID] ? nla_get_u64(attrs[BSEND_ATTR_PARENT_ID]) : 0;
	status.bytes = nla_get_u64(attrs[BSEND_ATTR_BYTES]);
	status.inodes = nla_get_u64(attrs[BSEND_ATTR_INODES]);
	status.phase = nla_get_u32(attrs[BSEND_ATTR_PHASE]);
	status.start_time = nla_get_u64(attrs[BSEND_ATTR_START_TIME]);
	return status;
}

std::string format_status_table(const std::vector<SendStatus> &sends, std::uint64_t now_ns)
{
	std::ostringstream out;
	char line[160];
	std::snprintf(line, sizeof(line), "%-6s %-8s %-8s %-8s %14s %10s %-9s %s\n", "ID", "PID", "SUBVOL",
		      "PARENT", "BYTES", "INODES", "PHASE", "ELAPSED");
	out << line;
	for (const SendStatus &send : sends) {
		std::uint64_t elapsed = now_ns > send.start_time ? now_ns - send.start_time : 0;
		std::snprintf(line, sizeof(line), "%-6llu %-8u %-8llu %-8llu %14llu %10llu %-9s %s\n",
			      static_cast<unsigned long long>(send.id), send.pid,
			      static_cast<unsigned long long>(send.subvol),
			      static_cast<unsigned long long>(send.parent),
			      static_cast<unsigned long long>(send.bytes),
			      static_cast<unsigned long long>(send.inodes), phase_name(send.phase),
			      duration_text(elapsed).c_str());
		out << line;
	}
	return out.str();
}

std::string format_status_json(const std::vector<SendStatus> &sends)
{
	std::ostringstream out;
	out << "[";
	for (std::size_t i = 0; i < sends.size(); i++) {
		const SendStatus &send = sends[i];
		out << (i ? ",\n " : "\n ") << "{\"id\": " << send.id << ", \"pid\": " << send.pid
		    << ", \"subvol\": " << send.subvol << ", \"parent\": " << send.parent
		    << ", \"bytes\": " << send.bytes << ", \"inodes\": " << send.inodes << ", \"phase\": \""
		    << phase_name(send.phase) << "\", \"start_time_ns\": " << send.start_time << "}";
	}
	out << (sends.empty() ? "]\n" : "\n]\n");
	return out.str();
}

}  // namespace sendctl
