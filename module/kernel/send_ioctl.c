// SPDX-License-Identifier: GPL-2.0
/*
 * BSEND_IOC_SEND: validates every input before anything is sent, in the
 * order and with the errnos documented in uapi/bsend.h.
 */
#include <linux/blkdev.h>
#include <linux/btrfs_tree.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "compat.h"
#include "internal.h"

/* btrfs's file handle without a parent: objectid, root_objectid, gen. */
#define BSEND_FILEID_BTRFS_WITHOUT_PARENT 0x4d
#define BSEND_BTRFS_FH_WORDS 5

/* Everything a validated request holds; released by request_release(). */
struct bsend_request {
	struct bsend_ioctl_send_args args;
	struct file *subvol;
	struct file *out;
	u64 send_root;			/* root id of the subvolume */
	u64 *clone_roots;		/* args.clone_sources_count ids */
	s32 *device_fds;		/* args.device_count fds */
	struct file **devices;		/* args.device_count files */
};

static void request_release(struct bsend_request *req)
{
	u32 i;

	if (req->devices) {
		for (i = 0; i < req->args.device_count; i++)
			if (req->devices[i])
				fput(req->devices[i]);
	}
	bsend_host_free(req->devices);
	bsend_host_free(req->device_fds);
	bsend_host_free(req->clone_roots);
	if (req->out)
		fput(req->out);
	if (req->subvol)
		fput(req->subvol);
}

static bool reserved_fields_zero(const struct bsend_ioctl_send_args *args)
{
	size_t i;

	if (args->reserved0 || args->reserved1)
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
	return 0;
}

/* Copies count elements of size bytes from a user pointer into *dst. */
static int copy_user_array(void **dst, u64 uptr, u64 count, size_t size)
{
	void *buf;

	if (!count)
		return 0;
	buf = bsend_host_alloc(count * size);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(uptr), count * size)) {
		bsend_host_free(buf);
		return -EFAULT;
	}
	*dst = buf;
	return 0;
}

/* The subvolume: an fd of the root directory of a subvolume on btrfs. */
static int open_subvolume(struct bsend_request *req)
{
	u32 fh[BSEND_BTRFS_FH_WORDS];
	int words = BSEND_BTRFS_FH_WORDS;
	struct inode *inode;
	int type;

	if (req->args.subvol_fd < 0 || req->args.subvol_fd > INT_MAX)
		return -EBADF;
	req->subvol = fget(req->args.subvol_fd);
	if (!req->subvol)
		return -EBADF;
	inode = file_inode(req->subvol);
	if (inode->i_sb->s_magic != BTRFS_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	if (!S_ISDIR(inode->i_mode) || inode->i_ino != BTRFS_FIRST_FREE_OBJECTID)
		return -EINVAL;
	type = bsend_encode_inode_fh(inode, (struct fid *)fh, &words);
	if (type != BSEND_FILEID_BTRFS_WITHOUT_PARENT || words < 4) {
		pr_err("bsend: ino %lu: unexpected btrfs file handle type %d, %d words\n",
		       inode->i_ino, type, words);
		return -EINVAL;
	}
	req->send_root = fh[2] | ((u64)fh[3] << 32);
	return 0;
}

static int open_output(struct bsend_request *req)
{
	if (req->args.send_fd < 0 || req->args.send_fd > INT_MAX)
		return -EBADF;
	req->out = fget(req->args.send_fd);
	if (!req->out || !(req->out->f_mode & FMODE_WRITE))
		return -EBADF;
	return 0;
}

/*
 * Reads the primary superblock of one device fd and asks the engine
 * whether it belongs to the filesystem of the subvolume.
 */
static int check_device(struct bsend_request *req, struct file *file,
			struct bsend_device_identity *identity)
{
	struct super_block *sb = file_inode(req->subvol)->i_sb;
	struct bsend_error error = {};
	void *super;
	int ret;

	if (!S_ISBLK(file_inode(file)->i_mode))
		return -ENOTBLK;
	super = bsend_host_alloc(BSEND_SUPER_SIZE);
	if (!super)
		return -ENOMEM;
	ret = bsend_read_device(I_BDEV(file->f_mapping->host),
				BSEND_SUPER_OFFSET, super, BSEND_SUPER_SIZE);
	if (ret) {
		pr_err("bsend: cannot read the superblock of a device at bytenr %u: %d\n",
		       BSEND_SUPER_OFFSET, ret);
		goto out;
	}
	ret = bsend_engine_check_device_super(super, BSEND_SUPER_SIZE,
					      sb->s_uuid.b, identity, &error);
	if (ret && ret != -EXDEV)
		pr_err("bsend: device superblock at bytenr %llu: %s (expected %llu, found %llu): %d\n",
		       error.bytenr, error.cause, error.expected, error.found,
		       ret);
out:
	bsend_host_free(super);
	return ret;
}

/*
 * The devices: each fd a block device holding a superblock of this
 * filesystem, every device of the filesystem present exactly once.
 */
static int open_devices(struct bsend_request *req)
{
	struct bsend_device_identity identity;
	u64 num_devices = 0;
	u64 *devids;
	u32 i, j;
	int ret = 0;

	req->devices = bsend_host_alloc(req->args.device_count *
					sizeof(*req->devices));
	devids = bsend_host_alloc(req->args.device_count * sizeof(*devids));
	if (!req->devices || !devids) {
		ret = -ENOMEM;
		goto out;
	}
	memset(req->devices, 0, req->args.device_count * sizeof(*req->devices));
	for (i = 0; i < req->args.device_count; i++) {
		req->devices[i] = fget(req->device_fds[i]);
		if (req->device_fds[i] < 0 || !req->devices[i]) {
			ret = -EBADF;
			goto out;
		}
		ret = check_device(req, req->devices[i], &identity);
		if (ret)
			goto out;
		for (j = 0; j < i; j++) {
			if (devids[j] == identity.devid) {
				ret = -ENODEV;
				goto out;
			}
		}
		devids[i] = identity.devid;
		num_devices = identity.num_devices;
	}
	if (num_devices != req->args.device_count)
		ret = -ENODEV;
out:
	bsend_host_free(devids);
	return ret;
}

static int validate_request(struct bsend_request *req,
			    struct bsend_ioctl_send_args __user *uargs)
{
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req->args, uargs, sizeof(req->args)))
		return -EFAULT;
	if (!reserved_fields_zero(&req->args))
		return -EINVAL;
	ret = check_flags(&req->args);
	if (ret)
		return ret;
	if (req->args.clone_sources_count > BSEND_MAX_CLONE_SOURCES)
		return -EINVAL;
	if (!req->args.device_count ||
	    req->args.device_count > BSEND_MAX_DEVICES)
		return -EINVAL;
	ret = copy_user_array((void **)&req->clone_roots,
			      req->args.clone_sources,
			      req->args.clone_sources_count,
			      sizeof(*req->clone_roots));
	if (ret)
		return ret;
	ret = copy_user_array((void **)&req->device_fds, req->args.device_fds,
			      req->args.device_count, sizeof(*req->device_fds));
	if (ret)
		return ret;
	ret = open_subvolume(req);
	if (ret)
		return ret;
	ret = open_output(req);
	if (ret)
		return ret;
	return open_devices(req);
}

long bsend_ioctl_send(struct bsend_ioctl_send_args __user *uargs)
{
	struct bsend_request req = {};
	int ret;

	ret = validate_request(&req, uargs);
	if (!ret) {
		/* The send engine does not exist yet: everything validated. */
		ret = -EOPNOTSUPP;
	}
	request_release(&req);
	return ret;
}
