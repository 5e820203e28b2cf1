/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bsend user-space ABI: the /dev/bsend ioctl and the "bsend" generic netlink
 * family. Shared by the module (module/kernel), sendctl (ctl/) and the tests.
 */
#ifndef _UAPI_BSEND_H
#define _UAPI_BSEND_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/btrfs.h>

#define BSEND_DEVICE_NAME "bsend"
#define BSEND_VERSION "0.1.0"

/*
 * Send flags: the in-kernel BTRFS_SEND_FLAG_* values, unchanged, and bsend's
 * own from bit 32 up.
 *
 * BSEND_SEND_FLAG_DRY_RUN: build the stream without reading file data and
 * without writing it; send_fd is ignored. The out fields of the arguments
 * then give the size the stream would have had: exact, since every WRITE's
 * size follows from the extent items, not from the data.
 */
#define BSEND_SEND_FLAG_DRY_RUN (1ULL << 32)
#define BSEND_SEND_FLAG_MASK (BTRFS_SEND_FLAG_MASK | BSEND_SEND_FLAG_DRY_RUN)
/*
 * The flags this module honours, which GET_INFO reports: all it knows but
 * BTRFS_SEND_FLAG_COMPRESSED, until it writes ENCODED_WRITE.
 */
#define BSEND_SEND_FLAGS_HONOURED \
	(BSEND_SEND_FLAG_MASK & ~(__u64)BTRFS_SEND_FLAG_COMPRESSED)

/* Bounds on the arrays a caller may pass. */
#define BSEND_MAX_DEVICES 256
#define BSEND_MAX_CLONE_SOURCES 65536

/*
 * Argument of BSEND_IOC_SEND. All fields are little/native-endian and the
 * struct has the same layout on 32- and 64-bit user space: pointers travel
 * as __u64.
 *
 * The fields after device_fds mirror struct btrfs_ioctl_send_args with the
 * same meaning and flag values.
 *
 * Errors, checked before anything is sent, in this order:
 *   EPERM       caller lacks CAP_SYS_ADMIN
 *   EINVAL      a reserved field is not zero
 *   EOPNOTSUPP  flags has a bit outside BSEND_SEND_FLAG_MASK
 *   EPROTO      BTRFS_SEND_FLAG_VERSION with a version above the highest one
 *               the module writes (BSEND_ATTR_PROTO_MAX of GET_INFO)
 *   EINVAL      BTRFS_SEND_FLAG_COMPRESSED with a stream version below 2
 *   EOPNOTSUPP  a flag outside BSEND_SEND_FLAGS_HONOURED (compressed data)
 *   EINVAL      clone_sources_count > BSEND_MAX_CLONE_SOURCES
 *   EFAULT      clone_sources cannot be read
 *   EINVAL      device_count is 0, or device_count + missing_devices is
 *               above BSEND_MAX_DEVICES
 *   EFAULT      device_fds cannot be read
 *   EBADF       subvol_fd is not open
 *   EMEDIUMTYPE subvol_fd is not on a btrfs filesystem
 *   EINVAL      subvol_fd is not the root directory of a subvolume
 *   EBADF       a device fd is not open
 *   ENOTBLK     a device fd is not a block device
 *   EXDEV       a device holds no btrfs superblock of this filesystem, or
 *               is not one the mounted filesystem has open (a block-level
 *               copy of one, an LVM snapshot)
 *   ENODEV      device_count + missing_devices is not the number of devices
 *               of the filesystem, or one device is passed twice
 *   EUCLEAN     a device's superblock fails its checksum
 *   EBADF       send_fd is not open for writing (unless DRY_RUN)
 *   EINVAL      send_fd is one of the filesystem's own block devices
 *
 * A filesystem mounted degraded has devices btrfs knows but lacks (no path
 * in BTRFS_IOC_DEV_INFO): the caller passes the devices present and counts
 * the others in missing_devices. Tree blocks whose copy is on a missing
 * device are read from another copy, or rebuilt from RAID5/6 parity; file
 * data comes through the page cache, where btrfs does the same.
 *
 * The stream is written at send_fd's file position, which the send holds
 * (as write(2) does) and advances; to a pipe or a socket it is written
 * without sleeping in their code, so that CANCEL ends a send whose reader
 * stopped reading.
 *
 * Then the filesystem is synced and the send runs:
 *   EPERM       the subvolume, the parent or a clone source is not
 *               read-only (its committed root item)
 *   ENOENT      the parent or a clone source is not a subvolume of this
 *               filesystem
 *   EINTR       a fatal signal arrived; the stream stops mid-command
 *   ECANCELED   BSEND_CMD_CANCEL asked for it; the stream has no END
 *   EPIPE       the reader of send_fd went away
 *   ENODEV      a tree block has no copy on the devices passed, nor can
 *               it be rebuilt from them (a degraded filesystem; logged with
 *               the bytenr and the missing device)
 *   EUCLEAN     corrupt metadata: a tree block or item fails validation
 *               (logged with the bytenr and the cause), directory
 *               references that form a loop
 *   ESTALE      the filesystem changed under the send: the subvolume, the
 *               parent or a clone source was made read-write, written
 *               (its ctransid moved) or deleted in a commit the send read,
 *               or a file's page cache holds another size than its
 *               committed inode, or a device passed was removed from the
 *               filesystem or replaced (its superblock is gone) (logged
 *               with the subvolume, inode or device and what changed).
 *               Checked at every newer commit the send
 *               moves to and before END; the stream has no END.
 *   ENAMETOOLONG
 *               a path is longer than PATH_MAX (4095 bytes and its NUL), as
 *               the in-kernel send refuses it
 *   ENOTRECOVERABLE
 *               bsend cannot send this change: an invariant of bsend's own
 *               failed on metadata that passed validation (a limit of
 *               bsend, not damage to the filesystem; logged with the cause
 *               and the inode). The stream has no END.
 * On a failure once the send runs, failed_ino holds the inode the error
 * names (0: none).
 */
