// support/: Vec, HashMap, LruCache, UniquePtr and checked arithmetic,
// including allocation failure, which is a value everywhere; and
// tree/block_buffers, the pool that recycles tree block buffers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "module/core/support/checked.h"
#include "module/core/support/hash_map.h"
#include "module/core/support/lru_cache.h"
#include "module/core/support/unique_ptr.h"
#include "module/core/support/vec.h"
#include "module/core/tree/block_buffers.h"
#include "module/posix/alloc.h"

using namespace bsend;

namespace {

class Containers : public testing::Test {
protected:
	void TearDown() override
	{
		posix::fail_allocation_after(-1);
		EXPECT_EQ(posix::allocations_outstanding(), 0);
	}
};

struct Counted {
	static int alive;
	Counted() { alive++; }
	explicit Counted(int v) : value(v) { alive++; }
	Counted(Counted&& other) : value(other.value) { alive++; }
	Counted& operator=(Counted&& other)
	{
		value = other.value;
		return *this;
	}
	~Counted() { alive--; }
	int value = 0;
};
int Counted::alive = 0;

} // namespace

TEST_F(Containers, VecGrowsMovesAndDestroysItsElements)
{
	{
		Vec<Counted> vec;
		for (int i = 0; i < 1000; i++)
			ASSERT_TRUE(vec.push(Counted(i)).is_ok());
		EXPECT_EQ(vec.size(), 1000u);
		EXPECT_EQ(vec[999].value, 999);
		EXPECT_EQ(Counted::alive, 1000);
		Vec<Counted> moved = move(vec);
		EXPECT_EQ(moved.size(), 1000u);
		EXPECT_EQ(vec.size(), 0u);
		ASSERT_TRUE(moved.resize(10).is_ok());
		EXPECT_EQ(Counted::alive, 10);
	}
	EXPECT_EQ(Counted::alive, 0);
}

TEST_F(Containers, VecReportsAllocationFailureAndKeepsItsContents)
{
	Vec<int> vec;
	for (int i = 0; i < 8; i++)
		ASSERT_TRUE(vec.push(i).is_ok());
	posix::fail_allocation_after(0);
	auto pushed = vec.push(8);
	ASSERT_FALSE(pushed.is_ok());
	EXPECT_EQ(pushed.error().errno_value, err::kNoMemory);
	EXPECT_EQ(vec.size(), 8u);
	EXPECT_EQ(vec[7], 7);
	posix::fail_allocation_after(-1);
	EXPECT_TRUE(vec.push(8).is_ok());
}

TEST_F(Containers, VecRejectsASizeThatOverflows)
{
	Vec<u64> vec;
	auto reserved = vec.reserve(SIZE_MAX / 4);
	ASSERT_FALSE(reserved.is_ok());
	EXPECT_EQ(reserved.error().errno_value, err::kNoMemory);
}

TEST_F(Containers, HashMapAgreesWithStdMapUnderRandomOperations)
{
	HashMap<u64, u64> map;
	std::map<u64, u64> reference;
	std::mt19937_64 random(42);
	for (int i = 0; i < 20000; i++) {
		u64 key = random() % 2000;
		switch (random() % 3) {
		case 0:
		case 1:
			ASSERT_TRUE(map.insert(key, i).is_ok());
			reference[key] = i;
			break;
		case 2:
			EXPECT_EQ(map.remove(key), reference.erase(key) == 1);
			break;
		}
	}
	EXPECT_EQ(map.size(), reference.size());
	for (u64 key = 0; key < 2000; key++) {
		u64* found = map.find(key);
		auto expected = reference.find(key);
		ASSERT_EQ(found != nullptr, expected != reference.end()) << key;
		if (found) {
			EXPECT_EQ(*found, expected->second);
		}
	}
}

TEST_F(Containers, LruCacheEvictsTheLeastRecentlyUsed)
{
	LruCache<u64, int> cache(3);
	ASSERT_TRUE(cache.put(1, 10).is_ok());
	ASSERT_TRUE(cache.put(2, 20).is_ok());
	ASSERT_TRUE(cache.put(3, 30).is_ok());
	ASSERT_NE(cache.get(1), nullptr); // 1 is now the most recent
	ASSERT_TRUE(cache.put(4, 40).is_ok());
	EXPECT_EQ(cache.get(2), nullptr);
	ASSERT_NE(cache.get(1), nullptr);
	EXPECT_EQ(*cache.get(3), 30);
	EXPECT_EQ(*cache.get(4), 40);
	EXPECT_EQ(cache.size(), 3u);
	cache.set_capacity(1);
	EXPECT_EQ(cache.size(), 1u);
	EXPECT_EQ(*cache.get(4), 40);
}

TEST_F(Containers, MakeUniqueReportsAllocationFailure)
{
	posix::fail_allocation_after(0);
	auto made = make_unique<Counted>(5);
	ASSERT_FALSE(made.is_ok());
	EXPECT_EQ(made.error().errno_value, err::kNoMemory);
	EXPECT_EQ(Counted::alive, 0);
}

