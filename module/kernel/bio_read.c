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

int bsend_read_device(struct block_device *bdev, u64 pos, void *buf,
		      size_t len)
{
	struct page *page;
	size_t done = 0;
	int ret = 0;

	if (!IS_ALIGNED(pos, SECTOR_SIZE) || !IS_ALIGNED(len, SECTOR_SIZE))
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	while (done < len) {
		size_t chunk = min_t(size_t, len - done, PAGE_SIZE);
		struct bio *bio;

		bio = bio_alloc(bdev, 1, REQ_OP_READ | REQ_META | REQ_SYNC,
				GFP_KERNEL);
		bio->bi_iter.bi_sector = (pos + done) >> SECTOR_SHIFT;
		if (bio_add_page(bio, page, chunk, 0) != chunk) {
			bio_put(bio);
			ret = -EIO;
			break;
		}
		ret = submit_bio_wait(bio);
		bio_put(bio);
		if (ret)
			break;
		memcpy((u8 *)buf + done, page_address(page), chunk);
		done += chunk;
	}
	__free_page(page);
	return ret;
}
