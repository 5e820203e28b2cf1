// tree/backref: the backref walk against btrfs itself. tests/unit/
// backref-image builds, on a loop-mounted btrfs (root only: skipped
// otherwise), reflinks within and across subvolumes, a compressed extent
// partly reflinked, a dedupe, snapshots whose leaves were COWed (shared data
// refs), and extents with 1k, 5k and 10k reflinks, and records what
// `btrfs inspect-internal logical-resolve -P -o` says references each
// extent. Unmounted, the image is read by the engine, and the walk must give
// the same (root, inode, file offset) set in every set of allowed roots.
// Also: extent offsets, the cache and its bound, errors that name the
// bytenr, and the restart in a newer commit after a reused block.
#include <gtest/gtest.h>

#include <linux/btrfs_tree.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "module/core/support/errno.h"
#include "module/core/tree/backref.h"
#include "module/posix/alloc.h"
#include "module/posix/image.h"
#include "tests/unit/test_image.h"

using namespace bsend;
using bsend::test::ImageOptions;
using bsend::test::TestImage;

namespace {

using RefTuple = std::tuple<uint64_t, uint64_t, uint64_t>;	// root, inode, file offset

// The scenario image, made once per process, and what btrfs said of it.
// Made without ASSERT: a fatal failure in SetUpTestSuite would skip the
// TearDownTestSuite that deletes the images.
struct BackrefImages {
	std::unique_ptr<TestImage> image;	// the newer commit
	std::string old_path;			// the commit the expectations describe
	std::map<std::string, uint64_t> roots;	// A, B, S1, S2
	std::map<std::string, uint64_t> extents;
	std::map<std::string, std::set<RefTuple>> expected;
	std::string skip_reason;

