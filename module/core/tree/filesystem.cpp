#include "module/core/tree/filesystem.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"
#include "module/core/tree/raid_parity.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/subvolume_watch.h"

namespace bsend::tree {

namespace {


// Subvolume trees share blocks: a snapshot's tree holds blocks owned by the
// subvolume it was taken from, so any subvolume id (or a relocation tree)
// is a valid owner there.
bool is_fs_tree_owner(u64 owner)
{
	return owner == BTRFS_FS_TREE_OBJECTID ||
	       (owner >= BTRFS_FIRST_FREE_OBJECTID && owner <= BTRFS_LAST_FREE_OBJECTID) ||
	       owner == static_cast<u64>(BTRFS_TREE_RELOC_OBJECTID) ||
	       owner == static_cast<u64>(BTRFS_DATA_RELOC_TREE_OBJECTID);
}

Error block_error(const char* cause, u64 bytenr) { return Error::make(err::kCorrupt, cause).at_bytenr(bytenr); }

} // namespace

bool is_global_tree(u64 tree_id)
{
	switch (tree_id) {
	case BTRFS_ROOT_TREE_OBJECTID:
	case BTRFS_EXTENT_TREE_OBJECTID:
	case BTRFS_CHUNK_TREE_OBJECTID:
	case BTRFS_DEV_TREE_OBJECTID:
	case BTRFS_CSUM_TREE_OBJECTID:
	case BTRFS_QUOTA_TREE_OBJECTID:
	case BTRFS_UUID_TREE_OBJECTID:
	case BTRFS_FREE_SPACE_TREE_OBJECTID:
	case BTRFS_BLOCK_GROUP_TREE_OBJECTID:
	case BTRFS_RAID_STRIPE_TREE_OBJECTID:
		return true;
	default:
		return false;
	}
}

Result<UniquePtr<Filesystem>> Filesystem::open(bsend_host_fs* host, usize cache_bytes)
{
	UniquePtr<Filesystem> fs(create<Filesystem>(host));
	if (!fs)
		return Error::make(err::kNoMemory, "out of memory");
	TRY(read_super(host, &fs->super_));
	fs->buffers_ = TRY(BlockBufferPool::create_pool(fs->super_.nodesize));
	fs->cache_.set_capacity(cache_bytes / fs->super_.nodesize);
	TRY(fs->load_chunks());
	return fs;
}

Result<void> Filesystem::load_chunks()
{
	chunks_.clear();
	TRY(chunks_.add_sys_chunk_array(Bytes(super_.sys_chunk_array, super_.sys_chunk_array_size)));
	TreePath path(*this, TRY(tree_root(BTRFS_CHUNK_TREE_OBJECTID)));
	format::Key first{BTRFS_FIRST_CHUNK_TREE_OBJECTID, BTRFS_CHUNK_ITEM_KEY, 0};
	for (bool more = TRY(path.search(first)); more; more = TRY(path.next())) {
		format::Key key = path.key();
		if (key.type != BTRFS_CHUNK_ITEM_KEY)
			continue;
		auto chunk = TRY(format::ChunkView::over(path.data()));
		TRY(chunks_.add(key.offset, chunk));
	}
	return {};
}

Result<bool> Filesystem::refresh()
{
	if (checking_watched_)
		return false;
	if (!watched_unchanged_.is_ok())
		return watched_unchanged_.error();
	u64 old_generation = super_.generation;
	stats_.refreshes++;
	// read_super leaves super_ as it was when the read fails.
	auto read = read_super(host_, &super_);
	if (!read.is_ok()) {
		if (read.error().errno_value != err::kCrossDevice)
			return read.error();
		// The device answered for this filesystem at the start: a
		// device remove or replace has since wiped its superblock.
		watched_unchanged_ = Error::make(err::kStale,
						 "a device of the filesystem was removed or replaced "
						 "during the send (its superblock is gone)")
					     .at_bytenr(BSEND_SUPER_OFFSET);
		return watched_unchanged_.error();
	}
	if (super_.generation == old_generation)
		return false;
	stats_.newer_commits++;
	TRY(load_chunks());
	TRY(check_watched());
	return true;
}

Result<void> Filesystem::check_watched()
{
	checking_watched_ = true;
	Result<void> checked;
	for (const WatchedSubvolume& subvolume : watched_) {
		checked = check_watched_subvolume(subvolume, read_subvolume(*this, subvolume.tree_id));
		if (!checked.is_ok())
			break;
	}
	checking_watched_ = false;
	if (!checked.is_ok() && checked.error().errno_value == err::kStale)
		watched_unchanged_ = checked;
	return checked;
}

Result<TreeRoot> Filesystem::tree_root(u64 tree_id)
{
	if (tree_id == BTRFS_ROOT_TREE_OBJECTID)
		return TreeRoot{tree_id, super_.root, super_.generation, super_.root_level};
	if (tree_id == BTRFS_CHUNK_TREE_OBJECTID)
		return TreeRoot{tree_id, super_.chunk_root, super_.chunk_root_generation, super_.chunk_root_level};

	auto subvolume = TRY(read_subvolume(*this, tree_id));
	return subvolume.root;
}

Result<BlockRef> Filesystem::read_block(const BlockExpectation& expect)
{
	CacheKey key{expect.bytenr, expect.generation};
	if (BlockRef* cached = cache_.get(key)) {
		const format::TreeBlockView& view = (*cached)->view();
		if (view.level() != expect.level)
			return block_error("cached tree block has another level", expect.bytenr)
				.mismatch(expect.level, view.level());
		TRY(check_first_key(expect, view));
		stats_.cache_hits++;
		return *cached;
	}
	if (is_in_flight(expect)) {
		// Once its batch is in, the block is cached (or, if it was bad,
		// read again below, no longer in flight).
		TRY(finish_read_ahead_of(expect));
		return read_block(expect);
	}
	auto mapping = TRY(chunks_.map(expect.bytenr, super_.nodesize));
	Error last_error = Error::make(err::kIo, "no copy of the tree block").at_bytenr(expect.bytenr);
	// Each copy in turn, then (RAID5/6) the block rebuilt from parity.
	u32 attempts = mapping.num_copies + (mapping.row_data > 0 ? 1 : 0);
	for (u32 i = 0; i < attempts; i++) {
		bool rebuild = i == mapping.num_copies;
		auto block = rebuild ? rebuild_from_parity(expect, mapping) : read_copy(expect, mapping.copies[i]);
		if (block.is_ok()) {
			stats_.blocks_read++;
			stats_.blocks_rebuilt += rebuild ? 1 : 0;
			BlockRef ref = block.release_value();
			TRY(cache_.put(key, ref));
			return ref;
		}
		if (block.error().errno_value == err::kNoMemory)
			return block.error();
		// A copy's own error says what was wrong with the block, unless
		// its device is missing and the rebuild found something else.
		if (!rebuild || last_error.errno_value == err::kNoDevice)
			last_error = block.error();
	}
	return last_error;
}

Result<BlockRef> Filesystem::rebuild_from_parity(const BlockExpectation& expect, const Mapping& mapping)
{
	const u32 size = mapping.row_size();
	const RowShape shape{mapping.row_data, mapping.row_parity, mapping.row_target};
	BlockBuffer read[kMaxRowStripes];
	const u8* elements[kMaxRowStripes] = {};
	Error unreadable;
	u32 num_unreadable = 0;
	for (u32 s = 0; s < size; s++) {
		if (s == mapping.row_target)
			continue;
		read[s] = TRY(buffers_->take());
		auto got = read_stripe(mapping.row[s], read[s]);
		if (got.is_ok()) {
			elements[s] = read[s].data();
			continue;
		}
		if (got.error().errno_value == err::kNoMemory)
			return got.error();
		unreadable = got.error();
		unreadable.at_bytenr(expect.bytenr);
		num_unreadable++;
	}
	BlockBuffer scratch = TRY(buffers_->take());
	// As read first: P, or Q where P or another data element is unreadable.
	// With all of a RAID6 row read, a block that still fails may have a
	// bad P or a bad other data element beside it: Q rebuilds it without
	// each of them in turn.
	u32 tries = num_unreadable == 0 && mapping.row_parity == 2 ? mapping.row_data + 1 : 1;
	Error last;
	for (u32 t = 0; t < tries; t++) {
		// Try t > 0 leaves out row element t - 1 (P for the target's own).
		u32 left_out = t == 0 ? kMaxRowStripes : (t - 1 == mapping.row_target ? mapping.row_data : t - 1);
		const u8* used[kMaxRowStripes];
		for (u32 s = 0; s < size; s++)
			used[s] = s == left_out ? nullptr : elements[s];
		BlockBuffer bytes = TRY(buffers_->take());
		auto rebuilt = rebuild_data_element(shape, used, bytes.size(), bytes.data(), scratch.data());
		if (!rebuilt.is_ok()) {
			if (num_unreadable)
				return unreadable;
			Error error = rebuilt.error();
			return error.at_bytenr(expect.bytenr);
		}
		auto block = check_block(expect, bsend::move(bytes));
		if (block.is_ok() || block.error().errno_value == err::kNoMemory)
			return block;
		last = block.error();
	}
	return last;
}

Result<void> Filesystem::read_stripe(const Stripe& stripe, BlockBuffer& bytes)
{
	int ret = bsend_host_read(host_, stripe.devid, stripe.physical, bytes.data(), bytes.size());
	if (ret == -err::kNoDevice) {
		note_missing_device(stripe.devid);
		return Error::make(err::kNoDevice, "the device of a copy of the tree block is missing")
			.on_device(stripe.devid);
	}
	if (ret < 0)
		return Error::make(-ret, "cannot read tree block").on_device(stripe.devid).mismatch(0, stripe.physical);
	return {};
}

Result<BlockRef> Filesystem::read_copy(const BlockExpectation& expect, const Stripe& copy)
{
	BlockBuffer bytes = TRY(buffers_->take());
	auto got = read_stripe(copy, bytes);
	if (!got.is_ok()) {
		Error error = got.error();
		return error.at_bytenr(expect.bytenr);
	}
	return check_block(expect, bsend::move(bytes));
}

void Filesystem::note_missing_device(u64 devid)
{
	if (is_missing_device(devid) || next_missing_ == kRememberedMissingDevices)
		return;
	missing_devices_[next_missing_++] = devid;
}

bool Filesystem::is_missing_device(u64 devid) const
{
	for (u64 missing : missing_devices_) {
		if (missing == devid)
			return true;
	}
	return false;
}

Result<void> Filesystem::check_first_key(const BlockExpectation& expect, const format::TreeBlockView& view)
{
	if (!expect.has_first_key)
		return {};
	// A block below a node is never empty, and starts at its pointer's key:
	// a node whose pointers name one subtree under other keys is caught here.
	if (view.nritems() == 0)
		return block_error("empty tree block below a node", expect.bytenr);
	format::Key first = view.key(0);
	if (first != expect.first_key)
		return block_error("tree block's first key differs from its parent's pointer", expect.bytenr)
			.mismatch(expect.first_key.objectid, first.objectid);
	return {};
}

Result<BlockRef> Filesystem::check_block(const BlockExpectation& expect, BlockBuffer bytes)
{
	Bytes raw(bytes.data(), bytes.size());
	auto view = TRY(format::TreeBlockView::over(raw, expect.bytenr));
	u8 digest[BSEND_CSUM_MAX];
	Bytes covered = view.checksummed();
	int length = bsend_host_checksum(static_cast<bsend_csum_type>(super_.csum_type), covered.data(),
					 covered.size(), digest);
	if (length < 0)
		return Error::make(-length, "cannot compute a tree block checksum").at_bytenr(expect.bytenr);
	if (!bytes_equal(digest, view.csum(), super_.csum_size))
		return block_error("tree block checksum mismatch", expect.bytenr)
			.mismatch(load_le32(view.csum()), load_le32(digest));
	if (view.bytenr() != expect.bytenr)
		return block_error("tree block records another bytenr", expect.bytenr)
			.mismatch(expect.bytenr, view.bytenr());
	if (!bytes_equal(view.fsid(), super_.metadata_fsid, BTRFS_FSID_SIZE))
		return block_error("tree block fsid is not this filesystem's", expect.bytenr);
	if (view.level() != expect.level)
		return block_error("tree block level differs from its parent's pointer", expect.bytenr)
			.mismatch(expect.level, view.level());
	if (view.generation() != expect.generation)
		return block_error("tree block generation differs from its parent's pointer", expect.bytenr)
			.mismatch(expect.generation, view.generation());
	TRY(check_first_key(expect, view));
	bool owner_ok = is_global_tree(expect.tree_id) ? view.owner() == expect.tree_id
						       : is_fs_tree_owner(view.owner());
	if (!owner_ok)
		return block_error("tree block owner does not belong to the tree", expect.bytenr)
			.mismatch(expect.tree_id, view.owner());
	return make_ref<TreeBlock>(bsend::move(bytes), view, buffers_);
}

} // namespace bsend::tree
