// One btrfs filesystem as the engine sees it: the newest committed
// superblock, the chunk map, and validated, cached tree block reads through
// the host. Everything is read-only.
#pragma once

#include "module/core/support/lru_cache.h"
#include "module/core/support/unique_ptr.h"
#include "module/core/tree/block.h"
#include "module/core/tree/chunk_map.h"
#include "module/core/tree/super.h"

namespace bsend::tree {

// The root block of one tree, as the superblock or its root item records it.
struct TreeRoot {
	u64 tree_id = 0;
	u64 bytenr = 0;
	u64 generation = 0;
	u8 level = 0;
};

// What a root block must be: what its root item or the superblock records,
// with no parent pointer, so no first key to match.
inline BlockExpectation root_expectation(const TreeRoot& root)
{
	return {root.bytenr, root.generation, root.level, root.tree_id, {}, false};
}

// A subvolume a send reads (the sent snapshot, its parent, a clone source)
// as it was when the send started; subvolume_watch.h says what every newer
// commit must still show of it.
struct WatchedSubvolume {
	u64 tree_id = 0;
	u64 ctransid = 0;
};

// What the reader did: its reads, cache hits and recoveries.
struct ReaderStats {
	u64 blocks_read = 0;	// blocks read from the devices and validated
	u64 blocks_rebuilt = 0;	// of blocks_read, RAID5/6 blocks rebuilt from parity
	u64 cache_hits = 0;
	u64 refreshes = 0;	// superblock re-reads after a bad block
	u64 newer_commits = 0;	// of refreshes, those that moved to a newer commit
	u64 blocks_read_ahead = 0;	// of blocks_read, those read by read_ahead()
	u64 read_ahead_batches = 0;	// batches of host reads read_ahead() issued
};

// The most blocks one read_ahead() reads in a batch: enough to keep a device
// busy, few enough that the batch's buffers stay small (1 MiB of 16 KiB
// blocks). Each batch costs one wait, which under TCG is milliseconds: the
// 1M-file incremental benchmark at 1/20 reads about 1,800 blocks ahead, in
// 143 batches of at most 16.
constexpr usize kReadAheadMaxBlocks = 64;

// The most read-ahead batches in flight at once: one for each tree of a
// compare, so that neither tree's next leaves wait for the other's.
constexpr usize kReadAheadBatchesInFlight = 2;

// The block cache of a send, in bytes (2,048 blocks of 16 KiB). The
// incremental passes look up again leaves that the compare read long
// before: on the 1% of 1M files benchmark at 1/20, an 8 MiB cache read
// 5,686 blocks where 2,003 are distinct, 16 MiB 4,545, 32 MiB 2,003. The
// buffers are exact pages (BlockBuffer), so this is the memory it takes.
constexpr usize kSendBlockCacheBytes = 32 << 20;

// A read-ahead batch on its way: what each block must be, its buffer, and
// the host's requests and batch. Destroying it waits for the reads, so that
// no buffer is freed while a device writes into it.
struct BlocksInFlight {
	BlocksInFlight() = default;
	~BlocksInFlight() { bsend_host_read_finish(batch); }
	BlocksInFlight(const BlocksInFlight&) = delete;
	BlocksInFlight& operator=(const BlocksInFlight&) = delete;

	Vec<BlockExpectation> expected;
	Vec<BlockBuffer> buffers;
	Vec<bsend_read_request> requests;
	bsend_read_batch* batch = nullptr;
};

class Filesystem {
public:
	// Opens the filesystem behind host: superblock, system chunks, chunk
	// tree. cache_bytes bounds the block cache.
	static Result<UniquePtr<Filesystem>> open(bsend_host_fs* host, usize cache_bytes);

	// Not opened yet: use open().
	explicit Filesystem(bsend_host_fs* host) : host_(host), cache_(1) {}

	const FsSuper& super() const { return super_; }
	bsend_host_fs* host() const { return host_; }
	const ReaderStats& stats() const { return stats_; }

	// Reads the block, from the cache or the devices, and validates it
	// against the expectation: checksum, bytenr, fsid, level, generation,
	// owner, and layout. A block that fails on one copy is tried on the
	// next copy. Fails with -EUCLEAN naming the bytenr and the mismatch.
	Result<BlockRef> read_block(const BlockExpectation& expect);

	// Whether the block is in the cache; its place in the cache's recency
	// order is unchanged.
	bool is_cached(const BlockExpectation& expect) const
	{
		return cache_.contains({expect.bytenr, expect.generation});
	}

	// The most blocks one read_ahead() reads: kReadAheadMaxBlocks, or a
	// quarter of the cache when that is less, so that a batch does not
	// push out of the cache the blocks it read before they are used.
	usize read_ahead_limit() const;

	// Reads ahead the blocks of `blocks` that are neither cached nor in
	// flight, the first read_ahead_limit() of them, in one batch of host
	// reads, each from its first copy on a device not found missing, and
	// waits for them.
	Result<void> read_ahead(Span<const BlockExpectation> blocks);

	// The same, except that it returns once the reads are issued, for the
	// caller to go on while the device reads: the batch stays in flight
	// until a read_block() of one of its blocks or finish_read_ahead_of().
	// At most kReadAheadBatchesInFlight batches are
	// in flight: starting one more first finishes the oldest.
	Result<void> start_read_ahead(Span<const BlockExpectation> blocks);

