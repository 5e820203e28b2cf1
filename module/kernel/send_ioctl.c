// SPDX-License-Identifier: GPL-2.0
/*
 * BSEND_IOC_SEND: validates every input before anything is sent, in the
 * order and with the errnos documented in uapi/bsend.h.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "host.h"
#include "internal.h"
#include "registry.h"
#include "request.h"

/* Everything a validated send holds; released by send_release(). */
struct bsend_send {
	struct bsend_ioctl_send_args args;
	struct bsend_fs_request fs_req;
	struct file *out;
	u64 *clone_roots;		/* args.clone_sources_count ids */
};

static void send_release(struct bsend_send *send)
{
	bsend_host_free(send->clone_roots);
	if (send->out)
		fput(send->out);
	bsend_fs_request_release(&send->fs_req);
}

static bool reserved_fields_zero(const struct bsend_ioctl_send_args *args)
{
	size_t i;

	if (args->reserved1)
		return false;
	for (i = 0; i < ARRAY_SIZE(args->reserved); i++)
		if (args->reserved[i])
			return false;
	return true;
}

static int check_flags(const struct bsend_ioctl_send_args *args)
{
	u32 proto = 1;

	if (args->flags & ~(u64)BSEND_SEND_FLAG_MASK)
		return -EOPNOTSUPP;
	if (args->flags & BTRFS_SEND_FLAG_VERSION) {
		if (args->version > bsend_engine_proto_max())
			return -EPROTO;
		proto = args->version ?: bsend_engine_proto_max();
	}
	if ((args->flags & BTRFS_SEND_FLAG_COMPRESSED) && proto < 2)
		return -EINVAL;
	if (args->flags & ~(u64)BSEND_SEND_FLAGS_HONOURED)
		return -EOPNOTSUPP;
	return 0;
}

/* Whether out is a block device that the send reads: the stream would
 * overwrite the metadata it is made from. */
static bool is_device_of(const struct bsend_fs_request *req,
			 const struct file *out)
{
	const struct inode *inode = file_inode(out);
	u32 i;

	if (!S_ISBLK(inode->i_mode))
		return false;
	for (i = 0; i < req->fs.count; i++)
		if (file_inode(req->fs.devices[i].file)->i_rdev == inode->i_rdev)
			return true;
	return false;
}

static int open_output(struct bsend_send *send)
{
	if (send->args.flags & BSEND_SEND_FLAG_DRY_RUN)
		return 0;	/* nothing is written */
	if (send->args.send_fd < 0 || send->args.send_fd > INT_MAX)
		return -EBADF;
	send->out = fget(send->args.send_fd);
	if (!send->out || !(send->out->f_mode & FMODE_WRITE))
		return -EBADF;
	if (is_device_of(&send->fs_req, send->out))
		return -EINVAL;
	return 0;
}

static int validate_send(struct bsend_send *send,
			 struct bsend_ioctl_send_args __user *uargs)
{
	struct bsend_ioctl_send_args *args = &send->args;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(args, uargs, sizeof(*args)))
		return -EFAULT;
	if (!reserved_fields_zero(args))
		return -EINVAL;
	ret = check_flags(args);
	if (ret)
		return ret;
	if (args->clone_sources_count > BSEND_MAX_CLONE_SOURCES)
		return -EINVAL;
	ret = bsend_copy_user_array((void **)&send->clone_roots,
				    args->clone_sources,
				    args->clone_sources_count,
				    sizeof(*send->clone_roots));
	if (ret)
		return ret;
	ret = bsend_fs_request_open(&send->fs_req, args->subvol_fd,
				    args->device_count, args->missing_devices,
				    args->device_fds);
	if (ret)
		return ret;
	return open_output(send);
}

/* The path of the subvolume's root directory, for LIST; NULL if it
 * cannot be made. Freed with kfree(). */
static char *subvolume_path(struct file *subvol)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	char *path, *copy = NULL;

	if (!buf)
		return NULL;
	path = d_path(&subvol->f_path, buf, PATH_MAX);
	if (!IS_ERR(path))
		copy = kstrdup(path, GFP_KERNEL);
	kfree(buf);
	return copy;
}

