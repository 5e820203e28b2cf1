// SPDX-License-Identifier: GPL-2.0
/* bsend_host_checksum(): the btrfs checksum algorithms from the crypto API. */
#include <crypto/hash.h>
#include <linux/err.h>

#include "module/core/platform.h"

static const char *const csum_driver[] = {
	[BSEND_CSUM_CRC32C] = "crc32c",
	[BSEND_CSUM_XXHASH64] = "xxhash64",
	[BSEND_CSUM_SHA256] = "sha256",
	[BSEND_CSUM_BLAKE2B] = "blake2b-256",
};

int bsend_host_checksum(enum bsend_csum_type type, const void *data,
			size_t len, uint8_t out[BSEND_CSUM_MAX])
{
	struct crypto_shash *tfm;
	int digest_size;
	int ret;

	if ((unsigned int)type >= ARRAY_SIZE(csum_driver))
		return -ENOENT;
	tfm = crypto_alloc_shash(csum_driver[type], 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	digest_size = crypto_shash_digestsize(tfm);
	if (digest_size > BSEND_CSUM_MAX) {
		ret = -EOVERFLOW;
		goto out;
	}
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_digest(desc, data, len, out);
		shash_desc_zero(desc);
	}
	if (!ret)
		ret = digest_size;
out:
	crypto_free_shash(tfm);
	return ret;
}