struct bsend_ioctl_send_args {
	__s64 subvol_fd;		/* root dir of the subvolume to send */
	__u32 device_count;		/* entries in device_fds */
	__u32 missing_devices;		/* devices of a degraded mount that
					 * have no fd (0 unless mounted
					 * -o degraded with devices missing) */
	__u64 device_fds;		/* user pointer to __s32[device_count] */
	/* As in struct btrfs_ioctl_send_args: */
	__s64 send_fd;			/* stream output, opened for writing */
	__u64 clone_sources_count;	/* entries in clone_sources */
	__u64 clone_sources;		/* user pointer to __u64 root ids; checked,
					 * not cloned from yet */
	__u64 parent_root;		/* root id of the parent, 0 for none */
	__u64 flags;			/* BTRFS_SEND_FLAG_* */
	__u32 version;			/* stream version, with FLAG_VERSION */
	__u32 reserved1;		/* must be 0 */
	/* Out, on success (ignored on input): what the stream held. */
	__u64 stream_bytes;		/* bytes of stream written */
	__u64 data_bytes;		/* file data carried by WRITE commands */
	__u64 inodes;			/* inodes sent */
	__u64 commands;			/* commands in the stream */
	/* Out, on failure (ignored on input): */
	__u64 failed_ino;		/* the inode the error names, or 0 */
	/*
	 * Out, on success: how often the send moved its reads to a newer
	 * commit (after a block was freed and reused under it, as a balance
	 * does). Each move re-checks the sent snapshot, the parent and the
	 * clone sources.
	 */
	__u64 newer_commits;
	__u64 reserved[2];		/* must be 0 */
};

/*
 * Argument of BSEND_IOC_TREE_STATS: walks one tree of the committed on-disk
 * state with bsend's own reader and counts what it finds. A diagnostic and
 * a test of the reader against the mounted filesystem.
 *
 * subvol_fd, device_count and device_fds are checked as for BSEND_IOC_SEND
 * (same errnos). The filesystem is synced first, so the walk sees what was
 * committed before the call.
 */
struct bsend_ioctl_tree_stats_args {
	__s64 subvol_fd;		/* in: root dir of a subvolume */
	__u32 device_count;		/* in: entries in device_fds */
	__u32 missing_devices;		/* in: as in bsend_ioctl_send_args */
	__u64 device_fds;		/* in: user pointer to __s32[device_count] */
	__u64 tree_id;			/* in: tree to walk, 0 for the subvolume's */
	__u64 reserved[4];		/* in: must be 0 */
	/* Out: */
	__u64 walked_tree_id;		/* the tree walked */
	__u64 root_generation;		/* generation of its root block */
	__u32 root_level;		/* level of its root block */
	__u32 pad;
	__u64 blocks;			/* tree blocks visited */
	__u64 items;			/* leaf items */
	__u64 inodes;			/* INODE_ITEM items */
	__u64 peak_memory;		/* module allocation peak since the
					 * load, bytes */
};

#define BSEND_IOCTL_MAGIC 0xb5
#define BSEND_IOC_SEND _IOWR(BSEND_IOCTL_MAGIC, 1, struct bsend_ioctl_send_args)
#define BSEND_IOC_TREE_STATS \
	_IOWR(BSEND_IOCTL_MAGIC, 2, struct bsend_ioctl_tree_stats_args)

/*
 * Generic netlink family "bsend", in the initial network namespace only.
 *
 * Privilege: GET_INFO is open to every user (it tells nothing of any one
 * send). LIST, CANCEL and joining the "progress" group name sends, their
 * processes and subvolume paths, so they need CAP_NET_ADMIN and
 * CAP_SYS_ADMIN in the initial user namespace; without them the request
 * (or the NETLINK_ADD_MEMBERSHIP) fails with EPERM. CAP_NET_ADMIN is
 * checked first, CAP_SYS_ADMIN of LIST and CANCEL after their attributes.
 * (On a 6.1 kernel older than Debian's 6.1.176-1, joining the group needs
 * CAP_SYS_ADMIN only.)
 *
 * Every request is validated strictly. Errors, as NLMSG_ERROR:
 *   EOPNOTSUPP  an unknown command, an event command (PROGRESS, FINISHED),
 *               a dump (NLM_F_DUMP) of GET_INFO or CANCEL, or LIST without
 *               NLM_F_DUMP
 *   EINVAL      the genetlink header's reserved field is not zero, or the
 *               message is shorter than the genetlink header
 *   EINVAL      an attribute the command does not take (GET_INFO and LIST
 *               take none, CANCEL only SEND_ID), one above BSEND_ATTR_MAX
 *               or of type 0, an attribute of the wrong length or with
 *               NLA_F_NESTED, or bytes left over after the attributes
 *   EPERM       see above
 * and then the command's own errors below.
 */
