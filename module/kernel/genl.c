// SPDX-License-Identifier: GPL-2.0
/*
 * The "bsend" generic netlink family: GET_INFO, LIST, CANCEL, and the
 * "progress" multicast group's events.
 *
 * Who may do what (uapi/bsend.h says the same to user space):
 * - GET_INFO is open to every local user: it tells the module version, the
 *   stream versions and send flags. The module's allocation counters, which
 *   follow every user's sends, are added only for a caller with
 *   CAP_SYS_ADMIN (netlink_capable()).
 * - LIST and CANCEL name sends, their processes and their subvolumes' paths
 *   (paths inside other users' containers among them), so they need
 *   CAP_NET_ADMIN (GENL_ADMIN_PERM, checked by the genetlink core before
 *   anything else) and CAP_SYS_ADMIN (checked here once the attributes
 *   passed their policy), both in the initial user namespace and both of
 *   the opener of the socket and of the sender of the request
 *   (netlink_capable()).
 * - Joining "progress", whose events carry what LIST tells, needs the same
 *   two (compat.h), checked by the core when the socket joins: in the
 *   initial user namespace, of the joining process.
 * The family is not netnsok, so it exists in the initial network namespace
 * only.
 *
 * Every command is validated strictly (resv_start_op is 0): the reserved
 * field of the genetlink header must be 0, and an attribute outside the
 * command's policy, of the wrong length or with trailing bytes after the
 * attributes is EINVAL.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "compat.h"
#include "internal.h"
#include "registry.h"

static struct genl_family bsend_genl_family;

static int bsend_genl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	void *header;

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	header = genlmsg_put_reply(reply, info, &bsend_genl_family, 0,
				   BSEND_CMD_GET_INFO);
	if (!header)
		goto too_big;
	if (nla_put_string(reply, BSEND_ATTR_MODULE_VERSION, BSEND_VERSION) ||
	    nla_put_u32(reply, BSEND_ATTR_PROTO_MIN, bsend_engine_proto_min()) ||
	    nla_put_u32(reply, BSEND_ATTR_PROTO_MAX, bsend_engine_proto_max()) ||
	    nla_put_u64_64bit(reply, BSEND_ATTR_SEND_FLAGS,
			      BSEND_SEND_FLAGS_HONOURED,
			      BSEND_ATTR_UNSPEC))
		goto too_big;
	if (netlink_capable(skb, CAP_SYS_ADMIN) &&
	    (nla_put_u64_64bit(reply, BSEND_ATTR_ALLOCATIONS,
			       bsend_alloc_outstanding(), BSEND_ATTR_UNSPEC) ||
	     nla_put_u64_64bit(reply, BSEND_ATTR_SEND_PEAK_MEMORY,
			       bsend_alloc_send_peak(), BSEND_ATTR_UNSPEC)))
		goto too_big;
	genlmsg_end(reply, header);
	return genlmsg_reply(reply, info);

too_big:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

/* One LIST message: what the registry knows of one send. */
static int put_send(struct sk_buff *skb, const struct bsend_host_send *send)
{
	if (nla_put_u64_64bit(skb, BSEND_ATTR_SEND_ID, send->id,
			      BSEND_ATTR_UNSPEC) ||
	    nla_put_u32(skb, BSEND_ATTR_PID, send->pid) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_SUBVOL_ID, send->subvol,
			      BSEND_ATTR_UNSPEC) ||
	    (send->subvol_path &&
	     nla_put_string(skb, BSEND_ATTR_SUBVOL_PATH, send->subvol_path)) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_PARENT_ID, send->parent,
			      BSEND_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_BYTES, READ_ONCE(send->bytes),
			      BSEND_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_INODES, READ_ONCE(send->inodes),
			      BSEND_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_CURRENT_INO,
			      READ_ONCE(send->current_ino), BSEND_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_LAST_INO,
			      READ_ONCE(send->last_ino), BSEND_ATTR_UNSPEC) ||
	    nla_put_u32(skb, BSEND_ATTR_PHASE, READ_ONCE(send->phase)) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_START_TIME, send->start_time,
			      BSEND_ATTR_UNSPEC))
		return -EMSGSIZE;
	return 0;
}

struct list_fill {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int fill_list_message(const struct bsend_host_send *send, void *arg)
{
	struct list_fill *fill = arg;
	void *header;

