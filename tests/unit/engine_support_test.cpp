// support/: Result and TRY, Span bounds, little-endian loads and stores.
#include <gtest/gtest.h>

#include "module/core/support/endian.h"
#include "module/core/support/errno.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

using namespace bsend;

namespace {

Result<u32> parse_even(u32 value)
{
	if (value % 2)
		return Error::make(err::kInvalid, "odd value").at_ino(value);
	return value / 2;
}

Result<u32> quarter(u32 value)
{
	u32 half = TRY(parse_even(value));
	return TRY(parse_even(half));
}

struct MoveOnly {
	explicit MoveOnly(int v) : value(v) {}
	MoveOnly(MoveOnly&& other) : value(other.value) { other.value = -1; }
	int value;
};

} // namespace

TEST(Result, TryReturnsValueOrFirstError)
{
	auto ok = quarter(12);
	ASSERT_TRUE(ok.is_ok());
	EXPECT_EQ(ok.value(), 3u);

	auto failed = quarter(6);
	ASSERT_FALSE(failed.is_ok());
	EXPECT_EQ(failed.error().errno_value, err::kInvalid);
	EXPECT_STREQ(failed.error().cause, "odd value");
	EXPECT_EQ(failed.error().ino, 3u);
}

TEST(Result, HoldsMoveOnlyValues)
{
	Result<MoveOnly> result(MoveOnly(7));
	MoveOnly taken = result.release_value();
	EXPECT_EQ(taken.value, 7);
}

TEST(Result, ErrorConvertsToNegativeErrno)
{
	bsend_error c = Error::make(err::kCorrupt, "bad block").at_bytenr(4096).mismatch(1, 2).to_c();
	EXPECT_EQ(c.err, -117);
	EXPECT_EQ(c.bytenr, 4096u);
	EXPECT_EQ(c.expected, 1u);
	EXPECT_EQ(c.found, 2u);
}

TEST(Span, SubspanChecksBounds)
{
	const u8 data[8] = {};
	Bytes bytes(data, sizeof(data));
	EXPECT_TRUE(bytes.contains(0, 8));
	EXPECT_TRUE(bytes.contains(8, 0));
	EXPECT_FALSE(bytes.contains(1, 8));
	EXPECT_FALSE(bytes.contains(9, 0));
	EXPECT_FALSE(bytes.contains(4, SIZE_MAX));
	EXPECT_EQ(bytes.subspan(2, 4).size(), 4u);
	EXPECT_TRUE(bytes.subspan(6, 4).empty());
}

TEST(Endian, LoadsAndStoresLittleEndian)
{
	u8 bytes[8];
	store_le64(bytes, 0x0102030405060708ull);
	EXPECT_EQ(bytes[0], 0x08);
	EXPECT_EQ(bytes[7], 0x01);
	EXPECT_EQ(load_le64(bytes), 0x0102030405060708ull);
	EXPECT_EQ(load_le32(bytes), 0x05060708u);
	EXPECT_EQ(load_le16(bytes + 6), 0x0102);
}