TEST_F(Containers, CheckedArithmeticCatchesWraparound)
{
	u64 out;
	EXPECT_TRUE(checked_add<u64>(1, 2, &out));
	EXPECT_EQ(out, 3u);
	EXPECT_FALSE(checked_add<u64>(~0ull, 1, &out));
	EXPECT_FALSE(checked_mul<u64>(1ull << 33, 1ull << 31, &out));
	EXPECT_TRUE(range_inside(4, 4, 8));
	EXPECT_FALSE(range_inside(5, 4, 8));
	EXPECT_FALSE(range_inside(~0ull, 2, 8));
}

TEST_F(Containers, VecResizeForOverwriteKeepsTheBytesItHad)
{
	Vec<u8> bytes;
	ASSERT_TRUE(bytes.resize(4).is_ok());
	bytes[3] = 7;
	ASSERT_TRUE(bytes.resize_for_overwrite(4096).is_ok());
	EXPECT_EQ(bytes.size(), 4096u);
	EXPECT_EQ(bytes[3], 7);
	ASSERT_TRUE(bytes.resize_for_overwrite(2).is_ok());
	EXPECT_EQ(bytes.size(), 2u);
	posix::fail_allocation_after(0);
	EXPECT_EQ(bytes.resize_for_overwrite(1 << 20).error().errno_value, err::kNoMemory);
	EXPECT_EQ(bytes.size(), 2u);
}

TEST_F(Containers, BlockBufferPoolReusesBuffersAndKeepsAtMostItsSpares)
{
	using tree::BlockBufferPool;
	auto made = BlockBufferPool::create_pool(16384);
	ASSERT_TRUE(made.is_ok());
	RefPtr<BlockBufferPool> pool = made.release_value();

	constexpr usize kTaken = BlockBufferPool::kMaxSpares + 8;
	std::vector<tree::BlockBuffer> taken;
	std::vector<const u8*> given_back;
	for (usize i = 0; i < kTaken; i++) {
		auto bytes = pool->take();
		ASSERT_TRUE(bytes.is_ok());
		EXPECT_EQ(bytes.value().size(), 16384u);
		// Whole pages: a bio reads straight into them.
		EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes.value().data()) % 4096, 0u);
		taken.push_back(bytes.release_value());
	}
	long with_all_taken = posix::allocations_outstanding();
	for (tree::BlockBuffer& bytes : taken) {
		given_back.push_back(bytes.data());
		pool->give_back(std::move(bytes));
	}
	EXPECT_EQ(pool->spares(), BlockBufferPool::kMaxSpares);
	// The buffers past the spares' room were freed.
	EXPECT_EQ(posix::allocations_outstanding(), with_all_taken - 8);

	// A spare comes back without an allocation, even when none is possible.
	posix::fail_allocation_after(0);
	auto reused = pool->take();
	ASSERT_TRUE(reused.is_ok());
	EXPECT_NE(std::find(given_back.begin(), given_back.end(), reused.value().data()), given_back.end());
	EXPECT_EQ(pool->spares(), BlockBufferPool::kMaxSpares - 1);

	// A buffer of another size is not kept.
	posix::fail_allocation_after(-1);
	auto other = tree::BlockBuffer::allocate(100);
	ASSERT_TRUE(other.is_ok());
	pool->give_back(other.release_value());
	EXPECT_EQ(pool->spares(), BlockBufferPool::kMaxSpares - 1);

	// With no spare left, take() must allocate, and reports when it cannot.
	while (pool->spares()) {
		auto bytes = pool->take();
		ASSERT_TRUE(bytes.is_ok());
	}
	posix::fail_allocation_after(0);
	EXPECT_EQ(pool->take().error().errno_value, err::kNoMemory);
}

TEST_F(Containers, BlockBufferOwnsItsPagesThroughMoves)
{
	long before = posix::allocations_outstanding();
	{
		auto made = tree::BlockBuffer::allocate(16384);
		ASSERT_TRUE(made.is_ok());
		tree::BlockBuffer first = made.release_value();
		const u8* pages = first.data();
		EXPECT_EQ(posix::allocations_outstanding(), before + 1);

		tree::BlockBuffer second = std::move(first);
		EXPECT_EQ(second.data(), pages);
		EXPECT_EQ(second.size(), 16384u);
		EXPECT_EQ(first.data(), nullptr);
		EXPECT_EQ(first.size(), 0u);

		auto replacement = tree::BlockBuffer::allocate(4096);
		ASSERT_TRUE(replacement.is_ok());
		EXPECT_EQ(posix::allocations_outstanding(), before + 2);
		// Assigning over a buffer frees the pages it held.
		second = replacement.release_value();
		EXPECT_EQ(second.size(), 4096u);
		EXPECT_EQ(posix::allocations_outstanding(), before + 1);
	}
	EXPECT_EQ(posix::allocations_outstanding(), before);

	posix::fail_allocation_after(0);
	EXPECT_EQ(tree::BlockBuffer::allocate(16384).error().errno_value, err::kNoMemory);
	posix::fail_allocation_after(-1);
}
