/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every bsend ioctl that reads a filesystem starts from: the subvolume
 * fd, checked to be a subvolume root on btrfs, and the device fds, checked
 * to be exactly the filesystem's devices. The devices become the engine's
 * struct bsend_host_fs.
 */
#ifndef BSEND_KERNEL_REQUEST_H
#define BSEND_KERNEL_REQUEST_H

#include <linux/types.h>

struct file;

/* One device of the filesystem, as the engine reads it. */
struct bsend_host_device {
	u64 devid;
	struct file *file;	/* the block device fd sendctl passed */
};

/* The engine's view of the filesystem's devices (module/core/platform.h). */
struct bsend_host_fs {
	struct bsend_host_device *devices;
	u32 count;
};

struct bsend_fs_request {
	struct file *subvol;	/* root dir of the subvolume */
	u64 subvol_root;	/* its root id */
	struct bsend_host_fs fs;
};

/*
 * Opens and checks subvol_fd and the device_count fds at user pointer
 * device_fds (missing_devices more having no fd), in the order and with the
 * errnos of uapi/bsend.h. On error everything taken so far stays in *req
 * for bsend_fs_request_release().
 */
int bsend_fs_request_open(struct bsend_fs_request *req, s64 subvol_fd,
			  u32 device_count, u32 missing_devices,
			  u64 device_fds);

void bsend_fs_request_release(struct bsend_fs_request *req);

/* Commits the filesystem's running transaction (sync_filesystem). */
int bsend_fs_request_sync(struct bsend_fs_request *req);

/* Copies count elements of size bytes from user pointer uptr into a new
 * counted allocation at *dst (NULL when count is 0). */
int bsend_copy_user_array(void **dst, u64 uptr, u64 count, size_t size);

#endif /* BSEND_KERNEL_REQUEST_H */
