/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sends in flight, for BSEND_CMD_LIST and BSEND_CMD_CANCEL. Each send
 * registers itself for its whole run; the engine reports progress into its
 * entry at every checkpoint, and sees a cancellation there.
 */
#ifndef BSEND_KERNEL_REGISTRY_H
#define BSEND_KERNEL_REGISTRY_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/wait.h>

/* The engine's struct bsend_host_send: one send in flight. */
struct bsend_host_send {
	struct list_head node;	/* in the registry, under its lock */
	u64 id;
	pid_t pid;
	u64 subvol;
	const char *subvol_path;	/* NULL when it could not be made */
	u64 parent;
	u64 start_time;		/* ns since the epoch */
	u32 phase;		/* enum bsend_send_phase */
	/* Progress, written by the send (WRITE_ONCE), read by LIST: */
	u64 bytes;		/* stream bytes written so far */
	u64 inodes;		/* inodes sent */
	u64 current_ino;	/* the inode being sent */
	u64 last_ino;		/* highest inode number, 0 until known */
	u64 last_event;		/* ktime_get_ns() of the last PROGRESS event */
	bool cancelled;
	/* Woken by CANCEL: a send waiting for room in its output waits
	 * here too (host_output.c). */
	wait_queue_head_t cancel_wait;
};

/* Fills in id, pid and start time and adds send to the registry. */
void bsend_registry_add(struct bsend_host_send *send);
/* Takes send out of the registry and publishes its FINISHED event with
 * result, 0 or the negative errno the send ended with. */
void bsend_registry_remove(struct bsend_host_send *send, int result);

/* Marks the send with this id cancelled and wakes it if it waits for its
 * output: 0, or -ENOENT. */
int bsend_registry_cancel(u64 id);

/*
 * Calls fill(send, arg) for the sends in flight from the index-th on, under
 * the registry's lock, until fill returns non-zero; returns the index of
 * the send fill stopped at, or the number of sends.
 */
unsigned long bsend_registry_walk(unsigned long index,
				  int (*fill)(const struct bsend_host_send *send,
					      void *arg),
				  void *arg);

#endif /* BSEND_KERNEL_REGISTRY_H */
