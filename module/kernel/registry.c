// SPDX-License-Identifier: GPL-2.0
/* The registry of sends in flight (registry.h). */
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "internal.h"
#include "registry.h"

static LIST_HEAD(sends);
static DEFINE_MUTEX(sends_lock);
static atomic64_t last_id = ATOMIC64_INIT(0);

void bsend_registry_add(struct bsend_host_send *send)
{
	send->id = atomic64_inc_return(&last_id);
	send->pid = task_tgid_nr(current);
	send->start_time = ktime_get_real_ns();
	init_waitqueue_head(&send->cancel_wait);
	mutex_lock(&sends_lock);
	/* The first send in flight starts the send peak (GET_INFO's
	 * SEND_PEAK_MEMORY) again, so that it measures this send and those
	 * that overlap it. */
	if (list_empty(&sends))
		bsend_alloc_restart_send_peak();
	list_add_tail(&send->node, &sends);
	mutex_unlock(&sends_lock);
}

void bsend_registry_remove(struct bsend_host_send *send, int result)
{
	mutex_lock(&sends_lock);
	list_del(&send->node);
	mutex_unlock(&sends_lock);
	WRITE_ONCE(send->phase, BSEND_PHASE_FINISHED);
	bsend_genl_publish(send, BSEND_CMD_FINISHED, ktime_get_ns(), result);
}

int bsend_registry_cancel(u64 id)
{
	struct bsend_host_send *send;
	int ret = -ENOENT;

	mutex_lock(&sends_lock);
	list_for_each_entry(send, &sends, node) {
		if (send->id == id) {
			WRITE_ONCE(send->cancelled, true);
			wake_up_all(&send->cancel_wait);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&sends_lock);
	return ret;
}

unsigned long bsend_registry_walk(unsigned long index,
				  int (*fill)(const struct bsend_host_send *send,
					      void *arg),
				  void *arg)
{
	struct bsend_host_send *send;
	unsigned long at = 0;

	mutex_lock(&sends_lock);
	list_for_each_entry(send, &sends, node) {
		if (at >= index && fill(send, arg))
			break;
		at++;
	}
	mutex_unlock(&sends_lock);
	return at;
}

/* Publishes a PROGRESS event if the last one is old enough. */
static void publish_progress(struct bsend_host_send *send)
{
	u64 now = ktime_get_ns();

	if (send->last_event &&
	    now - send->last_event < BSEND_PROGRESS_INTERVAL_MS * NSEC_PER_MSEC)
		return;
	send->last_event = now;
	bsend_genl_publish(send, BSEND_CMD_PROGRESS, now, 0);
}

int bsend_host_checkpoint(struct bsend_host_send *send,
			  const struct bsend_progress *progress)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (send) {
		if (READ_ONCE(send->cancelled))
			return -ECANCELED;
		WRITE_ONCE(send->inodes, progress->inodes);
		WRITE_ONCE(send->bytes, progress->stream_bytes);
		WRITE_ONCE(send->current_ino, progress->current_ino);
		WRITE_ONCE(send->last_ino, progress->last_ino);
		WRITE_ONCE(send->phase, BSEND_PHASE_SENDING);
		publish_progress(send);
	}
	cond_resched();
	return 0;
}
