/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's definitions of the engine's opaque host types
 * (module/core/platform.h): the stream's output and the file reader.
 */
#ifndef BSEND_KERNEL_HOST_H
#define BSEND_KERNEL_HOST_H

#include <linux/types.h>

struct file;
struct vfsmount;

struct bsend_host_out {
	struct file *file;	/* the send fd; NULL for a dry run */
	loff_t pos;
	bool pos_locked;	/* holds file->f_pos_lock */
	struct bsend_host_send *send;	/* its registry entry: cancellation */
};

/* Takes the send fd's position for the whole send, under its f_pos_lock
 * where the file has one, as write(2) takes it for one write. */
void bsend_host_out_begin(struct bsend_host_out *out);
/* Gives the position back, advanced by what the send wrote. */
void bsend_host_out_end(struct bsend_host_out *out);

struct bsend_host_files {
	struct vfsmount *mnt;	/* the sent subvolume's mount */
	struct file *file;	/* the inode open now, or NULL */
	u64 root, ino, gen;	/* which one it is */
};

void bsend_host_files_close(struct bsend_host_files *files);

#endif /* BSEND_KERNEL_HOST_H */
