// send/name_index: the lookup of an inode's (parent, name) pairs that keeps
// an inode with 65,535 names linear, checked against a plain search over
// random lists with names that share prefixes, parents and bytes >= 0x80.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>

#include "module/core/send/name_index.h"
#include "module/posix/alloc.h"

using bsend::StringView;
using bsend::Vec;
using bsend::send::incremental::InodeName;
using bsend::send::incremental::NameIndex;

namespace {

InodeName make_name(uint64_t parent, const std::string& text)
{
	InodeName name;
	name.parent = parent;
	EXPECT_TRUE(name.name.append(StringView(text.data(), text.size())).is_ok());
	return name;
}

std::string random_text(std::mt19937_64& rng)
{
	static const char kBytes[] = {'a', 'b', 'a', '\x80', '\xff', '.'};
	std::string text;
	size_t length = rng() % 4;
	for (size_t i = 0; i < length; i++)
		text += kBytes[rng() % sizeof(kBytes)];
	return text;
}

} // namespace

TEST(NameIndex, FindsExactlyTheNamesItHolds)
{
	std::mt19937_64 rng(7);
	for (int round = 0; round < 200; round++) {
		Vec<InodeName> names;
		std::set<std::pair<uint64_t, std::string>> held;
		size_t count = rng() % 40;
		for (size_t i = 0; i < count; i++) {
			uint64_t parent = 256 + rng() % 3;
			std::string text = random_text(rng);
			ASSERT_TRUE(names.push(make_name(parent, text)).is_ok());
			held.insert({parent, text});
		}
		NameIndex index;
		ASSERT_TRUE(index.build(names).is_ok());
		for (int probe = 0; probe < 100; probe++) {
			uint64_t parent = 256 + rng() % 3;
			std::string text = random_text(rng);
			EXPECT_EQ(index.contains(make_name(parent, text)), held.count({parent, text}) == 1)
				<< "parent " << parent << " name of " << text.size() << " bytes";
		}
	}
	EXPECT_EQ(bsend::posix::allocations_outstanding(), 0);
}

TEST(NameIndex, TellsAPrefixAndAnotherDirectoryApart)
{
	Vec<InodeName> names;
	ASSERT_TRUE(names.push(make_name(256, "link")).is_ok());
	ASSERT_TRUE(names.push(make_name(257, "link-2")).is_ok());
	NameIndex index;
	ASSERT_TRUE(index.build(names).is_ok());
	EXPECT_TRUE(index.contains(make_name(256, "link")));
	EXPECT_TRUE(index.contains(make_name(257, "link-2")));
	EXPECT_FALSE(index.contains(make_name(256, "lin")));
	EXPECT_FALSE(index.contains(make_name(256, "link-2")));
	EXPECT_FALSE(index.contains(make_name(257, "link")));
	EXPECT_FALSE(index.contains(make_name(258, "")));
}

TEST(NameIndex, AnEmptyIndexHoldsNothing)
{
	Vec<InodeName> names;
	NameIndex index;
	ASSERT_TRUE(index.build(names).is_ok());
	EXPECT_FALSE(index.contains(make_name(256, "a")));
}
