/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The btrfs send stream format, as btrfs receive reads it. The kernel keeps
 * these definitions in fs/btrfs/send.h, which is not a uapi header, so
 * bsend states them here; the values are the stream's and never change.
 *
 * A stream is a struct bsend_stream_header, then commands. A command is a
 * struct bsend_cmd_header and then cmd_header.len bytes of attributes, each
 * a struct bsend_tlv_header and tlv_len bytes of value. All integers are
 * little-endian.
 */
#ifndef _UAPI_BSEND_STREAM_H
#define _UAPI_BSEND_STREAM_H

#include <linux/types.h>

#define BSEND_STREAM_MAGIC "btrfs-stream"

/* The first bytes of a stream. Not covered by any crc. */
struct bsend_stream_header {
	char magic[sizeof(BSEND_STREAM_MAGIC)];	/* "btrfs-stream", NUL-terminated */
	__le32 version;				/* 1, 2 or 3 */
} __attribute__((__packed__));

/*
 * Precedes every command. crc is the crc32c (seed 0, no final inversion,
 * as the kernel's crc32c(0, ...)) of the whole command, this header
 * included with crc set to 0, and the len bytes of attributes after it.
 */
struct bsend_cmd_header {
	__le32 len;	/* bytes of attributes after this header */
	__le16 cmd;	/* enum bsend_send_cmd */
	__le32 crc;
} __attribute__((__packed__));

/* Precedes every attribute value; tlv_len counts the value bytes only. */
struct bsend_tlv_header {
	__le16 tlv_type;	/* enum bsend_send_attr */
	__le16 tlv_len;
} __attribute__((__packed__));

/* A whole v1 command, header included, fits in this many bytes. */
#define BSEND_SEND_BUF_SIZE_V1 (64 * 1024)
/* The most file data one v1 WRITE command carries. */
#define BSEND_SEND_READ_SIZE (48 * 1024)
/*
 * The same for v2 and later: 16 KiB for the command's other attributes and
 * 128 KiB (BTRFS_MAX_COMPRESSED) of data. Since v2 the DATA attribute has
 * no tlv_len: it is the command's last attribute and runs to its end, so
 * a command may exceed 64 KiB.
 */
#define BSEND_SEND_BUF_SIZE_V2 (144 * 1024)
#define BSEND_SEND_READ_SIZE_V2 (128 * 1024)

enum bsend_send_cmd {
	BSEND_SEND_C_UNSPEC = 0,
	/* Version 1 */
	BSEND_SEND_C_SUBVOL = 1,
	BSEND_SEND_C_SNAPSHOT = 2,
	BSEND_SEND_C_MKFILE = 3,
	BSEND_SEND_C_MKDIR = 4,
	BSEND_SEND_C_MKNOD = 5,
	BSEND_SEND_C_MKFIFO = 6,
	BSEND_SEND_C_MKSOCK = 7,
	BSEND_SEND_C_SYMLINK = 8,
	BSEND_SEND_C_RENAME = 9,
	BSEND_SEND_C_LINK = 10,
	BSEND_SEND_C_UNLINK = 11,
	BSEND_SEND_C_RMDIR = 12,
	BSEND_SEND_C_SET_XATTR = 13,
	BSEND_SEND_C_REMOVE_XATTR = 14,
	BSEND_SEND_C_WRITE = 15,
	BSEND_SEND_C_CLONE = 16,
	BSEND_SEND_C_TRUNCATE = 17,
	BSEND_SEND_C_CHMOD = 18,
	BSEND_SEND_C_CHOWN = 19,
	BSEND_SEND_C_UTIMES = 20,
	BSEND_SEND_C_END = 21,
	BSEND_SEND_C_UPDATE_EXTENT = 22,
	BSEND_SEND_C_MAX_V1 = 22,
	/* Version 2 */
	BSEND_SEND_C_FALLOCATE = 23,
	BSEND_SEND_C_FILEATTR = 24,
	BSEND_SEND_C_ENCODED_WRITE = 25,
	BSEND_SEND_C_MAX_V2 = 25,
	/* Version 3 */
	BSEND_SEND_C_ENABLE_VERITY = 26,
	BSEND_SEND_C_MAX_V3 = 26,
};

