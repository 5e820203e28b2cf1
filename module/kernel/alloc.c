// SPDX-License-Identifier: GPL-2.0
/*
 * The counted allocator behind bsend_host_alloc(), used by the engine's
 * operator new and by the glue itself. Every block carries a small header
 * with its size, so that the module knows how many blocks and bytes are
 * outstanding and two peaks of the bytes outstanding: since the load, and
 * since the last send that started while no other was in flight (the
 * memory of one send, for the benchmarks). A non-zero count at unload is a
 * leak and is logged as an error. Every block is charged to the memory
 * cgroup of the task that asks for it (GFP_KERNEL_ACCOUNT): a send's
 * memory counts against the limits of whoever runs it.
 *
 * Buffers that the devices read into come from bsend_host_alloc_pages()
 * instead: whole pages with no header, whose size the caller gives back.
 * A header would push a 16 KiB tree block into a 32 KiB allocation
 * (kmalloc rounds allocations of more than two pages up to a power of two).
 */
#include <linux/atomic.h>
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

static void count_allocation(size_t size)
{
	atomic_long_inc(&outstanding_blocks);
	note_peak(atomic_long_add_return(size, &outstanding_bytes));
}

static void count_free(size_t size)
{
	atomic_long_sub(size, &outstanding_bytes);
	atomic_long_dec(&outstanding_blocks);
}

void *bsend_host_alloc(size_t size)
{
	struct bsend_alloc_header *header;

	if (size > INT_MAX - sizeof(*header))
		return NULL;
	header = kvmalloc(sizeof(*header) + size, GFP_KERNEL_ACCOUNT);
	if (!header)
		return NULL;
	header->size = size;
	header->magic = BSEND_ALLOC_MAGIC;
	count_allocation(size);
	return header + 1;
}

void bsend_host_free(void *ptr)
{
	struct bsend_alloc_header *header;

	if (!ptr)
		return;
	header = (struct bsend_alloc_header *)ptr - 1;
	if (header->magic != BSEND_ALLOC_MAGIC) {
		pr_err("bsend: free of a block at %px that the counted allocator does not own\n",
		       ptr);
		return;
	}
	header->magic = 0;
	count_free(header->size);
	kvfree(header);
}

void *bsend_host_alloc_pages(size_t size)
{
	size_t pages_size;
	void *pages;

	if (!size || size > INT_MAX - PAGE_SIZE)
		return NULL;
	pages_size = PAGE_ALIGN(size);
	/*
	 * kmalloc aligns a power-of-two size to itself, and takes whole pages
	 * for more than two pages; kvmalloc falls back to vmalloc when they
	 * are not to be had, and bio_read.c reads those through bio pages.
	 */
	pages = kvmalloc(pages_size, GFP_KERNEL_ACCOUNT);
	if (!pages)
		return NULL;
	count_allocation(pages_size);
	return pages;
}

void bsend_host_free_pages(void *ptr, size_t size)
{
	if (!ptr)
		return;
	count_free(PAGE_ALIGN(size));
	kvfree(ptr);
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