	~BackrefImages()
	{
		if (!old_path.empty())
			unlink(old_path.c_str());
	}
};

BackrefImages* images = nullptr;

std::string why_no_loop_mount()
{
	if (geteuid() != 0)
		return "needs root to loop-mount btrfs";
	if (std::system("command -v xfs_io >/dev/null && losetup -f >/dev/null 2>&1") != 0)
		return "needs xfs_io and a free loop device";
	return "";
}

void make_images(BackrefImages* out)
{
	ImageOptions options;
	options.size = 2ull << 30;
	out->image = std::make_unique<TestImage>(options);
	char old_name[] = "/tmp/bsend-backref-old-XXXXXX";
	int fd = mkstemp(old_name);
	if (fd < 0)
		throw std::runtime_error("mkstemp failed");
	close(fd);
	out->old_path = old_name;
	std::string report = test::run_command(std::string(BSEND_SOURCE_DIR) + "/tests/unit/backref-image " +
					       out->image->path() + " " + out->old_path);
	std::istringstream lines(report);
	std::string line;
	while (std::getline(lines, line)) {
		std::istringstream words(line);
		std::string what, name;
		words >> what >> name;
		uint64_t a = 0, b = 0, c = 0;
		if (what == "root" && words >> a)
			out->roots[name] = a;
		else if (what == "extent" && words >> a)
			out->extents[name] = a;
		else if (what == "ref" && words >> a >> b >> c)
			out->expected[name].insert({a, b, c});
	}
	if (out->roots.size() != 4 || out->extents.size() != 10)
		throw std::runtime_error("backref-image did not report 4 roots and 10 extents:\n" + report);
}

constexpr tree::WalkBounds kUnbounded{~size_t(0), ~size_t(0), ~size_t(0)};

class BackrefTest : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		if (images)
			return;
		images = new BackrefImages;
		images->skip_reason = why_no_loop_mount();
		if (!images->skip_reason.empty())
			return;
		try {
			make_images(images);
		} catch (const std::exception& error) {
			ADD_FAILURE() << error.what();
		}
	}
	static void TearDownTestSuite()
	{
		delete images;
		images = nullptr;
	}

	void SetUp() override
	{
		if (!images->skip_reason.empty())
			GTEST_SKIP() << images->skip_reason;
		ASSERT_EQ(images->extents.size(), 10u) << "the scenario image was not made";
	}
	void TearDown() override
	{
		last_ = RefPtr<tree::ExtentRefs>();
		walker_.reset();
		fs_.reset();
		EXPECT_EQ(posix::allocations_outstanding(), 0);
	}

	void open(const std::string& path)
	{
		ASSERT_EQ(host_.open(path), 0);
		auto opened = tree::Filesystem::open(host_.host(), 8 << 20);
		ASSERT_TRUE(opened.is_ok()) << opened.error().cause;
		fs_ = opened.release_value();
	}

	std::vector<uint64_t> root_ids(const std::vector<std::string>& names)
	{
		std::vector<uint64_t> ids;
		for (const std::string& name : names)
			ids.push_back(images->roots.at(name));
		return ids;
	}

	// Unbounded unless said otherwise: most tests compare whole answers
	// with logical-resolve's.
	void make_walker(const std::vector<std::string>& allowed, size_t cache_refs = tree::BackrefWalker::kDefaultCacheRefs,
			 tree::WalkBounds bounds = kUnbounded)
	{
		std::vector<uint64_t> ids = root_ids(allowed);
		auto made = tree::BackrefWalker::create(*fs_, Span<const u64>(ids.data(), ids.size()), cache_refs,
							bounds);
		ASSERT_TRUE(made.is_ok()) << made.error().cause;
		walker_ = made.release_value();
	}

	// The walk's answer for an extent, as a set; fails the test on error.
	std::set<RefTuple> walk(const std::string& extent)
	{
		auto found = walker_->find(images->extents.at(extent));
		EXPECT_TRUE(found.is_ok()) << extent << ": " << found.error().cause << " at bytenr "
					   << found.error().bytenr;
		std::set<RefTuple> refs;
		if (!found.is_ok())
			return refs;
		last_ = found.release_value();
		for (const tree::ExtentRef& ref : last_->refs)
			EXPECT_TRUE(refs.insert({ref.root, ref.ino, ref.file_offset}).second) << "reported twice";
		return refs;
	}

	// logical-resolve's answer for an extent, in the allowed roots only.
	std::set<RefTuple> expected(const std::string& extent, const std::vector<std::string>& allowed)
	{
		std::vector<uint64_t> ids = root_ids(allowed);
		std::set<RefTuple> refs;
		for (const RefTuple& ref : images->expected.at(extent))
			if (std::find(ids.begin(), ids.end(), std::get<0>(ref)) != ids.end())
				refs.insert(ref);
		return refs;
	}

	const tree::ExtentRef* ref_at(uint64_t root, uint64_t ino, uint64_t file_offset)
	{
		for (const tree::ExtentRef& ref : last_->refs)
			if (ref.root == root && ref.ino == ino && ref.file_offset == file_offset)
				return &ref;
		return nullptr;
	}

	posix::ImageHost host_;
	UniquePtr<tree::Filesystem> fs_;
	UniquePtr<tree::BackrefWalker> walker_;
	RefPtr<tree::ExtentRefs> last_;
};

const std::vector<std::string> kAllRoots = {"A", "B", "S1", "S2"};

TEST_F(BackrefTest, EveryExtentMatchesLogicalResolveInAllRoots)
{
	open(images->old_path);
	make_walker(kAllRoots);
	for (const auto& [name, bytenr] : images->extents) {
		std::set<RefTuple> found = walk(name);
		EXPECT_EQ(found, expected(name, kAllRoots)) << name << " at " << bytenr;
		std::printf("  %-12s %6zu references, logical-resolve %6zu\n", name.c_str(), found.size(),
			    images->expected.at(name).size());
	}
}

