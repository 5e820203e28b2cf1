/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the supported kernels (6.1 and 6.12)
 * live here and nowhere else.
 */
#ifndef BSEND_KERNEL_COMPAT_H
#define BSEND_KERNEL_COMPAT_H

#include <linux/blkdev.h>
#include <linux/exportfs.h>
#include <linux/fs.h>
#include <linux/version.h>
#include <net/genetlink.h>

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

/*
 * The initialiser of a struct genl_multicast_group that makes the genetlink
 * core refuse a join (EPERM) to a caller without CAP_NET_ADMIN and
 * CAP_SYS_ADMIN, as LIST and CANCEL are refused. 6.7 made this the flags
 * GENL_MCAST_CAP_NET_ADMIN and GENL_MCAST_CAP_SYS_ADMIN, which Debian's 6.1
 * has since 6.1.176-1; before them there was only the bit cap_sys_admin
 * (6.6; Debian's 6.1 since 6.1.69-1), so such a kernel checks CAP_SYS_ADMIN
 * alone. Feature-tested, as 6.1 point releases differ.
 */
#ifdef GENL_MCAST_CAP_SYS_ADMIN
#define BSEND_GENL_MCGRP_ADMIN_ONLY \
	.flags = GENL_MCAST_CAP_NET_ADMIN | GENL_MCAST_CAP_SYS_ADMIN
#else
#define BSEND_GENL_MCGRP_ADMIN_ONLY .cap_sys_admin = 1
#endif

/* 6.6 made an inode's ctime private to accessors. */
static inline struct timespec64 bsend_inode_ctime(const struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inode_get_ctime(inode);
#else
	return inode->i_ctime;
#endif
}

#endif /* BSEND_KERNEL_COMPAT_H */
