// SPDX-License-Identifier: GPL-2.0
/* The registry of sends in flight (registry.h). */
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "module/core/platform.h"
#include "uapi/bsend.h"
#include "registry.h"

static LIST_HEAD(sends);
static DEFINE_MUTEX(sends_lock);
static atomic64_t last_id = ATOMIC64_INIT(0);

void bsend_registry_add(struct bsend_host_send *send)
{
	send->id = atomic64_inc_return(&last_id);
	send->pid = task_pid_nr(current);
	send->start_time = ktime_get_real_ns();
	mutex_lock(&sends_lock);
	list_add_tail(&send->node, &sends);
	mutex_unlock(&sends_lock);
}

void bsend_registry_remove(struct bsend_host_send *send)
{
	mutex_lock(&sends_lock);
	list_del(&send->node);
	mutex_unlock(&sends_lock);
}

int bsend_registry_cancel(u64 id)
{
	struct bsend_host_send *send;
	int ret = -ENOENT;

	mutex_lock(&sends_lock);
	list_for_each_entry(send, &sends, node) {
		if (send->id == id) {
			WRITE_ONCE(send->cancelled, true);
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

int bsend_host_checkpoint(struct bsend_host_send *send, uint64_t inodes,
			  uint64_t stream_bytes)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (send) {
		if (READ_ONCE(send->cancelled))
			return -ECANCELED;
		WRITE_ONCE(send->inodes, inodes);
		WRITE_ONCE(send->bytes, stream_bytes);
		WRITE_ONCE(send->phase, BSEND_PHASE_SENDING);
	}
	cond_resched();
	return 0;
}
