// SPDX-License-Identifier: GPL-2.0
/*
 * The checksums the engine asks for, from the crypto API: the btrfs
 * checksum algorithms (bsend_host_checksum) and the send stream's crc32c
 * (bsend_host_stream_crc32c). A transform is allocated the first time an
 * algorithm is used and kept until the module unloads; transforms are
 * shared, each call has its own descriptor.
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include "module/core/platform.h"
#include "internal.h"

static const char *const csum_driver[] = {
	[BSEND_CSUM_CRC32C] = "crc32c",
	[BSEND_CSUM_XXHASH64] = "xxhash64",
	[BSEND_CSUM_SHA256] = "sha256",
	[BSEND_CSUM_BLAKE2B] = "blake2b-256",
};

static struct crypto_shash *csum_tfm[ARRAY_SIZE(csum_driver)];
static DEFINE_MUTEX(csum_tfm_lock);

static struct crypto_shash *get_tfm(unsigned int type)
{
	struct crypto_shash *tfm = READ_ONCE(csum_tfm[type]);

	if (tfm)
		return tfm;
	mutex_lock(&csum_tfm_lock);
	tfm = csum_tfm[type];
	if (!tfm) {
		tfm = crypto_alloc_shash(csum_driver[type], 0, 0);
		if (!IS_ERR(tfm))
			WRITE_ONCE(csum_tfm[type], tfm);
	}
	mutex_unlock(&csum_tfm_lock);
	return tfm;
}

int bsend_host_checksum(enum bsend_csum_type type, const void *data,
			size_t len, uint8_t out[BSEND_CSUM_MAX])
{
	struct crypto_shash *tfm;
	int ret;

	if ((unsigned int)type >= ARRAY_SIZE(csum_driver))
		return -ENOENT;
	tfm = get_tfm(type);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_shash_digestsize(tfm) > BSEND_CSUM_MAX)
		return -EOVERFLOW;
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_digest(desc, data, len, out);
		shash_desc_zero(desc);
	}
	return ret ? ret : crypto_shash_digestsize(tfm);
}

/*
 * crc32c's descriptor state is the running crc, before the final
 * inversion: importing the seed as the state and exporting it after the
 * update gives the kernel's crc32c(seed, data, len).
 */
uint32_t bsend_host_stream_crc32c(uint32_t seed, const void *data, size_t len)
{
	/* Allocated by bsend_checksum_init(), or the module did not load. */
	struct crypto_shash *tfm = csum_tfm[BSEND_CSUM_CRC32C];
	u32 state = seed;

	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		if (crypto_shash_import(desc, &state) ||
		    crypto_shash_update(desc, data, len) ||
		    crypto_shash_export(desc, &state))
			state = 0;
		shash_desc_zero(desc);
	}
	return state;
}

/* crc32c(0, "123456789") with no inversions, and its two halves chained. */
#define BSEND_STREAM_CRC_CHECK 0x58e3fa20u

int bsend_checksum_init(void)
{
	static const char check[] = "123456789";
	struct crypto_shash *tfm = get_tfm(BSEND_CSUM_CRC32C);
	u32 whole, chained;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_shash_statesize(tfm) != sizeof(u32)) {
		pr_err("bsend: crc32c driver %s keeps a %u-byte state, not the crc alone\n",
		       crypto_shash_driver_name(tfm),
		       crypto_shash_statesize(tfm));
		return -EOPNOTSUPP;
	}
	whole = bsend_host_stream_crc32c(0, check, 9);
	chained = bsend_host_stream_crc32c(bsend_host_stream_crc32c(0, check, 4),
					   check + 4, 5);
	if (whole != BSEND_STREAM_CRC_CHECK || chained != BSEND_STREAM_CRC_CHECK) {
		pr_err("bsend: crc32c driver %s gives stream crc %#x, chained %#x, expected %#x\n",
		       crypto_shash_driver_name(tfm), whole, chained,
		       BSEND_STREAM_CRC_CHECK);
		return -EOPNOTSUPP;
	}
	return 0;
}

void bsend_checksum_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(csum_tfm); i++) {
		if (csum_tfm[i] && !IS_ERR(csum_tfm[i]))
			crypto_free_shash(csum_tfm[i]);
		csum_tfm[i] = NULL;
	}
}