enum bsend_send_attr {
	BSEND_SEND_A_UNSPEC = 0,
	/* Version 1 */
	BSEND_SEND_A_UUID = 1,		/* 16 bytes */
	BSEND_SEND_A_CTRANSID = 2,	/* u64 */
	BSEND_SEND_A_INO = 3,		/* u64 */
	BSEND_SEND_A_SIZE = 4,		/* u64 */
	BSEND_SEND_A_MODE = 5,		/* u64 */
	BSEND_SEND_A_UID = 6,		/* u64 */
	BSEND_SEND_A_GID = 7,		/* u64 */
	BSEND_SEND_A_RDEV = 8,		/* u64 */
	BSEND_SEND_A_CTIME = 9,		/* struct btrfs_timespec */
	BSEND_SEND_A_MTIME = 10,	/* struct btrfs_timespec */
	BSEND_SEND_A_ATIME = 11,	/* struct btrfs_timespec */
	BSEND_SEND_A_OTIME = 12,	/* struct btrfs_timespec */
	BSEND_SEND_A_XATTR_NAME = 13,	/* bytes, no NUL */
	BSEND_SEND_A_XATTR_DATA = 14,	/* bytes */
	BSEND_SEND_A_PATH = 15,		/* bytes, no NUL */
	BSEND_SEND_A_PATH_TO = 16,	/* bytes, no NUL */
	BSEND_SEND_A_PATH_LINK = 17,	/* bytes, no NUL */
	BSEND_SEND_A_FILE_OFFSET = 18,	/* u64 */
	BSEND_SEND_A_DATA = 19,		/* bytes; in v2+ the last attribute, with no tlv_len */
	BSEND_SEND_A_CLONE_UUID = 20,	/* 16 bytes */
	BSEND_SEND_A_CLONE_CTRANSID = 21, /* u64 */
	BSEND_SEND_A_CLONE_PATH = 22,	/* bytes, no NUL */
	BSEND_SEND_A_CLONE_OFFSET = 23,	/* u64 */
	BSEND_SEND_A_CLONE_LEN = 24,	/* u64 */
	BSEND_SEND_A_MAX_V1 = 24,
	/* Version 2 */
	BSEND_SEND_A_FALLOCATE_MODE = 25,	/* u32 */
	BSEND_SEND_A_FILEATTR = 26,		/* u64 */
	BSEND_SEND_A_UNENCODED_FILE_LEN = 27,	/* u64 */
	BSEND_SEND_A_UNENCODED_LEN = 28,	/* u64 */
	BSEND_SEND_A_UNENCODED_OFFSET = 29,	/* u64 */
	BSEND_SEND_A_COMPRESSION = 30,		/* u32 */
	BSEND_SEND_A_ENCRYPTION = 31,		/* u32 */
	BSEND_SEND_A_MAX_V2 = 31,
	/* Version 3 */
	BSEND_SEND_A_VERITY_ALGORITHM = 32,	/* u8 */
	BSEND_SEND_A_VERITY_BLOCK_SIZE = 33,	/* u32 */
	BSEND_SEND_A_VERITY_SALT_DATA = 34,	/* bytes */
	BSEND_SEND_A_VERITY_SIG_DATA = 35,	/* bytes */
	BSEND_SEND_A_MAX_V3 = 35,
};

/*
 * BSEND_SEND_A_FALLOCATE_MODE holds fallocate(2) mode bits, which the
 * receiver passes on. The engine sees no linux/falloc.h, so the two that a
 * hole punch uses are stated here (a unit test checks them against it).
 */
#define BSEND_SEND_FALLOCATE_KEEP_SIZE 0x01	/* FALLOC_FL_KEEP_SIZE */
#define BSEND_SEND_FALLOCATE_PUNCH_HOLE 0x02	/* FALLOC_FL_PUNCH_HOLE */

#endif /* _UAPI_BSEND_STREAM_H */
