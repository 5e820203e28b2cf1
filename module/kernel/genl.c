// SPDX-License-Identifier: GPL-2.0
/* The "bsend" generic netlink family: GET_INFO. */
#include <linux/module.h>
#include <net/genetlink.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "internal.h"

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
	    nla_put_u64_64bit(reply, BSEND_ATTR_SEND_FLAGS, BSEND_SEND_FLAG_MASK,
			      BSEND_ATTR_UNSPEC) ||
	    nla_put_u64_64bit(reply, BSEND_ATTR_ALLOCATIONS,
			      bsend_alloc_outstanding(), BSEND_ATTR_UNSPEC))
		goto too_big;
	genlmsg_end(reply, header);
	return genlmsg_reply(reply, info);

too_big:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

static const struct genl_small_ops bsend_genl_ops[] = {
	{
		.cmd = BSEND_CMD_GET_INFO,
		.validate = GENL_DONT_VALIDATE_DUMP,
		.doit = bsend_genl_get_info,
	},
};

static struct genl_family bsend_genl_family __ro_after_init = {
	.name = BSEND_GENL_NAME,
	.version = BSEND_GENL_VERSION,
	.maxattr = BSEND_ATTR_MAX,
	.module = THIS_MODULE,
	.small_ops = bsend_genl_ops,
	.n_small_ops = ARRAY_SIZE(bsend_genl_ops),
	.resv_start_op = BSEND_CMD_MAX + 1,
};

int bsend_genl_register(void)
{
	return genl_register_family(&bsend_genl_family);
}

void bsend_genl_unregister(void)
{
	genl_unregister_family(&bsend_genl_family);
}
