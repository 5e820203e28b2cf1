#include "ctl/module_info.h"

#include <cerrno>
#include <cstdio>

#include <linux/btrfs.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "uapi/bsend.h"

namespace sendctl {
namespace {

// The type and exact size of each GET_INFO attribute. A string must end
// in NUL (libnl checks NLA_STRING for that).
nla_policy *info_policy()
{
	static nla_policy policy[BSEND_ATTR_MAX + 1] = {};
	policy[BSEND_ATTR_MODULE_VERSION] = {NLA_STRING, 0, 64};
	policy[BSEND_ATTR_PROTO_MIN] = {NLA_U32, sizeof(std::uint32_t),
					sizeof(std::uint32_t)};
	policy[BSEND_ATTR_PROTO_MAX] = {NLA_U32, sizeof(std::uint32_t),
					sizeof(std::uint32_t)};
	policy[BSEND_ATTR_SEND_FLAGS] = {NLA_U64, sizeof(std::uint64_t),
					 sizeof(std::uint64_t)};
	policy[BSEND_ATTR_ALLOCATIONS] = {NLA_U64, sizeof(std::uint64_t),
					  sizeof(std::uint64_t)};
	policy[BSEND_ATTR_SEND_PEAK_MEMORY] = {NLA_U64, sizeof(std::uint64_t),
					       sizeof(std::uint64_t)};
	return policy;
}

const char *attribute_name(int type)
{
	switch (type) {
	case BSEND_ATTR_MODULE_VERSION:
		return "MODULE_VERSION";
	case BSEND_ATTR_PROTO_MIN:
		return "PROTO_MIN";
	case BSEND_ATTR_PROTO_MAX:
		return "PROTO_MAX";
	case BSEND_ATTR_SEND_FLAGS:
		return "SEND_FLAGS";
	case BSEND_ATTR_ALLOCATIONS:
		return "ALLOCATIONS";
	case BSEND_ATTR_SEND_PEAK_MEMORY:
		return "SEND_PEAK_MEMORY";
	default:
		return "unknown";
	}
}

Error bad_reply(const std::string &what)
{
	return Error{EPROTO, "the bsend module's GET_INFO reply " + what};
}

std::string hex(std::uint64_t value)
{
	char text[sizeof("0x") + 16];
	std::snprintf(text, sizeof(text), "0x%llx",
		      static_cast<unsigned long long>(value));
	return text;
}

}  // namespace

Result<ModuleInfo> parse_module_info(const nlmsghdr *reply)
{
	// libnl's accessors take non-const pointers but do not write.
	auto *header = const_cast<nlmsghdr *>(reply);
	if (!genlmsg_valid_hdr(header, 0))
		return bad_reply("is too short for a generic netlink header");
	const genlmsghdr *genl = genlmsg_hdr(header);
	if (genl->cmd != BSEND_CMD_GET_INFO)
		return bad_reply("has command " + std::to_string(genl->cmd) +
				 ", expected GET_INFO");

	nlattr *attrs[BSEND_ATTR_MAX + 1];
	int err = nla_parse(attrs, BSEND_ATTR_MAX, genlmsg_attrdata(genl, 0),
			    genlmsg_attrlen(genl, 0), info_policy());
	if (err < 0)
		return bad_reply(std::string("has a malformed attribute: ") +
				 nl_geterror(err));
	// The attributes GET_INFO carries; the others belong to LIST and CANCEL.
	for (int type : {BSEND_ATTR_MODULE_VERSION, BSEND_ATTR_PROTO_MIN, BSEND_ATTR_PROTO_MAX,
			 BSEND_ATTR_SEND_FLAGS}) {
		if (!attrs[type])
			return bad_reply(std::string("lacks attribute ") +
					 attribute_name(type));
	}
	// The memory counters: both (CAP_SYS_ADMIN) or neither.
	if (!attrs[BSEND_ATTR_ALLOCATIONS] != !attrs[BSEND_ATTR_SEND_PEAK_MEMORY])
		return bad_reply(std::string("lacks attribute ") +
				 attribute_name(attrs[BSEND_ATTR_ALLOCATIONS]
							? BSEND_ATTR_SEND_PEAK_MEMORY
							: BSEND_ATTR_ALLOCATIONS));

	ModuleInfo info;
	info.module_version = nla_get_string(attrs[BSEND_ATTR_MODULE_VERSION]);
	info.proto_min = nla_get_u32(attrs[BSEND_ATTR_PROTO_MIN]);
	info.proto_max = nla_get_u32(attrs[BSEND_ATTR_PROTO_MAX]);
	info.send_flags = nla_get_u64(attrs[BSEND_ATTR_SEND_FLAGS]);
	if (attrs[BSEND_ATTR_ALLOCATIONS]) {
		info.has_memory_counters = true;
		info.allocations = nla_get_u64(attrs[BSEND_ATTR_ALLOCATIONS]);
		info.send_peak_memory = nla_get_u64(attrs[BSEND_ATTR_SEND_PEAK_MEMORY]);
	}
	return info;
}

std::string send_flag_names(std::uint64_t flags)
{
	static const struct {
		std::uint64_t flag;
		const char *name;
	} names[] = {
		{BTRFS_SEND_FLAG_NO_FILE_DATA, "no-file-data"},
		{BTRFS_SEND_FLAG_OMIT_STREAM_HEADER, "omit-stream-header"},
		{BTRFS_SEND_FLAG_OMIT_END_CMD, "omit-end-cmd"},
		{BTRFS_SEND_FLAG_VERSION, "version"},
		{BTRFS_SEND_FLAG_COMPRESSED, "compressed"},
		{BSEND_SEND_FLAG_DRY_RUN, "dry-run"},
	};

	if (flags == 0)
		return "none";
	std::string text;
	for (unsigned bit = 0; bit < 64; bit++) {
		std::uint64_t flag = std::uint64_t{1} << bit;
		if (!(flags & flag))
			continue;
		const char *name = nullptr;
		for (const auto &entry : names)
			if (entry.flag == flag)
				name = entry.name;
		if (!text.empty())
			text += ' ';
		text += name ? name : hex(flag);
	}
	return text;
}

std::string format_module_info(const ModuleInfo &info)
{
	return "module version: " + info.module_version + "\n" +
	       "stream versions: " + std::to_string(info.proto_min) + "-" +
	       std::to_string(info.proto_max) + "\n" +
	       "send flags: " + hex(info.send_flags) + " (" +
	       send_flag_names(info.send_flags) + ")\n" +
	       (info.has_memory_counters
			? "allocations outstanding: " +
				  std::to_string(info.allocations) + "\n" +
				  "send peak memory: " +
				  std::to_string(info.send_peak_memory) +
				  " bytes\n"
			: std::string("allocations outstanding: (needs CAP_SYS_ADMIN)\n"
				      "send peak memory: (needs CAP_SYS_ADMIN)\n"));
}

}  // namespace sendctl
