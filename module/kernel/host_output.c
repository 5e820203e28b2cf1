// SPDX-License-Identifier: GPL-2.0
/*
 * The stream's way out: writes to the send fd.
 *
 * A write to a pipe or a socket whose reader has stopped reading would
 * sleep in the pipe or socket code, where CANCEL cannot reach it. So such a
 * write never waits there: to a pipe, bsend writes at most the room the
 * pipe has (single writer: the room only grows until bsend writes), and to
 * a socket it writes with IOCB_NOWAIT. When there is no room, the send
 * waits for it in wait_writable(), on the output's poll wait queues and on
 * the send's own cancel queue, so CANCEL ends the wait at once. Other
 * outputs (regular files, character devices) never wait for a reader and
 * are written with kernel_write.
 *
 * A signal interrupts a wait or a write (-ERESTARTSYS). A fatal one ends
 * the send with -EINTR. Any other is left pending and the write is retried
 * after a short sleep: the ioctl cannot return to deliver it without
 * losing the stream's position, and a SIGSTOP/SIGCONT of the sender must
 * not corrupt the stream (the open TODO of the first send patch,
 * btrfs-progs#719).
 */
#include <linux/fs.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "module/core/platform.h"
#include "host.h"
#include "registry.h"

/* A pipe names two wait queues in its poll (readers' and writers'), a
 * socket one; the cancel queue is the last. */
#define OUTPUT_WAIT_QUEUES 4

struct output_wait;

struct output_wait_entry {
	wait_queue_entry_t entry;
	wait_queue_head_t *head;
	struct output_wait *wait;
};

struct output_wait {
	poll_table table;
	struct task_struct *task;
	bool woken;
	unsigned int count;
	struct output_wait_entry entries[OUTPUT_WAIT_QUEUES + 1];
};

static int output_wake(wait_queue_entry_t *entry, unsigned int mode, int sync,
		       void *key)
{
	struct output_wait_entry *queued =
		container_of(entry, struct output_wait_entry, entry);

	smp_store_release(&queued->wait->woken, true);
	return wake_up_process(queued->wait->task);
}

static void output_wait_add(struct output_wait *wait, wait_queue_head_t *head)
{
	struct output_wait_entry *queued;

	if (wait->count == ARRAY_SIZE(wait->entries))
		return;	/* the timeout of wait_writable() covers it */
	queued = &wait->entries[wait->count++];
	init_waitqueue_func_entry(&queued->entry, output_wake);
	queued->head = head;
	queued->wait = wait;
	add_wait_queue(head, &queued->entry);
}

static void output_poll_queue(struct file *file, wait_queue_head_t *head,
			      poll_table *table)
{
	output_wait_add(container_of(table, struct output_wait, table), head);
}

static bool must_stop(const struct bsend_host_out *out)
{
	return signal_pending(current) ||
	       (out->send && READ_ONCE(out->send->cancelled));
}

/* Sleeps until the output can take bytes, a signal comes, or the send is
 * cancelled; the caller tells which. */
static void wait_writable(struct bsend_host_out *out)
{
	struct output_wait wait = { .task = current };
	__poll_t mask;
	unsigned int i;

	init_poll_funcptr(&wait.table, output_poll_queue);
	if (out->send)
		output_wait_add(&wait, &out->send->cancel_wait);
	mask = vfs_poll(out->file, &wait.table);
	while (!(mask & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !must_stop(out)) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!smp_load_acquire(&wait.woken) && !must_stop(out))
			schedule_timeout(HZ);
		__set_current_state(TASK_RUNNING);
		WRITE_ONCE(wait.woken, false);
		mask = vfs_poll(out->file, NULL);
	}
	for (i = 0; i < wait.count; i++)
		remove_wait_queue(wait.entries[i].head, &wait.entries[i].entry);
}

/* The bytes a pipe takes now without sleeping: a page for each free slot.
 * A pipe whose readers are gone takes everything: pipe_write fails it with
 * EPIPE at once, and waiting for room there would never end. */
static size_t pipe_room(const struct file *file, size_t len)
{
	const struct pipe_inode_info *pipe = file_inode(file)->i_pipe;
	unsigned int used = pipe_occupancy(READ_ONCE(pipe->head),
					   READ_ONCE(pipe->tail));
	unsigned int slots = READ_ONCE(pipe->max_usage);

	if (!READ_ONCE(pipe->readers))
		return len;
	return used < slots ? min(len, (size_t)(slots - used) * PAGE_SIZE) : 0;
}

/* One write that does not sleep for a reader: its bytes, or -EAGAIN when
 * the output has no room now. */
static ssize_t write_without_waiting(struct bsend_host_out *out,
				     const void *buf, size_t len)
{
	struct inode *inode = file_inode(out->file);
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	if (S_ISFIFO(inode->i_mode) && inode->i_pipe) {
		size_t room = pipe_room(out->file, len);

		if (!room)
			return -EAGAIN;
		return kernel_write(out->file, buf, room, &out->pos);
	}
	if (!S_ISSOCK(inode->i_mode))
		return kernel_write(out->file, buf, len, &out->pos);
	init_sync_kiocb(&kiocb, out->file);
	kiocb.ki_flags |= IOCB_NOWAIT;
	kiocb.ki_pos = out->pos;
	iov_iter_kvec(&iter, ITER_SOURCE, &vec, 1, len);
	ret = vfs_iocb_iter_write(out->file, &kiocb, &iter);
	if (ret > 0)
		out->pos = kiocb.ki_pos;
	return ret;
}

void bsend_host_out_begin(struct bsend_host_out *out)
{
	if (!out->file)
		return;
	if (out->file->f_mode & FMODE_ATOMIC_POS) {
		mutex_lock(&out->file->f_pos_lock);
		out->pos_locked = true;
	}
	out->pos = out->file->f_pos;
}

void bsend_host_out_end(struct bsend_host_out *out)
{
	if (!out->file)
		return;
	if (!(out->file->f_mode & FMODE_STREAM))
		out->file->f_pos = out->pos;
	if (out->pos_locked)
		mutex_unlock(&out->file->f_pos_lock);
	out->pos_locked = false;
}

int bsend_host_write(struct bsend_host_out *out, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = write_without_waiting(out, (const u8 *)buf + done,
						    len - done);

		if (ret > 0) {
			done += ret;
			continue;
		}
		if (ret == -EAGAIN) {
			wait_writable(out);
			cond_resched();
		}
		if (ret == -ERESTARTSYS || ret == -EINTR || ret == -EAGAIN) {
			if (fatal_signal_pending(current))
				return -EINTR;
			if (out->send && READ_ONCE(out->send->cancelled))
				return -ECANCELED;
			if (signal_pending(current))
				schedule_timeout_uninterruptible(1);
			continue;
		}
		return ret ? ret : -EIO;
	}
	return 0;
}