TEST_F(BackrefTest, OnlyTheAllowedRootsAnswer)
{
	open(images->old_path);
	const std::vector<std::vector<std::string>> sets = {{"A"}, {"B"}, {"S1"}, {"S2"}, {"S1", "S2"}, {"A", "S2"},
							    {"B", "S1"}};
	for (const auto& allowed : sets) {
		make_walker(allowed);
		for (const auto& [name, bytenr] : images->extents)
			EXPECT_EQ(walk(name), expected(name, allowed)) << name << " in " << allowed.front() << "+"
									<< allowed.size() - 1 << " more";
	}
}

TEST_F(BackrefTest, SnapshotsSeeRefsRecordedUnderTheirOriginAndInSharedLeaves)
{
	open(images->old_path);
	// S1 and S2 own none of the refs of many/shared: they see the ones
	// recorded under A (leaves they share) and the shared leaves.
	make_walker({"S1"});
	std::set<RefTuple> found = walk("A/many/shared");
	EXPECT_EQ(found, expected("A/many/shared", {"S1"}));
	EXPECT_GT(found.size(), 300u);
	EXPECT_GT(walker_->stats().shared_leaves, 0u);
	// A file whose first block A overwrote after S1: the snapshots keep
	// all of its old extent, A only the second block.
	EXPECT_EQ(walk("S1/many/f100"), expected("S1/many/f100", {"S1"}));
	EXPECT_EQ(walk("S1/many/f100").size(), 1u);
	make_walker({"A"});
	std::set<RefTuple> in_a = walk("S1/many/f100");
	ASSERT_EQ(in_a.size(), 1u);
	EXPECT_EQ(std::get<2>(*in_a.begin()), 4096u);
	EXPECT_EQ(in_a, expected("S1/many/f100", {"A"}));
}

TEST_F(BackrefTest, RefsSayWhichPartOfTheExtentTheyMap)
{
	open(images->old_path);
	make_walker({"A"});
	uint64_t a = images->roots.at("A");
	walk("A/data/f");
	// data/h: file offset 0 maps 64 KiB from extent offset 128 KiB (its
	// backref offset is below 0), 4096000 maps 256 KiB from the start.
	bool seen_h = false;
	for (const tree::ExtentRef& ref : last_->refs) {
		if (ref.file_offset == 4096000) {
			seen_h = true;
			const tree::ExtentRef* first = ref_at(a, ref.ino, 0);
			ASSERT_NE(first, nullptr);
			EXPECT_EQ(first->extent_offset, 131072u);
			EXPECT_EQ(first->num_bytes, 65536u);
			EXPECT_EQ(ref.extent_offset, 0u);
			EXPECT_EQ(ref.num_bytes, 262144u);
		}
	}
	EXPECT_TRUE(seen_h);
	EXPECT_EQ(last_->disk_num_bytes, 1u << 20);
	// The compressed extent: comp/d maps its second half.
	walk("A/comp/c");
	ASSERT_EQ(last_->refs.size(), 2u);
	EXPECT_EQ(last_->refs[1].extent_offset, 65536u);
	EXPECT_EQ(last_->refs[1].num_bytes, 65536u);
	EXPECT_LT(last_->disk_num_bytes, 131072u);
}

