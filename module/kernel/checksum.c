// SPDX-License-Identifier: GPL-2.0
/*
 * The checksums the engine asks for, from the crypto API: the btrfs
 * checksum algorithms (bsend_host_checksum) and the send stream's crc32c
 * (bsend_host_stream_crc32c). A transform is allocated the first time an
 * algorithm is used and kept until the module unloads; transforms are
 * shared, each call has its own descriptor.
 *
 * crc32c, which every stream needs, is chosen at load by measured speed,
 * as raid6 chooses its algorithm: the crypto API's choice (crc32c-intel on
 * x86, by priority) against crc32c-generic. Under TCG the emulated crc32
 * instruction makes crc32c-intel about 4 times slower than the generic
 * tables (135 against 580 MB/s with tcrypt in the 6.12 VM); on hardware it
 * is the other way round. All give the same crc.
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

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

/* The buffer and the rounds over which each crc32c driver is timed. */
#define BSEND_CRC_TIMING_BYTES SZ_16K
#define BSEND_CRC_TIMING_ROUNDS 3
#define BSEND_CRC_TIMING_DIGESTS 4

/* The fastest of rounds of digests of buf by tfm, in nanoseconds. */
static u64 time_crc32c(struct crypto_shash *tfm, const u8 *buf)
{
	u64 best = U64_MAX;
	u32 crc;
	int round, i;

	for (round = 0; round < BSEND_CRC_TIMING_ROUNDS; round++) {
		u64 start = ktime_get_ns();
		u64 took;

		for (i = 0; i < BSEND_CRC_TIMING_DIGESTS; i++) {
			SHASH_DESC_ON_STACK(desc, tfm);

			desc->tfm = tfm;
			crypto_shash_digest(desc, buf, BSEND_CRC_TIMING_BYTES,
					    (u8 *)&crc);
		}
		took = ktime_get_ns() - start;
		best = min(best, took);
		cond_resched();
	}
	return best;
}

static u64 crc32c_mb_per_s(u64 ns)
{
	return div64_u64((u64)BSEND_CRC_TIMING_BYTES * BSEND_CRC_TIMING_DIGESTS *
			 NSEC_PER_SEC, max_t(u64, ns, 1) * SZ_1M);
}

/*
 * The faster of the crypto API's crc32c and crc32c-generic, timed on a
 * buffer; the crypto API's alone when it is the generic one, or the
 * generic one cannot be had.
 */
static struct crypto_shash *fastest_crc32c(void)
{
	struct crypto_shash *preferred, *generic, *faster;
	u64 preferred_ns, generic_ns;
	u8 *buf;

	preferred = crypto_alloc_shash("crc32c", 0, 0);
	if (IS_ERR(preferred) ||
	    !strcmp(crypto_shash_driver_name(preferred), "crc32c-generic"))
		return preferred;
	generic = crypto_alloc_shash("crc32c-generic", 0, 0);
	if (IS_ERR(generic))
		return preferred;
	buf = kmalloc(BSEND_CRC_TIMING_BYTES, GFP_KERNEL);
	if (!buf) {
		crypto_free_shash(generic);
		return preferred;
	}
	get_random_bytes(buf, BSEND_CRC_TIMING_BYTES);
	preferred_ns = time_crc32c(preferred, buf);
	generic_ns = time_crc32c(generic, buf);
	kfree(buf);
	faster = generic_ns < preferred_ns ? generic : preferred;
	pr_info("bsend: crc32c by %s (%s: %llu MB/s, %s: %llu MB/s)\n",
		crypto_shash_driver_name(faster),
		crypto_shash_driver_name(preferred), crc32c_mb_per_s(preferred_ns),
		crypto_shash_driver_name(generic), crc32c_mb_per_s(generic_ns));
	crypto_free_shash(faster == generic ? preferred : generic);
	return faster;
}

/* crc32c(0, "123456789") with no inversions, and its two halves chained. */
#define BSEND_STREAM_CRC_CHECK 0x58e3fa20u

int bsend_checksum_init(void)
{
	static const char check[] = "123456789";
	struct crypto_shash *tfm = fastest_crc32c();
	u32 whole, chained;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	csum_tfm[BSEND_CSUM_CRC32C] = tfm;
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