/* Runs the engine on the validated request; fills *stats on success, and
 * *failed_ino with the inode an error names on failure. */
static int run_send(struct bsend_send *send, struct bsend_send_stats *stats,
		    u64 *failed_ino)
{
	struct bsend_host_out out = { .file = send->out };
	struct bsend_host_files files = {
		.mnt = send->fs_req.subvol->f_path.mnt,
	};
	struct bsend_send_params params = {
		.subvolume = send->fs_req.subvol_root,
		.parent = send->args.parent_root,
		.clone_sources = send->clone_roots,
		.clone_source_count = send->args.clone_sources_count,
		.flags = send->args.flags,
		.version = send->args.flags & BTRFS_SEND_FLAG_VERSION ?
			   (send->args.version ?: bsend_engine_proto_max()) : 1,
		.memory_budget = bsend_send_memory_budget(),
	};
	struct bsend_host_send entry = {
		.subvol = send->fs_req.subvol_root,
		.parent = send->args.parent_root,
		.phase = BSEND_PHASE_STARTING,
	};
	struct bsend_error error = {};
	char *path;
	int ret;

	path = subvolume_path(send->fs_req.subvol);
	entry.subvol_path = path;
	bsend_registry_add(&entry);
	out.send = &entry;
	ret = bsend_fs_request_sync(&send->fs_req);
	if (!ret) {
		bsend_host_out_begin(&out);
		ret = bsend_engine_send(&send->fs_req.fs, &out, &files,
					     &entry, &params, stats, &error);
		bsend_host_out_end(&out);
	}
	if (!ret) {
		/* The FINISHED event carries the totals. */
		WRITE_ONCE(entry.bytes, stats->stream_bytes);
		WRITE_ONCE(entry.inodes, stats->inodes);
	}
	bsend_host_files_close(&files);
	bsend_registry_remove(&entry, ret);
	kfree(path);
	*failed_ino = error.ino;
	if (ret == -ENOTRECOVERABLE)
		pr_err("bsend: send of root %llu: bsend cannot send this change: %s, ino %llu, bytenr %llu, device %llu (expected %llu, found %llu): %d\n",
		       params.subvolume, error.cause, error.ino, error.bytenr,
		       error.devid, error.expected, error.found, ret);
	else if (ret && ret != -EINTR && ret != -EPIPE && ret != -EPERM &&
		 ret != -ECANCELED && ret != -ENOENT)
		pr_err("bsend: send of root %llu: %s, ino %llu, bytenr %llu, device %llu (expected %llu, found %llu): %d\n",
		       params.subvolume, error.cause, error.ino, error.bytenr,
		       error.devid, error.expected, error.found, ret);
	return ret;
}

/* Writes what the stream held into the out fields of the arguments. */
static int report_stats(struct bsend_ioctl_send_args __user *uargs,
			const struct bsend_send_stats *stats)
{
	if (put_user(stats->stream_bytes, &uargs->stream_bytes) ||
	    put_user(stats->data_bytes, &uargs->data_bytes) ||
	    put_user(stats->inodes, &uargs->inodes) ||
	    put_user(stats->commands, &uargs->commands) ||
	    put_user(stats->newer_commits, &uargs->newer_commits))
		return -EFAULT;
	return 0;
}

long bsend_ioctl_send(struct bsend_ioctl_send_args __user *uargs)
{
	struct bsend_send send = {};
	struct bsend_send_stats stats = {};
	u64 failed_ino = 0;
	int ret;

	ret = validate_send(&send, uargs);
	if (!ret)
		ret = run_send(&send, &stats, &failed_ino);
	send_release(&send);
	if (!ret)
		ret = report_stats(uargs, &stats);
	else if (failed_ino && put_user(failed_ino, &uargs->failed_ino))
		pr_debug("bsend: cannot report the inode of error %d\n", ret);
	return ret;
}
