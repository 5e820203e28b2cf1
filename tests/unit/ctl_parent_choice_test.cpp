// The parent "sendctl send -c CLONE_SRC" picks without -p: btrfs-progs'
// find_good_parent, from the uuids and ctransids of the clone sources.
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "ctl/parent_choice.h"

namespace sendctl {
namespace {

Uuid uuid(std::uint8_t n)
{
	Uuid id{};
	id[0] = n;
	id[15] = n;
	return id;
}

SubvolumeIdentity subvolume(std::uint64_t root_id, std::uint8_t id,
			    std::uint8_t parent_id, std::uint64_t ctransid)
{
	SubvolumeIdentity identity;
	identity.root_id = root_id;
	identity.uuid = uuid(id);
	identity.parent_uuid = parent_id ? uuid(parent_id) : Uuid{};
	identity.ctransid = ctransid;
	return identity;
}

// The origin of every snapshot below: the subvolume with uuid 1, last
// changed in transaction 100.
const Uuid kOrigin = uuid(1);
constexpr std::uint64_t kOriginCtransid = 100;

std::optional<std::size_t> choose(const std::vector<SubvolumeIdentity> &clone_sources)
{
	return choose_parent(kOrigin, kOriginCtransid, clone_sources);
}

TEST(ParentChoice, TheOriginItselfWhenItIsACloneSource)
{
	// A sibling with the very same ctransid does not beat the origin,
	// wherever the origin is in the list.
	EXPECT_EQ(choose({subvolume(257, 2, 1, 100), subvolume(256, 1, 0, 100)}), 1u);
	EXPECT_EQ(choose({subvolume(256, 1, 0, 100), subvolume(257, 2, 1, 100)}), 0u);
}

TEST(ParentChoice, OtherwiseTheSiblingClosestToTheOriginsCtransid)
{
	// Distance to the origin's ctransid (100), not to the sent one's.
	EXPECT_EQ(choose({subvolume(258, 3, 1, 130), subvolume(259, 4, 1, 90),
			  subvolume(260, 5, 1, 70)}),
		  1u);
	EXPECT_EQ(choose({subvolume(258, 3, 1, 20), subvolume(259, 4, 1, 99)}), 1u);
	EXPECT_EQ(choose({subvolume(258, 3, 1, 20)}), 0u);
}

TEST(ParentChoice, SnapshotsOfOtherSubvolumesDoNotCount)
{
	// 3 is a snapshot of something else, 4 a snapshot of a snapshot of
	// the origin (its parent_uuid is 2, not 1).
	EXPECT_EQ(choose({subvolume(258, 3, 9, 100), subvolume(259, 4, 2, 100),
			  subvolume(260, 5, 1, 500)}),
		  2u);
}

TEST(ParentChoice, TiesGoToTheFirstCloneSource)
{
	EXPECT_EQ(choose({subvolume(258, 3, 1, 110), subvolume(259, 4, 1, 90)}), 0u);
	EXPECT_EQ(choose({subvolume(259, 4, 1, 90), subvolume(258, 3, 1, 110)}), 0u);
	EXPECT_EQ(choose({subvolume(260, 5, 9, 100), subvolume(258, 3, 1, 110),
			  subvolume(259, 4, 1, 110)}),
		  1u);
}

TEST(ParentChoice, NoneWhenNoCloneSourceIsRelated)
{
	EXPECT_FALSE(choose({}).has_value());
	EXPECT_FALSE(choose({subvolume(258, 3, 9, 100), subvolume(259, 4, 0, 100)})
			     .has_value());
}

TEST(ParentChoice, NoneForASubvolumeThatIsNotASnapshot)
{
	// Its parent_uuid is nil, like that of every clone source that is
	// not a snapshot either: they are not siblings.
	std::vector<SubvolumeIdentity> not_snapshots = {subvolume(257, 2, 0, 100),
							subvolume(258, 3, 0, 100)};
	EXPECT_FALSE(choose_parent(Uuid{}, 0, not_snapshots).has_value());
}

TEST(ParentChoice, FindByUuid)
{
	std::vector<SubvolumeIdentity> subvolumes = {subvolume(257, 2, 1, 5),
						     subvolume(258, 3, 1, 5)};
	EXPECT_EQ(find_by_uuid(subvolumes, uuid(3)), 1u);
	EXPECT_FALSE(find_by_uuid(subvolumes, uuid(1)).has_value());
}

}  // namespace
}  // namespace sendctl