	header = genlmsg_put(fill->skb, NETLINK_CB(fill->cb->skb).portid,
			     fill->cb->nlh->nlmsg_seq, &bsend_genl_family,
			     NLM_F_MULTI, BSEND_CMD_LIST);
	if (!header)
		return 1;
	if (put_send(fill->skb, send)) {
		genlmsg_cancel(fill->skb, header);
		return 1;
	}
	genlmsg_end(fill->skb, header);
	return 0;
}

/*
 * The start of a LIST dump, called once, in the context of the request,
 * before the first message; its error is the request's NLMSG_ERROR.
 */
static int bsend_genl_list_start(struct netlink_callback *cb)
{
	if (!netlink_capable(cb->skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(cb->extack, "LIST needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

/* LIST is a dump: cb->args[0] is the index of the next send to report. */
static int bsend_genl_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct list_fill fill = { .skb = skb, .cb = cb };

	cb->args[0] = bsend_registry_walk(cb->args[0], fill_list_message, &fill);
	return skb->len;
}

static int bsend_genl_cancel(struct sk_buff *skb, struct genl_info *info)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "CANCEL needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (!info->attrs[BSEND_ATTR_SEND_ID]) {
		GENL_SET_ERR_MSG(info, "CANCEL needs BSEND_ATTR_SEND_ID");
		return -EINVAL;
	}
	return bsend_registry_cancel(nla_get_u64(info->attrs[BSEND_ATTR_SEND_ID]));
}

enum bsend_genl_group {
	BSEND_GROUP_PROGRESS,
};

static const struct genl_multicast_group bsend_genl_groups[] = {
	[BSEND_GROUP_PROGRESS] = {
		.name = BSEND_GENL_MCGRP_PROGRESS,
		BSEND_GENL_MCGRP_ADMIN_ONLY,
	},
};

void bsend_genl_publish(const struct bsend_host_send *send, u8 cmd,
			u64 event_time, int result)
{
	struct sk_buff *skb;
	void *header;

	if (!genl_has_listeners(&bsend_genl_family, &init_net,
				BSEND_GROUP_PROGRESS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	header = genlmsg_put(skb, 0, 0, &bsend_genl_family, 0, cmd);
	if (!header)
		goto drop;
	if (put_send(skb, send) ||
	    nla_put_u64_64bit(skb, BSEND_ATTR_EVENT_TIME, event_time,
			      BSEND_ATTR_UNSPEC) ||
	    (cmd == BSEND_CMD_FINISHED &&
	     nla_put_s32(skb, BSEND_ATTR_RESULT, result)))
		goto drop;
	genlmsg_end(skb, header);
	genlmsg_multicast(&bsend_genl_family, skb, 0, BSEND_GROUP_PROGRESS,
			  GFP_KERNEL);
	return;

drop:
	nlmsg_free(skb);
}

/*
 * CANCEL's one attribute. GET_INFO and LIST take none: an operation with
 * no policy of its own gets the core's reject-all policy.
 */
static const struct nla_policy bsend_genl_cancel_policy[BSEND_ATTR_SEND_ID + 1] = {
	[BSEND_ATTR_SEND_ID] = { .type = NLA_U64 },
};

/*
 * Full genl_ops rather than genl_small_ops, for LIST's .start and CANCEL's
 * own policy. No .validate flags: they are refused from resv_start_op on.
 */
static const struct genl_ops bsend_genl_ops[] = {
	{
		.cmd = BSEND_CMD_GET_INFO,
		.doit = bsend_genl_get_info,
	},
	{
		.cmd = BSEND_CMD_LIST,
		.flags = GENL_ADMIN_PERM,
		.start = bsend_genl_list_start,
		.dumpit = bsend_genl_list,
	},
	{
		.cmd = BSEND_CMD_CANCEL,
		.flags = GENL_ADMIN_PERM,
		.policy = bsend_genl_cancel_policy,
		.maxattr = ARRAY_SIZE(bsend_genl_cancel_policy) - 1,
		.doit = bsend_genl_cancel,
	},
};

/*
 * resv_start_op stays 0, as for any new family: it is the first command
 * whose reserved header byte is checked and whose policy is enforced, so
 * every command of ours, and an unknown one, is validated strictly.
 */
static struct genl_family bsend_genl_family __ro_after_init = {
	.name = BSEND_GENL_NAME,
	.version = BSEND_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = bsend_genl_ops,
	.n_ops = ARRAY_SIZE(bsend_genl_ops),
	.mcgrps = bsend_genl_groups,
	.n_mcgrps = ARRAY_SIZE(bsend_genl_groups),
};

int bsend_genl_register(void)
{
	return genl_register_family(&bsend_genl_family);
}

void bsend_genl_unregister(void)
{
	genl_unregister_family(&bsend_genl_family);
}
