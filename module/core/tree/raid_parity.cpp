#include "module/core/tree/raid_parity.h"

#include "module/core/support/errno.h"

namespace bsend::tree {

namespace {

// Powers of g = 2 in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), and
// their logarithms: exp is doubled so that exp[log a + log b] needs no
// reduction. Built at compile time: no global constructor.
struct GfTables {
	u8 exp[510];
	u8 log[256];
};

constexpr GfTables make_gf_tables()
{
	GfTables tables{};
	u32 value = 1;
	for (u32 power = 0; power < 255; power++) {
		tables.exp[power] = static_cast<u8>(value);
		tables.exp[power + 255] = static_cast<u8>(value);
		tables.log[value] = static_cast<u8>(power);
		value <<= 1;
		if (value & 0x100)
			value ^= 0x11d;
	}
	return tables;
}

constexpr GfTables kGf = make_gf_tables();

constexpr u32 kNoElement = ~0u;

// g^power, power taken modulo 255 (g^255 = 1); a negative power as
// 255 - (-power).
u8 power_of_g(u32 power) { return kGf.exp[power % 255]; }

u8 inverse(u8 value) { return kGf.exp[255 - kGf.log[value]]; }

void copy_bytes(u8* dst, const u8* src, usize len)
{
	for (usize i = 0; i < len; i++)
		dst[i] = src[i];
}

// dst ^= coefficient * src, byte by byte.
void multiply_add(u8* dst, const u8* src, u8 coefficient, usize len)
{
	if (coefficient == 1) {
		for (usize i = 0; i < len; i++)
			dst[i] ^= src[i];
		return;
	}
	u32 log_coefficient = kGf.log[coefficient];
	for (usize i = 0; i < len; i++) {
		if (src[i])
			dst[i] ^= kGf.exp[kGf.log[src[i]] + log_coefficient];
	}
}

Error too_few_elements()
{
	return Error::make(err::kIo, "too many elements of the full stripe are unreadable to rebuild from parity");
}

} // namespace

u8 gf_multiply(u8 a, u8 b)
{
	if (a == 0 || b == 0)
		return 0;
	return kGf.exp[kGf.log[a] + kGf.log[b]];
}

Result<void> rebuild_data_element(const RowShape& shape, const u8* const* elements, usize len, u8* out,
				  u8* scratch)
{
	if (shape.parity < 1 || shape.parity > 2 || shape.target >= shape.data)
		return Error::make(err::kEngineLimit, "parity rebuild of an element outside its full stripe")
			.mismatch(shape.data, shape.target);
	const u32 target = shape.target;
	const u8* p = elements[shape.data];
	const u8* q = shape.parity == 2 ? elements[shape.data + 1] : nullptr;
	u32 lost = kNoElement;
	for (u32 i = 0; i < shape.data; i++) {
		if (i == target || elements[i])
			continue;
		if (lost != kNoElement)
			return too_few_elements();
		lost = i;
	}

	if (lost == kNoElement && p) {
		// D_t = P ^ (every other D_i).
		copy_bytes(out, p, len);
		for (u32 i = 0; i < shape.data; i++) {
			if (i != target)
				multiply_add(out, elements[i], 1, len);
		}
		return {};
	}
	if (!q)
		return too_few_elements();
	if (lost == kNoElement) {
		// P lost too: g^t D_t = Q ^ (every other g^i D_i).
		copy_bytes(out, q, len);
		for (u32 i = 0; i < shape.data; i++) {
			if (i != target)
				multiply_add(out, elements[i], power_of_g(i), len);
		}
		u8 undo = power_of_g(255 - target % 255);
		for (usize b = 0; b < len; b++)
			out[b] = gf_multiply(out[b], undo);
		return {};
	}
	if (!p)
		return too_few_elements();

	// Data elements x < y lost: with Pxy = P ^ (the other D_i) = D_x ^ D_y
	// and Qxy = Q ^ (the other g^i D_i) = g^x D_x ^ g^y D_y,
	// D_x = A Pxy ^ B Qxy, A = g^(y-x) / (g^(y-x) ^ 1),
	// B = g^-x / (g^(y-x) ^ 1); and D_y = Pxy ^ D_x.
	const u32 x = target < lost ? target : lost;
	const u32 y = target < lost ? lost : target;
	copy_bytes(scratch, p, len);
	copy_bytes(out, q, len);
	for (u32 i = 0; i < shape.data; i++) {
		if (i == x || i == y)
			continue;
		multiply_add(scratch, elements[i], 1, len);
		multiply_add(out, elements[i], power_of_g(i), len);
	}
	const u8 g_y_minus_x = power_of_g(y - x);
	const u8 denominator = inverse(static_cast<u8>(g_y_minus_x ^ 1));
	const u8 a = gf_multiply(g_y_minus_x, denominator);
	const u8 b = gf_multiply(power_of_g(255 - x % 255), denominator);
	for (usize i = 0; i < len; i++) {
		u8 d_x = static_cast<u8>(gf_multiply(a, scratch[i]) ^ gf_multiply(b, out[i]));
		out[i] = target == x ? d_x : static_cast<u8>(scratch[i] ^ d_x);
	}
	return {};
}

} // namespace bsend::tree
