// SPDX-License-Identifier: GPL-2.0
/*
 * Reads from a block device with bios. btrfs does not keep the block
 * device's page cache coherent with its own metadata writes, so bsend
 * never reads metadata through it.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>

#include "internal.h"

/* Pages read by one bio: a 64 KiB tree block, the largest nodesize. */
#define BSEND_READ_PAGES 16

/* Reads up to BSEND_READ_PAGES pages at pos into buf with one bio. */
static int read_chunk(struct block_device *bdev, u64 pos, u8 *buf,
		      size_t len)
{
	struct page *pages[BSEND_READ_PAGES] = {};
	unsigned int count = DIV_ROUND_UP(len, PAGE_SIZE);
	struct bio *bio;
	unsigned int i;
	int ret = 0;

	bio = bio_alloc(bdev, count, REQ_OP_READ | REQ_META | REQ_SYNC,
			GFP_KERNEL);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	for (i = 0; i < count; i++) {
		size_t bytes = min_t(size_t, len - i * PAGE_SIZE, PAGE_SIZE);

		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto out;
		}
		if (bio_add_page(bio, pages[i], bytes, 0) != bytes) {
			ret = -EIO;
			goto out;
		}
	}
	ret = submit_bio_wait(bio);
	for (i = 0; !ret && i < count; i++)
		memcpy(buf + i * PAGE_SIZE, page_address(pages[i]),
		       min_t(size_t, len - i * PAGE_SIZE, PAGE_SIZE));
out:
	bio_put(bio);
	for (i = 0; i < count; i++)
		if (pages[i])
			__free_page(pages[i]);
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
