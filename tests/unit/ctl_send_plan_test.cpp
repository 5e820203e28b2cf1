// What "sendctl send" asks the module for, subvolume by subvolume: full
// sends, -p PARENT, and -c without -p with each subvolume sent becoming a
// clone source of the next, as btrfs send does.
#include <cerrno>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ctl/send_plan.h"

namespace sendctl {
namespace {

using Roots = std::vector<std::uint64_t>;

Uuid uuid(std::uint8_t n)
{
	Uuid id{};
	id[0] = n;
	id[15] = n;
	return id;
}

// Subvolume n has root id 256 + n and uuid n; parent 0 means none.
NamedSubvolume subvolume(const std::string &path, std::uint8_t n,
			 std::uint8_t parent, std::uint64_t ctransid)
{
	NamedSubvolume subvol;
	subvol.path = path;
	subvol.identity.root_id = 256 + n;
	subvol.identity.uuid = uuid(n);
	subvol.identity.parent_uuid = parent ? uuid(parent) : Uuid{};
	subvol.identity.ctransid = ctransid;
	return subvol;
}

// The filesystem as a uuid lookup sees it; it counts its calls.
struct Filesystem {
	std::map<Uuid, SubvolumeIdentity> subvolumes;
	int lookups = 0;
	Error failure;		// errnum 0: answer from subvolumes

	void add(const NamedSubvolume &subvol) { subvolumes[subvol.identity.uuid] = subvol.identity; }

