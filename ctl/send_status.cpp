#include "ctl/send_status.h"

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <cstdio>
#include <sstream>

#include "ctl/clock_text.h"
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
	case BSEND_PHASE_FINISHED:
		return "finished";
	default:
		return "unknown";
	}
}

std::string progress_text(const SendStatus &send)
{
	double fraction = send_fraction(send);
	if (fraction < 0)
		return "-";
	char text[16];
	std::snprintf(text, sizeof(text), "%.0f%%", fraction * 100);
	return text;
}

// A JSON string literal of text: quotes, backslashes and control bytes
// escaped; other bytes as they are (paths are not always UTF-8).
std::string json_string(const std::string &text)
{
	std::string quoted = "\"";
	for (unsigned char c : text) {
		if (c == '"' || c == '\\') {
			quoted += '\\';
			quoted += static_cast<char>(c);
		} else if (c < 0x20) {
			char escape[8];
			std::snprintf(escape, sizeof(escape), "\\u%04x", c);
			quoted += escape;
		} else {
			quoted += static_cast<char>(c);
		}
	}
	return quoted + "\"";
}

std::uint64_t optional_u64(nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

}  // namespace

double send_fraction(const SendStatus &send)
{
	if (send.last_ino == 0 || send.current_ino == 0)
		return -1;
	if (send.current_ino >= send.last_ino)
		return 1;
	return static_cast<double>(send.current_ino) / static_cast<double>(send.last_ino);
}

Result<SendStatus> parse_send_status(const nlmsghdr *message)
{
	nla_policy policy[BSEND_ATTR_MAX + 1] = {};
	for (int attr : {BSEND_ATTR_SEND_ID, BSEND_ATTR_SUBVOL_ID, BSEND_ATTR_PARENT_ID, BSEND_ATTR_BYTES,
			 BSEND_ATTR_INODES, BSEND_ATTR_START_TIME, BSEND_ATTR_CURRENT_INO, BSEND_ATTR_LAST_INO,
			 BSEND_ATTR_EVENT_TIME}) {
		policy[attr].type = NLA_U64;
		policy[attr].minlen = policy[attr].maxlen = sizeof(std::uint64_t);
	}
	for (int attr : {BSEND_ATTR_PID, BSEND_ATTR_PHASE, BSEND_ATTR_RESULT}) {
		policy[attr].type = NLA_U32;
		policy[attr].minlen = policy[attr].maxlen = sizeof(std::uint32_t);
	}
	policy[BSEND_ATTR_SUBVOL_PATH].type = NLA_STRING;
	nlattr *attrs[BSEND_ATTR_MAX + 1] = {};
	int err = genlmsg_parse(const_cast<nlmsghdr *>(message), 0, attrs, BSEND_ATTR_MAX, policy);
	if (err < 0)
		return Error{EPROTO, std::string("malformed send message from the bsend module: ") +
					     nl_geterror(err)};
	for (int attr : {BSEND_ATTR_SEND_ID, BSEND_ATTR_PID, BSEND_ATTR_SUBVOL_ID, BSEND_ATTR_BYTES,
			 BSEND_ATTR_INODES, BSEND_ATTR_PHASE, BSEND_ATTR_START_TIME})
		if (!attrs[attr])
			return Error{EPROTO, "send message from the bsend module lacks attribute " +
						     std::to_string(attr)};
	SendStatus status;
	status.id = nla_get_u64(attrs[BSEND_ATTR_SEND_ID]);
	status.pid = nla_get_u32(attrs[BSEND_ATTR_PID]);
	status.subvol = nla_get_u64(attrs[BSEND_ATTR_SUBVOL_ID]);
	if (attrs[BSEND_ATTR_SUBVOL_PATH])
		status.path = nla_get_string(attrs[BSEND_ATTR_SUBVOL_PATH]);
	status.parent = attrs[BSEND_ATTR_PARENT_ID] ? nla_get_u64(attrs[BSEND_ATTR_PARENT_ID]) : 0;
	status.bytes = nla_get_u64(attrs[BSEND_ATTR_BYTES]);
	status.inodes = nla_get_u64(attrs[BSEND_ATTR_INODES]);
	status.phase = nla_get_u32(attrs[BSEND_ATTR_PHASE]);
	status.start_time = nla_get_u64(attrs[BSEND_ATTR_START_TIME]);
	status.current_ino = optional_u64(attrs[BSEND_ATTR_CURRENT_INO]);
	status.last_ino = optional_u64(attrs[BSEND_ATTR_LAST_INO]);
	status.event_time = optional_u64(attrs[BSEND_ATTR_EVENT_TIME]);
	status.result = attrs[BSEND_ATTR_RESULT] ? static_cast<std::int32_t>(nla_get_u32(attrs[BSEND_ATTR_RESULT])) : 0;
	return status;
}

std::string format_status_table(const std::vector<SendStatus> &sends, std::uint64_t now_ns)
{
	std::ostringstream out;
	char line[160];
	std::snprintf(line, sizeof(line), "%-6s %-8s %-8s %-8s %14s %10s %-5s %-9s %-8s %s\n", "ID", "PID", "SUBVOL",
		      "PARENT", "BYTES", "INODES", "DONE", "PHASE", "ELAPSED", "PATH");
	out << line;
	for (const SendStatus &send : sends) {
		std::uint64_t elapsed = now_ns > send.start_time ? now_ns - send.start_time : 0;
		std::snprintf(line, sizeof(line), "%-6llu %-8u %-8llu %-8llu %14llu %10llu %-5s %-9s %-8s ",
			      static_cast<unsigned long long>(send.id), send.pid,
			      static_cast<unsigned long long>(send.subvol),
			      static_cast<unsigned long long>(send.parent),
			      static_cast<unsigned long long>(send.bytes),
			      static_cast<unsigned long long>(send.inodes), progress_text(send).c_str(),
			      phase_name(send.phase), clock_text(elapsed / 1000000000ull).c_str());
		out << line << (send.path.empty() ? "-" : send.path) << "\n";
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
		    << ", \"subvol\": " << send.subvol << ", \"path\": " << json_string(send.path)
		    << ", \"parent\": " << send.parent
		    << ", \"bytes\": " << send.bytes << ", \"inodes\": " << send.inodes
		    << ", \"current_ino\": " << send.current_ino << ", \"last_ino\": " << send.last_ino
		    << ", \"phase\": \""
		    << phase_name(send.phase) << "\", \"start_time_ns\": " << send.start_time << "}";
	}
	out << (sends.empty() ? "]\n" : "\n]\n");
	return out.str();
}

}  // namespace sendctl