	// Waits for the batch in flight that holds expect, if any; validates
	// each of its blocks as read_block() does and caches the valid ones.
	// Advisory: a block that cannot be mapped, read or validated is left
	// out, for read_block() to read again and report. Fails only when out
	// of memory.
	Result<void> finish_read_ahead_of(const BlockExpectation& expect);

	// Whether the block is in a batch in flight.
	bool is_in_flight(const BlockExpectation& expect) const;

	// Whether a read from devid found it missing.
	bool is_missing_device(u64 devid) const;

	// Re-reads the primary superblock. Returns true when a newer commit is
	// on disk, after reloading the chunk map from it and checking every
	// watched subvolume in it: -ESTALE when one changed, then and on
	// every later call.
	Result<bool> refresh();

	// From now on, every newer commit refresh() moves to must show the
	// subvolume as it is (subvolume_watch.h).
	Result<void> watch_subvolume(const WatchedSubvolume& subvolume) { return watched_.push(subvolume); }

	// -ESTALE when a commit newer than the last one looked at is on disk
	// and a watched subvolume changed in it: what a send asks before its
	// END, so that no stream of a snapshot that changed under it ends as
	// if whole.
	Result<void> check_watched_unchanged()
	{
		TRY(refresh());
		return {};
	}

	// The copies of a logical range of metadata or data.
	Result<Mapping> map(u64 logical, u64 length) const { return chunks_.map(logical, length); }
	Result<u64> contiguous_bytes(u64 logical) const { return chunks_.contiguous_bytes(logical); }

	// The root of a tree: the root and chunk trees from the superblock,
	// every other tree from its ROOT_ITEM in the root tree.
	Result<TreeRoot> tree_root(u64 tree_id);

private:
	Result<void> load_chunks();
	// Every watched subvolume against the current commit.
	Result<void> check_watched();
	Result<BlockRef> read_copy(const BlockExpectation& expect, const Stripe& copy);
	// A block's worth of bytes from stripe; -ENODEV naming the device when
	// the host has no such device.
	Result<void> read_stripe(const Stripe& stripe, BlockBuffer& bytes);
	// The block rebuilt from the rest of its RAID5/6 full stripe
	// (raid_parity.h), validated: from P, or from Q where P or one more
	// data element cannot be read; with a whole RAID6 row read, also
	// leaving out P or each other data element in turn.
	Result<BlockRef> rebuild_from_parity(const BlockExpectation& expect, const Mapping& mapping);
	// Devices the host answered -ENODEV for (missing from a degraded
	// mount): read-ahead takes another copy.
	void note_missing_device(u64 devid);
	// Validates the bytes read for expect: checksum, bytenr, fsid, level,
	// generation, owner, layout. Fails with -EUCLEAN naming the mismatch.
	Result<BlockRef> check_block(const BlockExpectation& expect, BlockBuffer bytes);
	static Result<void> check_first_key(const BlockExpectation& expect, const format::TreeBlockView& view);

	struct CacheKey {
		u64 bytenr = 0;
		u64 generation = 0;
		bool operator==(const CacheKey& other) const
		{
			return bytenr == other.bytenr && generation == other.generation;
		}
	};
	friend u64 hash_of(const CacheKey& key) { return bsend::hash_of(key.bytenr ^ (key.generation << 40)); }

	bsend_host_fs* host_;
	FsSuper super_;
	ChunkMap chunks_;
	RefPtr<BlockBufferPool> buffers_;	// of nodesize bytes
	LruCache<CacheKey, BlockRef> cache_;
	// Issues the batch of start_read_ahead(); true when one went out (it is
	// then the newest in flight).
	Result<bool> issue_read_ahead(Span<const BlockExpectation> blocks);
	// Waits for the batch in flight at index, caches its blocks, and moves
	// the newer ones down.
	Result<void> finish_batch(usize index);
	usize batches_in_flight() const;
	// The index of the batch in flight that holds expect, or
	// kReadAheadBatchesInFlight when none does.
	usize batch_holding(const BlockExpectation& expect) const;

	// Destroyed first: waits for the reads before anything else goes.
	// Oldest first.
	UniquePtr<BlocksInFlight> in_flight_[kReadAheadBatchesInFlight];
	ReaderStats stats_;
	// The first devices found missing; more are not remembered, only read
	// ahead in vain.
	static constexpr u32 kRememberedMissingDevices = 8;
	u64 missing_devices_[kRememberedMissingDevices] = {};
	u32 next_missing_ = 0;
	Vec<WatchedSubvolume> watched_;
	// Set while check_watched() reads root items: a bad block there is
	// reported, not recovered from with yet another refresh.
	bool checking_watched_ = false;
	// A watched subvolume's change, once found: every later refresh() and
	// check fails with it again, so that a caller that goes on without
	// what failed (the clone finder writes instead of cloning) cannot
	// take the send past it to an END.
	Result<void> watched_unchanged_;
};

// Tree ids whose blocks must all carry their own tree id as owner.
bool is_global_tree(u64 tree_id);

} // namespace bsend::tree