TEST_F(BackrefTest, CostGrowsLinearlyWithTheReferences)
{
	open(images->old_path);
	make_walker(kAllRoots);
	double first_per_ref[3] = {};
	int i = 0;
	for (const char* name : {"A/big/r1000", "A/big/r5000", "A/big/r10000"}) {
		tree::BackrefStats before = walker_->stats();
		uint64_t blocks_before = fs_->stats().blocks_read;
		uint64_t bytenr = images->extents.at(name);
		auto start = std::chrono::steady_clock::now();
		auto first = walker_->find(bytenr);
		auto walked = std::chrono::steady_clock::now();
		auto again = walker_->find(bytenr);
		auto cached = std::chrono::steady_clock::now();
		ASSERT_TRUE(first.is_ok() && again.is_ok());
		EXPECT_EQ(first.value().get(), again.value().get());
		std::set<RefTuple> found = walk(name);
		EXPECT_EQ(found, expected(name, kAllRoots)) << name;
		const tree::BackrefStats& after = walker_->stats();
		double ms = std::chrono::duration<double, std::milli>(walked - start).count();
		double cached_us = std::chrono::duration<double, std::micro>(cached - walked).count();
		first_per_ref[i++] = ms / found.size();
		std::printf("  %-13s %6llu backrefs %3llu shared leaves %6zu found %6llu lookups %4llu blocks read: "
			    "%7.2f ms, cached %.1f us\n",
			    name, (unsigned long long)(after.backrefs - before.backrefs),
			    (unsigned long long)(after.shared_leaves - before.shared_leaves), found.size(),
			    (unsigned long long)(after.lookups - before.lookups),
			    (unsigned long long)(fs_->stats().blocks_read - blocks_before), ms, cached_us);
		EXPECT_EQ(after.walks, before.walks + 1);
	}
	// Linear: the time per reference at 10k is within a small factor of
	// the time at 1k (generous, for a loaded machine).
	EXPECT_LT(first_per_ref[2], first_per_ref[0] * 5 + 0.01);
}

TEST_F(BackrefTest, ABoundedWalkAnswersWithAPartOfTheReferences)
{
	open(images->old_path);
	// The send's bounds: an extent of 1000 references is walked whole,
	// one of 10000 only as far as its first 4096 backrefs.
	make_walker(kAllRoots, tree::BackrefWalker::kDefaultCacheRefs, tree::WalkBounds{});
	std::set<RefTuple> whole = walk("A/big/r1000");
	EXPECT_TRUE(last_->complete);
	EXPECT_EQ(whole, expected("A/big/r1000", kAllRoots));
	EXPECT_EQ(walker_->stats().partial, 0u);

	tree::BackrefStats before = walker_->stats();
	std::set<RefTuple> part = walk("A/big/r10000");
	std::set<RefTuple> all = expected("A/big/r10000", kAllRoots);
	EXPECT_FALSE(last_->complete);
	EXPECT_EQ(walker_->stats().partial, 1u);
	EXPECT_TRUE(std::includes(all.begin(), all.end(), part.begin(), part.end())) << "a reference btrfs does not have";
	EXPECT_LT(part.size(), all.size());
	EXPECT_GE(part.size(), 4096u);
	EXPECT_EQ(walker_->stats().backrefs - before.backrefs, 4096u);
	EXPECT_LE(walker_->stats().lookups - before.lookups, 4096u * kAllRoots.size());

	// Tighter bounds hold too: references, then keys.
	make_walker(kAllRoots, tree::BackrefWalker::kDefaultCacheRefs, tree::WalkBounds{4096, 8192, 100});
	part = walk("A/big/r1000");
	EXPECT_FALSE(last_->complete);
	EXPECT_GE(part.size(), 100u);
	EXPECT_LT(part.size(), 100u + kAllRoots.size() * 2);
	make_walker(kAllRoots, tree::BackrefWalker::kDefaultCacheRefs, tree::WalkBounds{4096, 50, 16384});
	part = walk("A/big/r1000");
	EXPECT_FALSE(last_->complete) << walker_->stats().backrefs << " backrefs " << walker_->stats().shared_leaves
				      << " shared leaves " << walker_->stats().lookups << " lookups " << part.size();
	EXPECT_LE(walker_->stats().lookups, 50u * kAllRoots.size());
	all = expected("A/big/r1000", kAllRoots);
	EXPECT_TRUE(std::includes(all.begin(), all.end(), part.begin(), part.end()));
}

TEST_F(BackrefTest, CacheKeepsAnswersWithinItsBound)
{
	open(images->old_path);
	make_walker(kAllRoots, 100);
	walk("A/big/r1000");	// alone over the bound: kept, as the newest
	walk("A/big/r1000");
	EXPECT_EQ(walker_->stats().walks, 1u);
	EXPECT_EQ(walker_->stats().cache_hits, 1u);
	walk("A/data/f");		// pushes big/r1000 out
	walk("A/data/f");
	walk("A/big/r1000");
	EXPECT_EQ(walker_->stats().walks, 3u);
	EXPECT_EQ(walker_->stats().cache_hits, 2u);
}

