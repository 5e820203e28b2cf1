// bsend_host_decompress() for offline sends: btrfs's compressed extents
// with Debian's zlib, lzo2 and zstd libraries.
//
// zlib and zstd extents are one ordinary stream each; the output may stop
// short of ram_bytes (rounded up to a sector), and the rest is zeros. lzo extents are
// btrfs's own framing: a le32 total length, then segments of a le32
// compressed length and lzo1x data, each decompressing to at most one 4 KiB
// sector; a segment header never straddles a sector boundary of the
// compressed bytes (the rest of such a sector is padding).
#include <cerrno>
#include <cstring>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "module/core/platform.h"
#include "module/core/support/endian.h"

namespace {

constexpr size_t kLzoSector = 4096;

int inflate_zlib(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len)
{
	z_stream stream = {};
	if (inflateInit(&stream) != Z_OK)
		return -ENOMEM;
	stream.next_in = const_cast<uint8_t*>(in);
	stream.avail_in = static_cast<uInt>(in_len);
	stream.next_out = out;
	stream.avail_out = static_cast<uInt>(out_len);
	int ret = inflate(&stream, Z_FINISH);
	size_t produced = out_len - stream.avail_out;
	inflateEnd(&stream);
	// The compressed bytes are padded to a sector, and ram_bytes is rounded
	// up to one: the stream may end before out_len, and the rest is zeros.
	if (ret != Z_STREAM_END && ret != Z_OK && ret != Z_BUF_ERROR)
		return -EUCLEAN;
	std::memset(out + produced, 0, out_len - produced);
	return 0;
}

int inflate_zstd(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len)
{
	ZSTD_DCtx* context = ZSTD_createDCtx();
	if (!context)
		return -ENOMEM;
	ZSTD_inBuffer input = {in, in_len, 0};
	ZSTD_outBuffer output = {out, out_len, 0};
	int ret = 0;
	while (output.pos < out_len && input.pos < in_len) {
		size_t result = ZSTD_decompressStream(context, &output, &input);
		if (ZSTD_isError(result)) {
			ret = -EUCLEAN;
			break;
		}
		if (result == 0)
			break;
	}
	ZSTD_freeDCtx(context);
	// As for zlib: what the frame does not cover up to ram_bytes is zeros.
	if (ret == 0)
		std::memset(out + output.pos, 0, out_len - output.pos);
	return ret;
}

int inflate_lzo(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len)
{
	if (lzo_init() != LZO_E_OK)
		return -ENOMEM;
	if (in_len < 4)
		return -EUCLEAN;
	size_t total = bsend::load_le32(in);
	if (total > in_len || total < 4)
		return -EUCLEAN;
	size_t at = 4, produced = 0;
	while (at < total && produced < out_len) {
		// A segment header never crosses a sector boundary.
		if (kLzoSector - at % kLzoSector < 4)
			at += kLzoSector - at % kLzoSector;
		if (at + 4 > total)
			return -EUCLEAN;
		size_t segment = bsend::load_le32(in + at);
		at += 4;
		if (segment > total - at)
			return -EUCLEAN;
		lzo_uint length = out_len - produced < kLzoSector ? out_len - produced : kLzoSector;
		if (lzo1x_decompress_safe(in + at, segment, out + produced, &length, nullptr) != LZO_E_OK)
			return -EUCLEAN;
		produced += length;
		at += segment;
	}
	if (produced < out_len)
		std::memset(out + produced, 0, out_len - produced);
	return 0;
}

} // namespace

extern "C" int bsend_host_decompress(uint8_t compression, const void* in, size_t in_len, void* out,
				     size_t out_len)
{
	const auto* input = static_cast<const uint8_t*>(in);
	auto* output = static_cast<uint8_t*>(out);
	switch (compression) {
	case 1:
		return inflate_zlib(input, in_len, output, out_len);
	case 2:
		return inflate_lzo(input, in_len, output, out_len);
	case 3:
		return inflate_zstd(input, in_len, output, out_len);
	default:
		return -EOPNOTSUPP;
	}
}
