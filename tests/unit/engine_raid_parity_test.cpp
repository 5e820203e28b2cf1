// RAID5/6 rebuild of a data element, against parity computed here
// independently of the engine's tables: P by XOR, Q by Horner's rule
// (Q = Q * 2 ^ D_i from the last data element down), multiplying by 2 in
// GF(2^8) with a shift and the polynomial 0x11d, as the kernel's raid6
// library and btrfs-progs do.
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "module/core/support/errno.h"
#include "module/core/tree/raid_parity.h"

namespace bsend {
namespace {

using tree::RowShape;

u8 times_two(u8 value) { return static_cast<u8>((value << 1) ^ ((value & 0x80) ? 0x1d : 0)); }

// a * b by shift and add, one bit of b at a time.
u8 slow_multiply(u8 a, u8 b)
{
	u8 product = 0;
	for (; b; b >>= 1, a = times_two(a)) {
		if (b & 1)
			product ^= a;
	}
	return product;
}

constexpr usize kLen = 512;

// A full stripe of `data` pseudo-random data elements, then P and Q.
std::vector<std::vector<u8>> make_row(u32 data, u32 seed)
{
	std::vector<std::vector<u8>> row(data + 2, std::vector<u8>(kLen, 0));
	u32 state = seed * 2654435761u + 1;
	for (u32 d = 0; d < data; d++) {
		for (usize b = 0; b < kLen; b++) {
			state = state * 1103515245u + 12345u;
			row[d][b] = static_cast<u8>(state >> 16);
		}
	}
	for (usize b = 0; b < kLen; b++) {
		u8 p = 0, q = 0;
		for (u32 d = data; d-- > 0;) {
			p ^= row[d][b];
			q = times_two(q) ^ row[d][b];
		}
		row[data][b] = p;
		row[data + 1][b] = q;
	}
	return row;
}

TEST(RaidParity, MultiplicationIsGaloisFieldMultiplication)
{
	for (u32 a = 0; a < 256; a++) {
		for (u32 b = 0; b < 256; b++)
			ASSERT_EQ(tree::gf_multiply(static_cast<u8>(a), static_cast<u8>(b)),
				  slow_multiply(static_cast<u8>(a), static_cast<u8>(b)))
				<< a << " * " << b;
	}
}

// Every data element of RAID6 rows of 2 to 14 data elements, rebuilt with
// nothing else lost, with P lost, with Q lost, and with each other data
// element lost.
TEST(RaidParity, Raid6RebuildsEveryElementWithAnyOneOtherElementLost)
{
	for (u32 data = 2; data <= 14; data++) {
		auto row = make_row(data, data);
		for (u32 target = 0; target < data; target++) {
			// lost: another row element, or data + 2 for none.
			for (u32 lost = 0; lost <= data + 2; lost++) {
				if (lost == target)
					continue;
				std::vector<const u8*> elements;
				for (u32 s = 0; s < data + 2; s++)
					elements.push_back(s == target || s == lost ? nullptr : row[s].data());
				std::vector<u8> out(kLen, 0xee), scratch(kLen);
				auto rebuilt = tree::rebuild_data_element(RowShape{data, 2, target}, elements.data(),
									  kLen, out.data(), scratch.data());
				ASSERT_TRUE(rebuilt.is_ok()) << data << " data, target " << target << ", lost " << lost;
				ASSERT_EQ(out, row[target]) << data << " data, target " << target << ", lost " << lost;
			}
		}
	}
}

TEST(RaidParity, Raid5RebuildsFromPAndTheOtherData)
{
	auto row = make_row(3, 7);
	for (u32 target = 0; target < 3; target++) {
		std::vector<const u8*> elements{row[0].data(), row[1].data(), row[2].data(), row[3].data()};
		elements[target] = nullptr;
		std::vector<u8> out(kLen), scratch(kLen);
		ASSERT_TRUE(tree::rebuild_data_element(RowShape{3, 1, target}, elements.data(), kLen, out.data(),
						       scratch.data())
				    .is_ok());
		EXPECT_EQ(out, row[target]);
	}
}

TEST(RaidParity, MoreLostThanTheParityCoversFails)
{
	auto row = make_row(4, 3);
	std::vector<u8> out(kLen), scratch(kLen);
	// RAID5: the target and another data element.
	std::vector<const u8*> raid5{nullptr, nullptr, row[2].data(), row[3].data(), row[4].data()};
	auto lost_two = tree::rebuild_data_element(RowShape{4, 1, 0}, raid5.data(), kLen, out.data(), scratch.data());
	ASSERT_FALSE(lost_two.is_ok());
	EXPECT_EQ(lost_two.error().errno_value, err::kIo);
	// RAID5: P.
	std::vector<const u8*> no_p{nullptr, row[1].data(), row[2].data(), row[3].data(), nullptr};
	EXPECT_FALSE(tree::rebuild_data_element(RowShape{4, 1, 0}, no_p.data(), kLen, out.data(), scratch.data())
			     .is_ok());
	// RAID6: the target, another data element and P.
	std::vector<const u8*> raid6{nullptr, nullptr, row[2].data(), row[3].data(), nullptr, row[5].data()};
	EXPECT_FALSE(tree::rebuild_data_element(RowShape{4, 2, 0}, raid6.data(), kLen, out.data(), scratch.data())
			     .is_ok());
	// RAID6: the target and two other data elements.
	std::vector<const u8*> three{nullptr, nullptr, nullptr, row[3].data(), row[4].data(), row[5].data()};
	EXPECT_FALSE(tree::rebuild_data_element(RowShape{4, 2, 0}, three.data(), kLen, out.data(), scratch.data())
			     .is_ok());
	// A target outside the row is the engine's limit.
	auto outside = tree::rebuild_data_element(RowShape{4, 2, 4}, three.data(), kLen, out.data(), scratch.data());
	ASSERT_FALSE(outside.is_ok());
	EXPECT_EQ(outside.error().errno_value, err::kEngineLimit);
}

} // namespace
} // namespace bsend