#define BSEND_GENL_NAME "bsend"
#define BSEND_GENL_VERSION 1

/*
 * Multicast group of PROGRESS and FINISHED events. Each send in flight
 * sends at most one PROGRESS event every BSEND_PROGRESS_INTERVAL_MS, and
 * one FINISHED event when it ends. Joining it needs CAP_NET_ADMIN and
 * CAP_SYS_ADMIN (EPERM).
 */
#define BSEND_GENL_MCGRP_PROGRESS "progress"
#define BSEND_PROGRESS_INTERVAL_MS 250

enum bsend_genl_cmd {
	BSEND_CMD_UNSPEC,
	BSEND_CMD_GET_INFO,	/* reply: MODULE_VERSION, PROTO_*, SEND_FLAGS;
				 * no privilege needed; ALLOCATIONS and
				 * SEND_PEAK_MEMORY too for a caller with
				 * CAP_SYS_ADMIN */
	BSEND_CMD_LIST,		/* dump: one message per send in flight, its
				 * SEND_ID, PID, SUBVOL_ID, SUBVOL_PATH,
				 * PARENT_ID, BYTES, INODES, CURRENT_INO,
				 * LAST_INO, PHASE, START_TIME; needs
				 * CAP_SYS_ADMIN and CAP_NET_ADMIN (EPERM) */
	BSEND_CMD_CANCEL,	/* SEND_ID: ends that send with ECANCELED;
				 * needs CAP_SYS_ADMIN and CAP_NET_ADMIN
				 * (EPERM); ENOENT for an unknown id, EINVAL
				 * without SEND_ID */
	BSEND_CMD_PROGRESS,	/* event: the LIST attributes of one send,
				 * and EVENT_TIME */
	BSEND_CMD_FINISHED,	/* event: the same, with PHASE FINISHED and
				 * RESULT */
	__BSEND_CMD_MAX,
};
#define BSEND_CMD_MAX (__BSEND_CMD_MAX - 1)

enum bsend_genl_attr {
	BSEND_ATTR_UNSPEC,
	BSEND_ATTR_MODULE_VERSION,	/* string */
	BSEND_ATTR_PROTO_MIN,		/* u32: lowest stream version written */
	BSEND_ATTR_PROTO_MAX,		/* u32: highest stream version written */
	BSEND_ATTR_SEND_FLAGS,		/* u64: BSEND_SEND_FLAGS_HONOURED */
	BSEND_ATTR_ALLOCATIONS,		/* u64: module allocations outstanding */
	BSEND_ATTR_SEND_ID,		/* u64: a send in flight */
	BSEND_ATTR_PID,			/* u32: the process that runs it */
	BSEND_ATTR_SUBVOL_ID,		/* u64: the subvolume sent */
	BSEND_ATTR_PARENT_ID,		/* u64: its parent, 0 for a full send */
	BSEND_ATTR_BYTES,		/* u64: stream bytes written so far */
	BSEND_ATTR_INODES,		/* u64: inodes sent so far */
	BSEND_ATTR_PHASE,		/* u32: enum bsend_send_phase */
	BSEND_ATTR_START_TIME,		/* u64: when it started, ns since the epoch */
	BSEND_ATTR_CURRENT_INO,		/* u64: the inode being sent */
	BSEND_ATTR_LAST_INO,		/* u64: the highest inode number of the
					 * subvolume, 0 until known; inodes go
					 * in number order, so CURRENT_INO /
					 * LAST_INO is how far the send is */
	BSEND_ATTR_EVENT_TIME,		/* u64: when the event was made,
					 * CLOCK_MONOTONIC ns */
	BSEND_ATTR_RESULT,		/* s32: 0 or the negative errno the
					 * send ended with */
	BSEND_ATTR_SUBVOL_PATH,		/* string: the subvolume sent, as the
					 * sender's mount namespace shows it */
	BSEND_ATTR_SEND_PEAK_MEMORY,	/* u64: the peak of the bytes the
					 * module held allocated since the last
					 * send that started while no other was
					 * in flight; read after a send that ran
					 * alone, its peak memory */
	__BSEND_ATTR_MAX,
};
#define BSEND_ATTR_MAX (__BSEND_ATTR_MAX - 1)

/* Where a send is (BSEND_ATTR_PHASE). */
enum bsend_send_phase {
	BSEND_PHASE_STARTING,	/* syncing the filesystem, reading its trees */
	BSEND_PHASE_SENDING,	/* writing the stream */
	BSEND_PHASE_FINISHED,	/* ended: see BSEND_ATTR_RESULT */
};

#endif /* _UAPI_BSEND_H */
