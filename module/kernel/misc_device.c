// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/bsend: the misc device whose ioctl starts a send. The file holds a
 * reference on the module (fops.owner), so the module cannot be unloaded
 * while an ioctl runs or the device is open.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "uapi/bsend.h"
#include "internal.h"

static long bsend_unlocked_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	switch (cmd) {
	case BSEND_IOC_SEND:
		return bsend_ioctl_send((void __user *)arg);
	case BSEND_IOC_TREE_STATS:
		return bsend_ioctl_tree_stats((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations bsend_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = bsend_unlocked_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice bsend_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = BSEND_DEVICE_NAME,
	.fops = &bsend_fops,
	.mode = 0600,
};

int bsend_misc_register(void)
{
	return misc_register(&bsend_misc);
}

void bsend_misc_unregister(void)
{
	misc_deregister(&bsend_misc);
}