	UuidLookup lookup()
	{
		return [this](const Uuid &id) -> Result<SubvolumeIdentity> {
			lookups++;
			if (failure.errnum)
				return failure;
			auto it = subvolumes.find(id);
			if (it == subvolumes.end())
				return Error{ENOENT, "no subvolume has that uuid"};
			return it->second;
		};
	}
};

// The subvolume "vol" (uuid 1, changed last in transaction 50) and its
// read-only snapshots s0..s3, taken in transactions 10, 20, 30, 40.
const NamedSubvolume kVol = subvolume("vol", 1, 0, 50);
const NamedSubvolume kS0 = subvolume("s0", 10, 1, 10);
const NamedSubvolume kS1 = subvolume("s1", 11, 1, 20);
const NamedSubvolume kS2 = subvolume("s2", 12, 1, 30);
const NamedSubvolume kS3 = subvolume("s3", 13, 1, 40);

TEST(SendPlan, FullSendsWithoutParentOrCloneSources)
{
	Filesystem fs;
	auto plan = plan_sends({kS1, kS2}, {}, nullptr, fs.lookup());
	ASSERT_TRUE(plan.ok()) << plan.error().message;
	ASSERT_EQ(plan.value().size(), 2u);
	for (const PlannedSend &send : plan.value()) {
		EXPECT_EQ(send.parent_root, 0u);
		EXPECT_EQ(send.clone_roots, Roots{});
	}
	EXPECT_EQ(fs.lookups, 0);
}

TEST(SendPlan, ParentGivenIsTheParentOfEveryOneAndTheLastCloneSource)
{
	Filesystem fs;
	auto plan = plan_sends({kS2, kS3}, {kVol, kS1}, &kS0, fs.lookup());
	ASSERT_TRUE(plan.ok()) << plan.error().message;
	ASSERT_EQ(plan.value().size(), 2u);
	for (const PlannedSend &send : plan.value()) {
		EXPECT_EQ(send.parent_root, 266u);
		// The subvolumes sent do not become clone sources with -p.
		EXPECT_EQ(send.clone_roots, (Roots{257, 267, 266}));
	}
	EXPECT_EQ(fs.lookups, 0);
}

TEST(SendPlan, CloneSourcesWithoutParentChooseOneAndGrowWithEachSend)
{
	// btrfs send -c s0 s1 s2 s3: each is a snapshot of vol, which is not
	// a clone source; the sibling closest to vol's ctransid (50) wins,
	// and that is the one sent just before.
	Filesystem fs;
	fs.add(kVol);
	auto plan = plan_sends({kS1, kS2, kS3}, {kS0}, nullptr, fs.lookup());
	ASSERT_TRUE(plan.ok()) << plan.error().message;
	ASSERT_EQ(plan.value().size(), 3u);
	EXPECT_EQ(plan.value()[0].parent_root, 266u);
	EXPECT_EQ(plan.value()[0].clone_roots, (Roots{266}));
	EXPECT_EQ(plan.value()[1].parent_root, 267u);
	EXPECT_EQ(plan.value()[1].clone_roots, (Roots{266, 267}));
	EXPECT_EQ(plan.value()[2].parent_root, 268u);
	EXPECT_EQ(plan.value()[2].clone_roots, (Roots{266, 267, 268}));
	EXPECT_EQ(fs.lookups, 3);
}

TEST(SendPlan, OriginAmongTheCloneSourcesNeedsNoLookup)
{
	// btrfs send -c vol s1, then a snapshot of s1 sent after s1.
	Filesystem fs;
	fs.failure = Error{EPERM, "must not be asked"};
	const NamedSubvolume of_s1 = subvolume("of-s1", 20, 11, 60);
	auto plan = plan_sends({kS1, of_s1}, {kVol}, nullptr, fs.lookup());
	ASSERT_TRUE(plan.ok()) << plan.error().message;
	EXPECT_EQ(plan.value()[0].parent_root, 257u);
	EXPECT_EQ(plan.value()[0].clone_roots, (Roots{257}));
	EXPECT_EQ(plan.value()[1].parent_root, 267u);
	EXPECT_EQ(plan.value()[1].clone_roots, (Roots{257, 267}));
	EXPECT_EQ(fs.lookups, 0);
}

TEST(SendPlan, NoParentFoundFailsNamingTheSubvolume)
{
	Filesystem fs;
	fs.add(kVol);
	const NamedSubvolume other = subvolume("other", 30, 31, 5);
	auto plan = plan_sends({kS1}, {other}, nullptr, fs.lookup());
	ASSERT_FALSE(plan.ok());
	EXPECT_EQ(plan.error().errnum, ENOENT);
	EXPECT_EQ(plan.error().message,
		  "cannot choose a parent for s1 among the clone sources: none"
		  " is the subvolume it is a snapshot of (uuid"
		  " 01000000-0000-0000-0000-000000000001) or another snapshot"
		  " of that one; give -p PARENT");
}

TEST(SendPlan, FailsBeforeAnySendWhenALaterSubvolumeHasNoParent)
{
	Filesystem fs;
	fs.add(kVol);
	const NamedSubvolume unrelated = subvolume("unrelated", 40, 0, 5);
	auto plan = plan_sends({kS1, unrelated}, {kS0}, nullptr, fs.lookup());
	ASSERT_FALSE(plan.ok());
	EXPECT_EQ(plan.error().message,
		  "cannot choose a parent for unrelated among the clone sources:"
		  " it is not a snapshot (its parent_uuid is nil); give -p"
		  " PARENT");
}

TEST(SendPlan, OriginDeletedFails)
{
	// vol is gone: btrfs-progs cannot find the origin, so no parent.
	Filesystem fs;
	auto plan = plan_sends({kS1}, {kS0}, nullptr, fs.lookup());
	ASSERT_FALSE(plan.ok());
	EXPECT_EQ(plan.error().errnum, ENOENT);
	EXPECT_EQ(plan.error().message,
		  "cannot choose a parent for s1 among the clone sources: the"
		  " subvolume it is a snapshot of (uuid"
		  " 01000000-0000-0000-0000-000000000001) no longer exists;"
		  " give -p PARENT");
}

TEST(SendPlan, LookupFailureIsReportedWithItsCause)
{
	Filesystem fs;
	fs.failure = Error{EPERM, "cannot search the uuid tree: Operation not permitted"};
	auto plan = plan_sends({kS1}, {kS0}, nullptr, fs.lookup());
	ASSERT_FALSE(plan.ok());
	EXPECT_EQ(plan.error().errnum, EPERM);
	EXPECT_EQ(plan.error().message,
		  "cannot choose a parent for s1: cannot search the uuid tree:"
		  " Operation not permitted");
}

}  // namespace
}  // namespace sendctl
