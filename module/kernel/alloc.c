// SPDX-License-Identifier: GPL-2.0
/*
 * The counted allocator behind bsend_host_alloc(), used by the engine's
 * operator new and by the glue itself. Every block carries a small header
 * with its size, so that the module knows how many blocks and bytes are
 * outstanding and two peaks of the bytes outstanding: since the load, and
 * since the last send that started while no other was in flight (the
 * memory of one send, for the benchmarks). A non-zero count at unload is a
 * leak and is logged as an error.
 *
 * A block of a page or more starts BSEND_ALLOC_WIDE_OFFSET bytes into its
 * allocation, the header just before it, so that it is aligned as a bio's
 * buffer must be: the tree block buffers are read into directly
 * (bio_read.c). kvmalloc's allocations of that size are page aligned, or
 * aligned to their power-of-two size, so the offset costs no more memory
 * than the header did: both round the allocation up to the same size.
 */
#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "module/core/platform.h"
#include "internal.h"

/* Precedes every block; 16 bytes keep the caller's block 16-byte aligned. */
struct bsend_alloc_header {
	size_t size;		/* bytes asked for by the caller */
	u64 magic;		/* BSEND_ALLOC_MAGIC while the block is live */
};

#define BSEND_ALLOC_MAGIC 0xb5e4d0a110c8ed00ULL
/* The magic of a block placed BSEND_ALLOC_WIDE_OFFSET into its allocation. */
#define BSEND_ALLOC_MAGIC_WIDE 0xb5e4d0a110c8ed01ULL
#define BSEND_ALLOC_WIDE_OFFSET SECTOR_SIZE

static atomic_long_t outstanding_blocks = ATOMIC_LONG_INIT(0);
static atomic_long_t outstanding_bytes = ATOMIC_LONG_INIT(0);
static atomic_long_t peak_bytes = ATOMIC_LONG_INIT(0);
static atomic_long_t send_peak_bytes = ATOMIC_LONG_INIT(0);

/* Raises *peak to bytes if it is lower. */
static void raise_peak(atomic_long_t *peak, long bytes)
{
	long seen = atomic_long_read(peak);

	while (bytes > seen && !atomic_long_try_cmpxchg(peak, &seen, bytes))
		;
}

static void note_peak(long bytes)
{
	raise_peak(&peak_bytes, bytes);
	raise_peak(&send_peak_bytes, bytes);
}

void *bsend_host_alloc(size_t size)
{
	bool wide = size >= PAGE_SIZE;
	size_t offset = wide ? BSEND_ALLOC_WIDE_OFFSET :
			       sizeof(struct bsend_alloc_header);
	struct bsend_alloc_header *header;
	u8 *base;

	if (size > INT_MAX - offset)
		return NULL;
	base = kvmalloc(offset + size, GFP_KERNEL);
	if (!base)
		return NULL;
	header = (struct bsend_alloc_header *)(base + offset) - 1;
	header->size = size;
	header->magic = wide ? BSEND_ALLOC_MAGIC_WIDE : BSEND_ALLOC_MAGIC;
	atomic_long_inc(&outstanding_blocks);
	note_peak(atomic_long_add_return(size, &outstanding_bytes));
	return base + offset;
}

void bsend_host_free(void *ptr)
{
	struct bsend_alloc_header *header;
	size_t offset;

	if (!ptr)
		return;
	header = (struct bsend_alloc_header *)ptr - 1;
	if (header->magic == BSEND_ALLOC_MAGIC_WIDE) {
		offset = BSEND_ALLOC_WIDE_OFFSET;
	} else if (header->magic == BSEND_ALLOC_MAGIC) {
		offset = sizeof(*header);
	} else {
		pr_err("bsend: free of a block at %px that the counted allocator does not own\n",
		       ptr);
		return;
	}
	header->magic = 0;
	atomic_long_sub(header->size, &outstanding_bytes);
	atomic_long_dec(&outstanding_blocks);
	kvfree((u8 *)ptr - offset);
}

long bsend_alloc_outstanding(void)
{
	return atomic_long_read(&outstanding_blocks);
}

size_t bsend_alloc_bytes_peak(void)
{
	return atomic_long_read(&peak_bytes);
}

void bsend_alloc_restart_send_peak(void)
{
	/* An allocation between the two steps raises the peak again. */
	atomic_long_set(&send_peak_bytes, 0);
	raise_peak(&send_peak_bytes, atomic_long_read(&outstanding_bytes));
}

size_t bsend_alloc_send_peak(void)
{
	return atomic_long_read(&send_peak_bytes);
}
