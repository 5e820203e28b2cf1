// SPDX-License-Identifier: GPL-2.0
/*
 * Reads from a block device with bios. btrfs does not keep the block
 * device's page cache coherent with its own metadata writes, so bsend
 * never reads metadata through it.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/overflow.h>
#include <linux/mm.h>

#include "module/core/platform.h"
#include "internal.h"

/* Pages read by one bio: a 64 KiB tree block, the largest nodesize. */
#define BSEND_READ_PAGES 16


/* One bio's pages, and where their bytes go once it has completed. */
struct bsend_bio_read {
	struct page *pages[BSEND_READ_PAGES];
	unsigned int count;	/* pages allocated */
	u8 *buf;
	size_t len;
	bool direct;		/* the bio reads into buf itself, not pages */
	bool submitted;		/* its bio is in flight or has completed */
	blk_status_t status;	/* set at completion */
	struct bsend_read_batch *batch;
};

/*
 * A batch of reads in flight (platform.h: bsend_host_read_start()), counted
 * down by their completions, and freed by bsend_read_devices_finish().
 */
struct bsend_read_batch {
	atomic_t pending;	/* bios in flight, plus one for the submitter */
	struct completion done;	/* completed when pending reaches zero */
	struct bsend_read_request *reqs;
	size_t count;
	struct bsend_bio_read reads[];	/* one per request */
};

/*
 * Whether a bio can read into buf itself: memory with a linear mapping
 * (not vmalloc, not a stack), aligned as the device's DMA needs. The
 * engine's tree block buffers are (bsend_host_alloc_pages() in alloc.c);
 * other buffers go through pages of their own.
 */
static bool can_read_into(struct block_device *bdev, const void *buf,
			  size_t len)
{
	unsigned long mask = queue_dma_alignment(bdev_get_queue(bdev)) |
			     (SECTOR_SIZE - 1);

	return !is_vmalloc_addr(buf) && virt_addr_valid(buf) &&
	       !((unsigned long)buf & mask) && !(len & (SECTOR_SIZE - 1));
}

/* One read bio of read->len bytes into read->buf itself. */
static struct bio *build_direct_read_bio(struct block_device *bdev, u64 pos,
					 struct bsend_bio_read *read)
{
	unsigned int segments =
		DIV_ROUND_UP(offset_in_page(read->buf) + read->len, PAGE_SIZE);
	struct bio *bio;
	size_t done = 0;

	bio = bio_alloc(bdev, segments, REQ_OP_READ | REQ_META | REQ_SYNC,
			GFP_KERNEL);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	while (done < read->len) {
		u8 *at = read->buf + done;
		size_t bytes = min_t(size_t, read->len - done,
				     PAGE_SIZE - offset_in_page(at));

		if (bio_add_page(bio, virt_to_page(at), bytes,
				 offset_in_page(at)) != bytes) {
			bio_put(bio);
			return ERR_PTR(-EIO);
		}
		done += bytes;
	}
	read->direct = true;
	return bio;
}

/*
 * Builds one read bio of read->len bytes (at most BSEND_READ_PAGES pages)
 * at pos of bdev: into read->buf itself when it can be, else over newly
 * allocated pages recorded in read, which copy_pages() copies from. On
 * failure returns an ERR_PTR; the pages allocated so far stay in read for
 * free_read_pages().
 */
static struct bio *build_read_bio(struct block_device *bdev, u64 pos,
				  struct bsend_bio_read *read)
{
	unsigned int count = DIV_ROUND_UP(read->len, PAGE_SIZE);
	struct bio *bio;
	unsigned int i;

	read->count = 0;
	read->direct = false;
	if (can_read_into(bdev, read->buf, read->len))
		return build_direct_read_bio(bdev, pos, read);
	bio = bio_alloc(bdev, count, REQ_OP_READ | REQ_META | REQ_SYNC,
			GFP_KERNEL);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	for (i = 0; i < count; i++) {
		size_t bytes = min_t(size_t, read->len - i * PAGE_SIZE,
				     PAGE_SIZE);

		read->pages[i] = alloc_page(GFP_KERNEL);
		if (!read->pages[i]) {
			bio_put(bio);
			return ERR_PTR(-ENOMEM);
		}
		read->count++;
		if (bio_add_page(bio, read->pages[i], bytes, 0) != bytes) {
			bio_put(bio);
			return ERR_PTR(-EIO);
		}
	}
	return bio;
}

/* Copies the pages of a completed read to its buffer (none when direct). */
static void copy_pages(const struct bsend_bio_read *read)
{
	unsigned int i;

	for (i = 0; i < read->count; i++)
		memcpy(read->buf + i * PAGE_SIZE, page_address(read->pages[i]),
		       min_t(size_t, read->len - i * PAGE_SIZE, PAGE_SIZE));
}

