/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the supported kernels (6.1 and 6.12)
 * live here and nowhere else.
 */
#ifndef BSEND_KERNEL_COMPAT_H
#define BSEND_KERNEL_COMPAT_H

#include <linux/exportfs.h>
#include <linux/version.h>

/* 6.5 added a flags argument to exportfs_encode_inode_fh(). */
static inline int bsend_encode_inode_fh(struct inode *inode, struct fid *fid,
					int *max_len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return exportfs_encode_inode_fh(inode, fid, max_len, NULL, 0);
#else
	return exportfs_encode_inode_fh(inode, fid, max_len, NULL);
#endif
}

#endif /* BSEND_KERNEL_COMPAT_H */
