// SPDX-License-Identifier: GPL-2.0
/*
 * BSEND_IOC_TREE_STATS: walks one committed tree with the engine's reader
 * and reports what it counted. The walk is in the registry for its whole
 * run, as a send is (LIST shows it, CANCEL and a fatal signal stop it).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "internal.h"
#include "registry.h"
#include "request.h"

static bool reserved_fields_zero(const struct bsend_ioctl_tree_stats_args *args)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(args->reserved); i++)
		if (args->reserved[i])
			return false;
	return true;
}

long bsend_ioctl_tree_stats(struct bsend_ioctl_tree_stats_args __user *uargs)
{
	struct bsend_ioctl_tree_stats_args args;
	struct bsend_fs_request req = {};
	struct bsend_tree_stats stats = {};
	struct bsend_error error = {};
	struct bsend_host_send entry = { .phase = BSEND_PHASE_STARTING };
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (!reserved_fields_zero(&args))
		return -EINVAL;
	ret = bsend_fs_request_open(&req, args.subvol_fd, args.device_count,
				    args.missing_devices, args.device_fds);
	if (ret)
		goto out;
	args.walked_tree_id = args.tree_id ?: req.subvol_root;
	entry.subvol = args.walked_tree_id;
	bsend_registry_add(&entry);
	ret = bsend_fs_request_sync(&req);
	if (!ret)
		ret = bsend_engine_tree_stats(&req.fs, args.walked_tree_id,
					      &entry, &stats, &error);
	bsend_registry_remove(&entry, ret);
	if (ret == -EINTR || ret == -ECANCELED)
		goto out;
	if (ret) {
		pr_err("bsend: walking tree %llu: %s at bytenr %llu, device %llu (expected %llu, found %llu): %d\n",
		       args.walked_tree_id, error.cause, error.bytenr,
		       error.devid, error.expected, error.found, ret);
		goto out;
	}
	args.root_generation = stats.root_generation;
	args.root_level = stats.root_level;
	args.blocks = stats.blocks;
	args.items = stats.items;
	args.inodes = stats.inodes;
	args.peak_memory = bsend_alloc_bytes_peak();
	if (copy_to_user(uargs, &args, sizeof(args)))
		ret = -EFAULT;
out:
	bsend_fs_request_release(&req);
	return ret;
}
