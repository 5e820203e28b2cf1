// bsend_host_checksum() for POSIX hosts, from maintained libraries:
// Boost.CRC (crc32c, and the send stream's raw crc32c), libxxhash (xxhash64), libsodium (sha256, and blake2b
// through its generic hash with a 32-byte digest, as btrfs uses).
#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>
#include <sodium.h>
#include <xxhash.h>

#include "module/core/platform.h"

namespace {

// CRC-32C (Castagnoli), reflected, init and final xor ~0: the crc32c of the
// kernel crypto API, stored little-endian as btrfs stores it.
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

void store_le(uint8_t* out, uint64_t value, int bytes)
{
	for (int i = 0; i < bytes; i++)
		out[i] = static_cast<uint8_t>(value >> (8 * i));
}

// The same polynomial with no inversions, for the send stream's crc32c.
using Crc32cRaw = boost::crc_optimal<32, 0x1EDC6F41, 0, 0, true, true>;

} // namespace

extern "C" uint32_t bsend_host_stream_crc32c(uint32_t seed, const void* data, size_t len)
{
	// Boost takes the initial remainder unreflected; the kernel's seed is
	// the running crc of a reflected algorithm, so reflect it.
	uint32_t unreflected = 0;
	for (int bit = 0; bit < 32; bit++)
		if (seed & (1u << bit))
			unreflected |= 1u << (31 - bit);
	Crc32cRaw crc(unreflected);
	crc.process_bytes(data, len);
	return crc.checksum();
}

extern "C" int bsend_host_checksum(bsend_csum_type type, const void* data, size_t len,
				   uint8_t out[BSEND_CSUM_MAX])
{
	switch (type) {
	case BSEND_CSUM_CRC32C: {
		Crc32c crc;
		crc.process_bytes(data, len);
		store_le(out, crc.checksum(), 4);
		return 4;
	}
	case BSEND_CSUM_XXHASH64:
		store_le(out, XXH64(data, len, 0), 8);
		return 8;
	case BSEND_CSUM_SHA256:
		if (sodium_init() < 0)
			return -ENOMEM;
		crypto_hash_sha256(out, static_cast<const unsigned char*>(data), len);
		return 32;
	case BSEND_CSUM_BLAKE2B:
		if (sodium_init() < 0)
			return -ENOMEM;
		crypto_generichash(out, 32, static_cast<const unsigned char*>(data), len, nullptr, 0);
		return 32;
	}
	return -ENOENT;
}
