// SPDX-License-Identifier: GPL-2.0
/*
 * bsend: btrfs send as an out-of-tree module. Module init and exit: the
 * misc device, the generic netlink family, and the leak check at unload.
 */
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

#include "uapi/bsend.h"
#include "internal.h"

static int __init bsend_init(void)
{
	int ret;

	ret = bsend_checksum_init();
	if (ret) {
		pr_err("bsend: cannot allocate the crc32c transform: %d\n", ret);
		goto out_checksum;
	}
	ret = bsend_genl_register();
	if (ret) {
		pr_err("bsend: cannot register generic netlink family: %d\n",
		       ret);
		goto out_checksum;
	}
	ret = bsend_misc_register();
	if (ret) {
		pr_err("bsend: cannot register /dev/%s: %d\n",
		       BSEND_DEVICE_NAME, ret);
		goto out_genl;
	}
	pr_info("bsend: version %s loaded\n", BSEND_VERSION);
	return 0;

out_genl:
	bsend_genl_unregister();
out_checksum:
	bsend_checksum_exit();
	return ret;
}

static void __exit bsend_exit(void)
{
	long outstanding;

	bsend_misc_unregister();
	bsend_genl_unregister();
	bsend_checksum_exit();
	outstanding = bsend_alloc_outstanding();
	if (outstanding)
		pr_err("bsend: %ld allocations outstanding at unload\n",
		       outstanding);
	pr_info("bsend: unloaded, peak memory %zu bytes\n",
		bsend_alloc_bytes_peak());
}

/*
 * How much each send may hold (the engine shares it out: the block cache,
 * an incremental send's change set, the backref walk's answers; see
 * module/core/send/memory_budget.h). Read at the start of each send.
 */
static unsigned int send_memory_budget_mib = 64;
module_param(send_memory_budget_mib, uint, 0644);
MODULE_PARM_DESC(send_memory_budget_mib,
		 "memory each send may hold, in MiB (default 64; at least 2)");

u64 bsend_send_memory_budget(void)
{
	unsigned int mib = READ_ONCE(send_memory_budget_mib);

	return (u64)max(mib, 2U) << 20;
}

module_init(bsend_init);
module_exit(bsend_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(BSEND_VERSION);
MODULE_DESCRIPTION("btrfs send from the committed on-disk trees");
MODULE_AUTHOR("The bsend developers");