static void free_read_pages(struct bsend_bio_read *read)
{
	unsigned int i;

	for (i = 0; i < read->count; i++)
		__free_page(read->pages[i]);
	read->count = 0;
}

/* Reads up to BSEND_READ_PAGES pages at pos into buf with one bio. */
static int read_chunk(struct block_device *bdev, u64 pos, u8 *buf,
		      size_t len)
{
	struct bsend_bio_read read = { .buf = buf, .len = len };
	struct bio *bio;
	int ret;

	bio = build_read_bio(bdev, pos, &read);
	if (IS_ERR(bio)) {
		ret = PTR_ERR(bio);
		goto out;
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	if (!ret)
		copy_pages(&read);
out:
	free_read_pages(&read);
	return ret;
}

int bsend_read_device(struct block_device *bdev, u64 pos, void *buf,
		      size_t len)
{
	const size_t chunk_max = BSEND_READ_PAGES * PAGE_SIZE;
	size_t done = 0;

	if (!IS_ALIGNED(pos, SECTOR_SIZE) || !IS_ALIGNED(len, SECTOR_SIZE))
		return -EINVAL;
	while (done < len) {
		size_t chunk = min_t(size_t, len - done, chunk_max);
		int ret = read_chunk(bdev, pos + done, (u8 *)buf + done, chunk);

		if (ret)
			return ret;
		done += chunk;
		cond_resched();
	}
	return 0;
}

static void batch_put(struct bsend_read_batch *batch)
{
	if (atomic_dec_and_test(&batch->pending))
		complete(&batch->done);
}

static void batch_read_end_io(struct bio *bio)
{
	struct bsend_bio_read *read = bio->bi_private;

	read->status = bio->bi_status;
	bio_put(bio);
	batch_put(read->batch);
}

/*
 * Submits one request of a batch, or settles it at once: a missing device,
 * a misaligned or empty request, or one larger than a bio's pages is read
 * (or refused) here, synchronously.
 */
static void submit_batch_read(struct block_device *bdev,
			      struct bsend_read_request *req,
			      struct bsend_bio_read *read,
			      struct bsend_read_batch *batch)
{
	struct bio *bio;

	read->buf = req->buf;
	read->len = req->len;
	read->count = 0;
	read->status = BLK_STS_OK;
	read->batch = batch;
	read->submitted = false;
	req->result = 0;
	if (!bdev) {
		req->result = -ENODEV;
		return;
	}
	if (!req->len || req->len > BSEND_READ_PAGES * PAGE_SIZE ||
	    !IS_ALIGNED(req->physical, SECTOR_SIZE) ||
	    !IS_ALIGNED(req->len, SECTOR_SIZE)) {
		req->result = bsend_read_device(bdev, req->physical, req->buf,
						req->len);
		return;
	}
	bio = build_read_bio(bdev, req->physical, read);
	if (IS_ERR(bio)) {
		req->result = PTR_ERR(bio);
		free_read_pages(read);
		return;
	}
	bio->bi_private = read;
	bio->bi_end_io = batch_read_end_io;
	read->submitted = true;
	atomic_inc(&batch->pending);
	submit_bio(bio);
}

struct bsend_read_batch *
bsend_read_devices_start(struct block_device *(*device_of)(void *ctx, u64 devid),
			 void *ctx, struct bsend_read_request *reqs,
			 size_t count)
{
	struct bsend_read_batch *batch;
	struct blk_plug plug;
	size_t i;

	batch = bsend_host_alloc(struct_size(batch, reads, count));
	if (!batch) {
		for (i = 0; i < count; i++)
			reqs[i].result = -ENOMEM;
		return NULL;
	}
	atomic_set(&batch->pending, 1);
	init_completion(&batch->done);
	batch->reqs = reqs;
	batch->count = count;
	blk_start_plug(&plug);
	for (i = 0; i < count; i++)
		submit_batch_read(device_of(ctx, reqs[i].devid), &reqs[i],
				  &batch->reads[i], batch);
	blk_finish_plug(&plug);
	/* The submitter's count: the batch completes with its last bio. */
	batch_put(batch);
	return batch;
}

void bsend_read_devices_finish(struct bsend_read_batch *batch)
{
	size_t i;

	if (!batch)
		return;
	wait_for_completion_io(&batch->done);
	for (i = 0; i < batch->count; i++) {
		struct bsend_bio_read *read = &batch->reads[i];
		struct bsend_read_request *req = &batch->reqs[i];

		if (!read->submitted)
			continue;
		req->result = blk_status_to_errno(read->status);
		if (!req->result)
			copy_pages(read);
		free_read_pages(read);
	}
	bsend_host_free(batch);
}
