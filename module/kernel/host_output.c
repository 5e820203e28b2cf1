// SPDX-License-Identifier: GPL-2.0
/*
 * The stream's way out: kernel_write to the send fd.
 *
 * A signal interrupts a write to a full pipe (-ERESTARTSYS). A fatal one
 * ends the send with -EINTR. Any other is left pending and the write is
 * retried after a short sleep: the ioctl cannot return to deliver it
 * without losing the stream's position, and a SIGSTOP/SIGCONT of the sender
 * must not corrupt the stream (the open TODO of the first send patch,
 * btrfs-progs#719).
 */
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "module/core/platform.h"
#include "host.h"
#include "registry.h"

int bsend_host_write(struct bsend_host_out *out, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = kernel_write(out->file, (const u8 *)buf + done,
					   len - done, &out->pos);

		if (ret > 0) {
			done += ret;
			continue;
		}
		if (ret == -ERESTARTSYS || ret == -EINTR || ret == -EAGAIN) {
			if (fatal_signal_pending(current))
				return -EINTR;
			if (out->send && READ_ONCE(out->send->cancelled))
				return -ECANCELED;
			schedule_timeout_uninterruptible(1);
			continue;
		}
		return ret ? ret : -EIO;
	}
	return 0;
}