TEST_F(BackrefTest, ErrorsNameTheBytenrAndTheRoot)
{
	open(images->old_path);
	make_walker({"A"});
	uint64_t inside = images->extents.at("A/data/f") + 4096;
	auto found = walker_->find(inside);
	ASSERT_FALSE(found.is_ok());
	EXPECT_EQ(found.error().errno_value, err::kNoEntry);
	EXPECT_EQ(found.error().bytenr, inside);

	std::vector<u64> missing = {images->roots.at("A"), 4242};
	auto made = tree::BackrefWalker::create(*fs_, Span<const u64>(missing.data(), missing.size()));
	ASSERT_FALSE(made.is_ok());
	EXPECT_EQ(made.error().errno_value, err::kNoEntry);
	EXPECT_EQ(made.error().ino, 4242u);
}

TEST_F(BackrefTest, OutOfMemoryAnywhereIsAnErrorAndLeaksNothing)
{
	open(images->old_path);
	std::vector<uint64_t> ids = root_ids(kAllRoots);
	bool succeeded = false;
	for (long n = 0; n < 4000 && !succeeded; n += 7) {
		posix::fail_allocation_after(n);
		auto made = tree::BackrefWalker::create(*fs_, Span<const u64>(ids.data(), ids.size()));
		if (made.is_ok()) {
			auto found = made.value()->find(images->extents.at("A/many/shared"));
			succeeded = found.is_ok();
			if (!found.is_ok()) {
				EXPECT_EQ(found.error().errno_value, err::kNoMemory) << found.error().cause;
			}
		} else {
			EXPECT_EQ(made.error().errno_value, err::kNoMemory) << made.error().cause;
		}
		posix::fail_allocation_after(-1);
	}
	EXPECT_TRUE(succeeded);
}

// Where the copies of the first shared leaf of a data extent lie in the
// image file (metadata is DUP: two copies).
std::vector<uint64_t> copies_of_shared_leaf(tree::Filesystem& fs, uint64_t disk_bytenr, uint64_t* leaf)
{
	tree::TreeRoot extent_root = fs.tree_root(BTRFS_EXTENT_TREE_OBJECTID).release_value();
	Vec<tree::DataBackref> backrefs;
	EXPECT_TRUE(tree::read_data_backrefs(fs, extent_root, disk_bytenr, &backrefs).is_ok());
	std::vector<uint64_t> physicals;
	for (const tree::DataBackref& backref : backrefs) {
		if (backref.kind != tree::DataBackref::Kind::kShared)
			continue;
		*leaf = backref.parent;
		auto mapping = fs.map(backref.parent, fs.super().nodesize);
		EXPECT_TRUE(mapping.is_ok());
		for (u32 i = 0; i < mapping.value().num_copies; i++)
			physicals.push_back(mapping.value().copies[i].physical);
		return physicals;
	}
	ADD_FAILURE() << "no shared data ref";
	return physicals;
}

