/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the files of bsend's kernel glue. */
#ifndef BSEND_KERNEL_INTERNAL_H
#define BSEND_KERNEL_INTERNAL_H

#include <linux/types.h>

struct block_device;
struct super_block;
struct bsend_host_send;
struct bsend_ioctl_send_args;
struct bsend_ioctl_tree_stats_args;

/* alloc.c: the counted allocator behind bsend_host_alloc(). */
long bsend_alloc_outstanding(void);
/* The peak of the bytes outstanding since the module was loaded. */
size_t bsend_alloc_bytes_peak(void);
/* Starts the send peak again from the bytes outstanding now: called when a
 * send starts while no other is in flight. */
void bsend_alloc_restart_send_peak(void);
/* The peak of the bytes outstanding since the last such restart. */
size_t bsend_alloc_send_peak(void);

/* The memory each send may hold, in bytes: the module parameter
 * send_memory_budget_mib (main.c). */
u64 bsend_send_memory_budget(void);

/* checksum.c: allocates the crc32c transform (which the stream needs) and
 * frees every transform at exit. */
int bsend_checksum_init(void);
void bsend_checksum_exit(void);

/* misc_device.c */
int bsend_misc_register(void);
void bsend_misc_unregister(void);

/* genl.c */
int bsend_genl_register(void);
void bsend_genl_unregister(void);
/* Multicasts event cmd (BSEND_CMD_PROGRESS or BSEND_CMD_FINISHED, whose
 * result is 0 or a negative errno) about send to the "progress" group, if
 * anyone listens, stamped event_time (ktime_get_ns()). Best effort: an
 * event that cannot be made is dropped. */
void bsend_genl_publish(const struct bsend_host_send *send, u8 cmd,
			u64 event_time, int result);

/* send_ioctl.c */
long bsend_ioctl_send(struct bsend_ioctl_send_args __user *uargs);

/* tree_stats_ioctl.c */
long bsend_ioctl_tree_stats(struct bsend_ioctl_tree_stats_args __user *uargs);

/* fs_devices.c: whether the mounted btrfs of sb has bdev open (not a copy
 * of one of its devices, not a device of another btrfs). */
bool bsend_bdev_of_fs(struct block_device *bdev, struct super_block *sb);

/* bio_read.c: reads len bytes at byte offset pos of bdev, bypassing the
 * block device's page cache. */
int bsend_read_device(struct block_device *bdev, u64 pos, void *buf,
		      size_t len);

struct bsend_read_request;

struct bsend_read_batch;

/* bio_read.c: starts reading every request of reqs[0, count) from the block
 * device device_of(ctx, devid) gives for it (NULL: no such device,
 * -ENODEV), all the bios submitted under one plug, and returns without
 * waiting. A request that is settled at once has its result set now; the
 * others get theirs in bsend_read_devices_finish(), which waits for them
 * and frees the batch. NULL (every result -ENOMEM) when out of memory. */
struct bsend_read_batch *
bsend_read_devices_start(struct block_device *(*device_of)(void *ctx, u64 devid),
			 void *ctx, struct bsend_read_request *reqs,
			 size_t count);
void bsend_read_devices_finish(struct bsend_read_batch *batch);

#endif /* BSEND_KERNEL_INTERNAL_H */
