// SPDX-License-Identifier: GPL-2.0
/* The subvolume and device checks shared by bsend's ioctls. */
#include <linux/blkdev.h>
#include <linux/btrfs_tree.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/uaccess.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "compat.h"
#include "internal.h"
#include "request.h"

/* btrfs's file handle without a parent: objectid, root_objectid, gen. */
#define BSEND_FILEID_BTRFS_WITHOUT_PARENT 0x4d
#define BSEND_BTRFS_FH_WORDS 5

int bsend_copy_user_array(void **dst, u64 uptr, u64 count, size_t size)
{
	void *buf;

	*dst = NULL;
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

static int open_subvolume(struct bsend_fs_request *req, s64 subvol_fd)
{
	u32 fh[BSEND_BTRFS_FH_WORDS];
	int words = BSEND_BTRFS_FH_WORDS;
	struct inode *inode;
	int type;

	if (subvol_fd < 0 || subvol_fd > INT_MAX)
		return -EBADF;
	req->subvol = fget(subvol_fd);
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
	req->subvol_root = fh[2] | ((u64)fh[3] << 32);
	return 0;
}

/*
 * Reads the primary superblock of one device and asks the engine whether
 * it belongs to the filesystem of the subvolume, whose on-disk fsid is
 * fsid; a NULL fsid takes the device's own (the first device).
 */
static int check_device(struct bsend_fs_request *req, struct file *file,
			const u8 *fsid, struct bsend_device_identity *identity)
{
	struct block_device *bdev = I_BDEV(file->f_mapping->host);
	struct super_block *sb = file_inode(req->subvol)->i_sb;
	struct bsend_error error = {};
	void *super;
	int ret;

	if (!S_ISBLK(file_inode(file)->i_mode))
		return -ENOTBLK;
	if (!bsend_bdev_of_fs(bdev, sb)) {
		pr_err("bsend: device %pg is not one the filesystem of root %llu has open (a copy of one? a device of another filesystem?)\n",
		       bdev, req->subvol_root);
		return -EXDEV;
	}
	super = bsend_host_alloc(BSEND_SUPER_SIZE);
	if (!super)
		return -ENOMEM;
	ret = bsend_read_device(bdev, BSEND_SUPER_OFFSET, super,
				BSEND_SUPER_SIZE);
	if (ret) {
		pr_err("bsend: device %pg: cannot read its superblock at bytenr %u: %d\n",
		       bdev, BSEND_SUPER_OFFSET, ret);
		goto out;
	}
	ret = bsend_engine_check_device_super(super, BSEND_SUPER_SIZE, fsid,
					      identity, &error);
	if (ret && ret != -EXDEV)
		pr_err("bsend: device %pg: superblock at bytenr %llu: %s (expected %llu, found %llu): %d\n",
		       bdev, error.bytenr, error.cause, error.expected,
		       error.found, ret);
out:
	bsend_host_free(super);
	return ret;
}

/*
 * The fsid the filesystem's devices bear, from its first device: the one
 * the mount reports, but for a mount with a temporary fsid, which only a
 * single-device filesystem gets, the one it was made with.
 */
static int take_fsid(struct bsend_fs_request *req, struct file *file,
		     const struct bsend_device_identity *identity, u8 *fsid)
{
	struct super_block *sb = file_inode(req->subvol)->i_sb;

	if (memcmp(identity->fsid, sb->s_uuid.b, BTRFS_FSID_SIZE) &&
	    identity->num_devices != 1) {
		pr_err("bsend: device %pg bears fsid %pU, the filesystem of root %llu is mounted as %pU, and has %llu devices\n",
		       I_BDEV(file->f_mapping->host), identity->fsid,
		       req->subvol_root, sb->s_uuid.b, identity->num_devices);
		return -EXDEV;
	}
	memcpy(fsid, identity->fsid, BTRFS_FSID_SIZE);
	return 0;
}

/*
 * The devices: each fd a block device that the filesystem of the subvolume
 * has open, each device at most once, and with the missing ones of a
 * degraded mount, as many as the filesystem has.
 */
static int open_devices(struct bsend_fs_request *req, u32 count, u32 missing,
			const s32 *fds)
{
	struct bsend_host_fs *fs = &req->fs;
	struct bsend_device_identity identity;
	u8 fsid[BTRFS_FSID_SIZE];
	u64 num_devices = 0;
	u32 i, j;

	fs->devices = bsend_host_alloc(count * sizeof(*fs->devices));
	if (!fs->devices)
		return -ENOMEM;
	memset(fs->devices, 0, count * sizeof(*fs->devices));
	fs->count = count;
	for (i = 0; i < count; i++) {
		struct bsend_host_device *dev = &fs->devices[i];
		int ret;

		if (fds[i] < 0)
			return -EBADF;
		dev->file = fget(fds[i]);
		if (!dev->file)
			return -EBADF;
		ret = check_device(req, dev->file, i ? fsid : NULL, &identity);
		if (!ret && !i)
			ret = take_fsid(req, dev->file, &identity, fsid);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (fs->devices[j].devid == identity.devid)
				return -ENODEV;
		dev->devid = identity.devid;
		num_devices = identity.num_devices;
	}
	return num_devices == (u64)count + missing ? 0 : -ENODEV;
}

int bsend_fs_request_open(struct bsend_fs_request *req, s64 subvol_fd,
			  u32 device_count, u32 missing_devices,
			  u64 device_fds)
{
	s32 *fds;
	int ret;

	if (!device_count ||
	    (u64)device_count + missing_devices > BSEND_MAX_DEVICES)
		return -EINVAL;
	ret = bsend_copy_user_array((void **)&fds, device_fds, device_count,
				    sizeof(*fds));
	if (ret)
		return ret;
	ret = open_subvolume(req, subvol_fd);
	if (!ret)
		ret = open_devices(req, device_count, missing_devices, fds);
	bsend_host_free(fds);
	return ret;
}

int bsend_fs_request_sync(struct bsend_fs_request *req)
{
	struct super_block *sb = file_inode(req->subvol)->i_sb;
	int ret;

	down_read(&sb->s_umount);
	ret = sync_filesystem(sb);
	up_read(&sb->s_umount);
	return ret;
}

void bsend_fs_request_release(struct bsend_fs_request *req)
{
	u32 i;

	for (i = 0; i < req->fs.count; i++)
		if (req->fs.devices[i].file)
			fput(req->fs.devices[i].file);
	bsend_host_free(req->fs.devices);
	req->fs.devices = NULL;
	req->fs.count = 0;
	if (req->subvol)
		fput(req->subvol);
	req->subvol = NULL;
}

/* The block device of devid (any device for BSEND_ANY_DEVICE), or NULL. */
static struct block_device *find_device(struct bsend_host_fs *fs, u64 devid)
{
	u32 i;

	for (i = 0; i < fs->count; i++) {
		struct file *file = fs->devices[i].file;

		if (devid == BSEND_ANY_DEVICE || fs->devices[i].devid == devid)
			return I_BDEV(file->f_mapping->host);
	}
	return NULL;
}

/* bsend_host_read(): reads one device of the request with bios. */
int bsend_host_read(struct bsend_host_fs *fs, uint64_t devid,
		    uint64_t physical, void *buf, size_t len)
{
	struct block_device *bdev = find_device(fs, devid);

	if (!bdev)
		return -ENODEV;
	return bsend_read_device(bdev, physical, buf, len);
}

static struct block_device *device_of_fs(void *fs, u64 devid)
{
	return find_device(fs, devid);
}

/* bsend_host_read_start(): the whole batch's bios in flight at once. */
struct bsend_read_batch *bsend_host_read_start(struct bsend_host_fs *fs,
					       struct bsend_read_request *reqs,
					       size_t count)
{
	return bsend_read_devices_start(device_of_fs, fs, reqs, count);
}

void bsend_host_read_finish(struct bsend_read_batch *batch)
{
	bsend_read_devices_finish(batch);
}