TEST_F(BackrefTest, CorruptSharedLeafIsReportedWithItsBytenr)
{
	open(images->old_path);
	uint64_t leaf = 0;
	std::vector<uint64_t> physicals = copies_of_shared_leaf(*fs_, images->extents.at("A/many/shared"), &leaf);
	fs_.reset();
	std::string copy = images->old_path + ".corrupt";
	test::run_command("cp --sparse=always " + images->old_path + " " + copy);
	{
		FILE* file = std::fopen(copy.c_str(), "r+b");
		ASSERT_NE(file, nullptr);
		for (uint64_t physical : physicals) {
			std::fseek(file, static_cast<long>(physical + 200), SEEK_SET);
			std::fputc(0x5a, file);
			std::fputc(0xa5, file);
		}
		std::fclose(file);
	}
	posix::ImageHost host;
	ASSERT_EQ(host.open(copy), 0);
	unlink(copy.c_str());
	auto fs = tree::Filesystem::open(host.host(), 8 << 20).release_value();
	std::vector<uint64_t> ids = root_ids({"S1"});
	auto walker = tree::BackrefWalker::create(*fs, Span<const u64>(ids.data(), ids.size())).release_value();
	auto found = walker->find(images->extents.at("A/many/shared"));
	ASSERT_FALSE(found.is_ok());
	EXPECT_EQ(found.error().errno_value, err::kCorrupt);
	EXPECT_EQ(found.error().bytenr, leaf) << found.error().cause;
	EXPECT_EQ(fs->stats().refreshes, 1u);	// no newer commit explains it
	EXPECT_EQ(fs->stats().newer_commits, 0u);
}

// A send that began before a commit: serves the older commit's image, with
// garbage at the stale physical addresses (blocks freed and reused since),
// until the superblock is read again after one of them was, and the newer
// commit's image from then on.
class CommitDuringWalkHost {
public:
	CommitDuringWalkHost(const std::string& old_path, const std::string& new_path, std::vector<uint64_t> stale)
		: stale_(std::move(stale))
	{
		EXPECT_EQ(old_.open(old_path), 0);
		EXPECT_EQ(new_.open(new_path), 0);
	}
	bsend_host_fs* host() { return &state_.base; }
	bool switched() const { return switched_; }

private:
	struct State {
		bsend_host_fs base;
		CommitDuringWalkHost* self;
	};
	static int read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		CommitDuringWalkHost* self = reinterpret_cast<State*>(fs)->self;
		if (physical == BSEND_SUPER_OFFSET && self->stale_read_)
			self->switched_ = true;
		bool stale = std::find(self->stale_.begin(), self->stale_.end(), physical) != self->stale_.end();
		if (!self->switched_ && stale) {
			self->stale_read_ = true;
			std::memset(buf, 0x6b, len);
			return 0;
		}
		posix::ImageHost& image = self->switched_ ? self->new_ : self->old_;
		return image.host()->read(image.host(), devid, physical, buf, len);
	}

	posix::ImageHost old_;
	posix::ImageHost new_;
	std::vector<uint64_t> stale_;
	bool stale_read_ = false;
	bool switched_ = false;
	State state_{{&CommitDuringWalkHost::read}, this};
};

TEST_F(BackrefTest, ReusedBlockRestartsTheWalkInTheNewerCommit)
{
	open(images->old_path);
	uint64_t leaf = 0;
	std::vector<uint64_t> physicals = copies_of_shared_leaf(*fs_, images->extents.at("A/many/shared"), &leaf);
	uint64_t old_generation = fs_->super().generation;
	fs_.reset();

	CommitDuringWalkHost host(images->old_path, images->image->path(), physicals);
	auto fs = tree::Filesystem::open(host.host(), 8 << 20).release_value();
	std::vector<uint64_t> ids = root_ids(kAllRoots);
	auto walker = tree::BackrefWalker::create(*fs, Span<const u64>(ids.data(), ids.size())).release_value();
	auto found = walker->find(images->extents.at("A/many/shared"));
	ASSERT_TRUE(found.is_ok()) << found.error().cause << " at " << found.error().bytenr;
	EXPECT_TRUE(host.switched());
	EXPECT_EQ(walker->stats().restarts, 1u);
	EXPECT_GT(fs->super().generation, old_generation);
	EXPECT_EQ(found.value()->generation, fs->super().generation);
	std::set<RefTuple> refs;
	for (const tree::ExtentRef& ref : found.value()->refs)
		refs.insert({ref.root, ref.ino, ref.file_offset});
	EXPECT_EQ(refs, expected("A/many/shared", kAllRoots));
}

} // namespace
