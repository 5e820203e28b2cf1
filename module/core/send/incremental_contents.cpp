// Pass 3 of an incremental send (send/incremental_send.h): xattrs, file
// data, attributes and times of the inodes that changed, all of new ones,
// and the UTIMES owed to directories.
#include "module/core/send/incremental_sender.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::send::incremental {

namespace {

// The value of xattr name in an XATTR_ITEM, if it holds one.
Result<bool> find_xattr(Bytes item, StringView name, Bytes* value)
{
	format::DirEntries entries(item);
	format::DirEntry entry;
	while (TRY(entries.next(&entry))) {
		if (entry.name == name) {
			*value = entry.data;
			return true;
		}
	}
	return false;
}

bool same_bytes(Bytes a, Bytes b)
{
	return a.size() == b.size() && bytes_equal(a.data(), b.data(), a.size());
}

} // namespace

// ---- Pass 3: contents ----------------------------------------------------

Result<void> IncrementalSender::send_new_inode(u64 ino)
{
	auto info = TRY(read_inode_info(fs_, sent_.root, ino));
	if (!location_.find(ino))
		return {};	// no name: not part of the tree
	Text path;
	TRY(current_path(ino, &path));
	u64 data_end = 0;
	tree::TreePath items(fs_, sent_.root);
	for (bool more = TRY(items.search({ino, BTRFS_XATTR_ITEM_KEY, 0})); more; more = TRY(items.next())) {
		format::Key key = items.key();
		if (key.objectid != ino)
			break;
		if (key.type == BTRFS_XATTR_ITEM_KEY) {
			TRY(commands_.set_xattrs(path.view(), items.data()));
		} else if (key.type == BTRFS_EXTENT_DATA_KEY) {
			u64 end = TRY(commands_.write_new_extent(info, path.view(), key.offset, items.data()));
			if (end > key.offset)
				data_end = end;
		}
	}
	TRY(acl_.drop_inherited(commands_, sent_.root, ino, path.view()));
	TRY(commands_.set_new_attributes(sent_.root, info, path.view(), data_end));
	if (is_type(info.mode, kDirectory))
		TRY(touch(ino));
	else
		TRY(commands_.utimes(info, path.view()));
	commands_.count_inode();
	return {};
}

Result<void> IncrementalSender::apply_xattr_change(const tree::TreeChange& change, StringView path)
{
	// Names the parent had that the item no longer holds go; names whose
	// value is new or other are set. The capability waits for CHOWN.
	Bytes value;
	format::DirEntry entry;
	format::DirEntries old_entries(change.right);
	while (TRY(old_entries.next(&entry))) {
		if (!TRY(find_xattr(change.left, entry.name, &value))) {
			TRY(commands_.remove_xattr(path, entry.name));
			capability_changed_ |= entry.name == kCapabilityXattr;
		}
	}
	format::DirEntries new_entries(change.left);
	while (TRY(new_entries.next(&entry))) {
		if (TRY(find_xattr(change.right, entry.name, &value)) && same_bytes(value, entry.data))
			continue;
		if (entry.name == kCapabilityXattr)
			capability_changed_ = true;
		else
			TRY(commands_.set_xattr(path, entry.name, entry.data));
	}
	return {};
}

Result<void> IncrementalSender::add_dirty_range(const tree::TreeChange& change)
{
	// The bytes either side's item covers; the compare goes in key order,
	// so ranges come by start and merge with the last one.
	const Bytes sides[] = {change.left, change.right};
	for (Bytes side : sides) {
		if (side.empty())
			continue;
		auto item = TRY(format::FileExtentItemView::over(side));
		FileRange range{change.key.offset, change.key.offset + extent_length(item)};
		if (!dirty_.empty() && range.start <= dirty_.back().end) {
			if (range.end > dirty_.back().end)
				dirty_.back().end = range.end;
			continue;
		}
		TRY(dirty_.push(range));
	}
	return {};
}

template <typename Visit>
Result<void> IncrementalSender::for_each_piece(const tree::TreeRoot& root, u64 ino, u64 start, u64 end, Visit&& visit)
{
	tree::TreePath path(fs_, root);
	bool positioned = TRY(path.search_last_at_or_before({ino, BTRFS_EXTENT_DATA_KEY, start}));
	if (!positioned || path.key().objectid != ino || path.key().type != BTRFS_EXTENT_DATA_KEY)
		positioned = TRY(path.search({ino, BTRFS_EXTENT_DATA_KEY, start}));
	u64 at = start;
	for (; positioned && at < end; positioned = TRY(path.next())) {
		format::Key key = path.key();
		if (key.objectid != ino || key.type != BTRFS_EXTENT_DATA_KEY || key.offset >= end)
			break;
		auto item = TRY(format::FileExtentItemView::over(path.data()));
		u64 item_end = key.offset + extent_length(item);
		if (item_end <= at)
			continue;
		if (key.offset > at) {
			TRY(visit(at, key.offset, static_cast<const format::FileExtentItemView*>(nullptr), 0));
			at = key.offset;
		}
		u64 piece_end = item_end < end ? item_end : end;
		TRY(visit(at, piece_end, extent_has_data(item) ? &item : nullptr, key.offset));
		at = piece_end;
	}
	if (at < end)
		TRY(visit(at, end, static_cast<const format::FileExtentItemView*>(nullptr), 0));
	return {};
}

Result<void> IncrementalSender::zero_old_data(StringView path, u64 start, u64 end, u64 receiver_size,
					     FileRange* eof_punch)
{
	// Only where the parent had data: elsewhere the receiver reads zeros
	// already. Pieces of data that touch are cleared as one range; a hole
	// punched (v2) spans the parent's holes too, so that one command
	// clears the whole range, as the in-kernel send's one FALLOCATE does.
	const bool punch = out_.version() >= 2;
	FileRange pending{0, 0};
	TRY(for_each_piece(parent_.root, content_ino_, start, end,
			   [&](u64 piece_start, u64 piece_end, const format::FileExtentItemView* item,
			       u64) -> Result<void> {
				   if (!item)
					   return {};
				   if (pending.end > pending.start && (punch || pending.end == piece_start)) {
					   pending.end = piece_end;
					   return {};
				   }
				   TRY(commands_.clear_range(content_ino_, path, pending.start, pending.end));
				   pending = {piece_start, piece_end};
				   return {};
			   }));
	// A punch that ends at the receiver's size inside a block would leave
	// that block as zeros there, and so would the receiver's zeroing of
	// that block's tail when the file grows past it later (a WRITE, CLONE
	// or TRUNCATE beyond its end). So it waits for the inode's last data
	// command (write_changed_data) and goes on to the block's end.
	const u64 block = fs_.super().sectorsize;
	if (punch && pending.end > pending.start && pending.end == receiver_size && block && pending.end % block) {
		*eof_punch = {pending.start, pending.end + block - pending.end % block};
		return {};
	}
	return commands_.clear_range(content_ino_, path, pending.start, pending.end);
}

Result<void> IncrementalSender::write_new_data(StringView path, u64 item_offset, const format::FileExtentItemView& item,
					      u64 start, u64 end, u64 old_bytes_end)
{
	u64 at = start;
	if (!item.is_inline() && start < old_bytes_end) {
		u64 compare_end = end < old_bytes_end ? end : old_bytes_end;
		TRY(for_each_piece(parent_.root, content_ino_, start, compare_end,
				   [&](u64 piece_start, u64 piece_end, const format::FileExtentItemView* old,
				       u64 old_offset) -> Result<void> {
					   // The same bytes of the same extent at the same
					   // file offsets: the receiver has them.
					   if (!old || old->is_inline() || old->disk_bytenr() != item.disk_bytenr() ||
					       old->compression() != item.compression() ||
					       old->offset() + item_offset != item.offset() + old_offset)
						   return {};
					   if (piece_start > at)
						   TRY(commands_.write_extent(new_info_, path, item_offset, item, at,
									      piece_start, old_bytes_end));
					   at = piece_end;
					   return {};
				   }));
	}
	return commands_.write_extent(new_info_, path, item_offset, item, at, end, old_bytes_end);
}

Result<u64> IncrementalSender::new_data_end()
{
	// From the last item below the size back over holes and preallocated
	// space.
	tree::TreePath path(fs_, sent_.root);
	const u64 size = new_info_.size;
	for (bool more = TRY(path.search_last_at_or_before({content_ino_, BTRFS_EXTENT_DATA_KEY, size})); more;
	     more = TRY(path.prev())) {
		format::Key key = path.key();
		if (key.objectid != content_ino_ || key.type != BTRFS_EXTENT_DATA_KEY)
			break;
		auto item = TRY(format::FileExtentItemView::over(path.data()));
		if (key.offset < size && extent_has_data(item)) {
			u64 end = key.offset + extent_length(item);
			return end < size ? end : size;
		}
	}
	return 0;
}

Result<void> IncrementalSender::write_changed_data(StringView path)
{
	u64 old_size = old_info_.size, new_size = new_info_.size;
	u64 receiver_size = old_size;
	if (new_size < old_size) {
		TRY(commands_.truncate(path, new_size));
		receiver_size = new_size;
	}
	// Below this the receiver still holds the parent's bytes.
	u64 old_bytes_end = receiver_size;
	bool tail_checked = false;
	FileRange eof_punch{0, 0};	// zero_old_data's, sent last
	for (const FileRange& range : dirty_) {
		u64 end = range.end < new_size ? range.end : new_size;
		if (range.start >= end)
			continue;
		TRY(for_each_piece(sent_.root, content_ino_, range.start, end,
				   [&](u64 start, u64 piece_end, const format::FileExtentItemView* item,
				       u64 item_offset) -> Result<void> {
					   if (item) {
						   // The punch must not reach data sent after it.
						   if (eof_punch.end > start)
							   eof_punch.end = start;
						   TRY(write_new_data(path, item_offset, *item, start, piece_end,
								      old_bytes_end));
						   if (piece_end > receiver_size)
							   receiver_size = piece_end;
						   return {};
					   }
					   if (start >= old_bytes_end)
						   return {};
					   if (!tail_checked && out_.version() < 2) {
						   // No data from here to the end: cut the
						   // receiver's old bytes off rather than
						   // write zeros over them (from v2 one
						   // FALLOCATE punches them, cheaper than
						   // two TRUNCATEs).
						   tail_checked = true;
						   u64 tail = TRY(new_data_end());
						   if (tail <= start) {
							   TRY(commands_.truncate(path, tail));
							   receiver_size = old_bytes_end = tail;
							   return {};
						   }
					   }
					   return zero_old_data(path, start,
								piece_end < old_bytes_end ? piece_end : old_bytes_end,
								receiver_size, &eof_punch);
				   }));
	}
	if (receiver_size != new_size)
		TRY(commands_.truncate(path, new_size));
	if (eof_punch.end > eof_punch.start)
		TRY(commands_.clear_range(content_ino_, path, eof_punch.start, eof_punch.end));
	return punch_grown_eof_block(path, old_bytes_end, eof_punch);
}

Result<void> IncrementalSender::punch_grown_eof_block(StringView path, u64 old_end, const FileRange& punched)
{
	// Growing a file past an end of file inside a block (a WRITE, CLONE
	// or TRUNCATE beyond it) makes the receiver zero that block's tail,
	// which turns the block into data. From v2, where the sent snapshot
	// has no data in that block, it is punched again.
	const u64 block = fs_.super().sectorsize;
	if (out_.version() < 2 || !block || old_end % block == 0 || new_info_.size <= old_end)
		return {};
	const FileRange eof_block{old_end - old_end % block, old_end - old_end % block + block};
	if (punched.start <= eof_block.start && punched.end >= eof_block.end)
		return {};
	bool has_data = false;
	TRY(for_each_piece(sent_.root, content_ino_, eof_block.start, eof_block.end,
			   [&](u64, u64, const format::FileExtentItemView* item, u64) -> Result<void> {
				   has_data |= item != nullptr;
				   return {};
			   }));
	if (has_data)
		return {};
	return commands_.clear_range(content_ino_, path, eof_block.start, eof_block.end);
}

Result<void> IncrementalSender::finish_changed_inode()
{
	if (!content_active_)
		return {};
	content_active_ = false;
	const InodeInfo& info = new_info_;
	if (is_type(info.mode, kRegular) && (!dirty_.empty() || old_info_.size != info.size)) {
		TRY(write_changed_data(content_path_.view()));
		data_changed_ = true;
	}
	bool chowned = false;
	if (item_changed_) {
		if (old_info_.uid != info.uid || old_info_.gid != info.gid) {
			TRY(commands_.chown(content_path_.view(), info.uid, info.gid));
			chowned = true;
		}
		// The receiver's CHOWN clears the setuid and setgid bits: CHMOD
		// gives them back.
		bool mode_changed = (old_info_.mode & 07777) != (info.mode & 07777);
		if (!is_type(info.mode, kSymlink) && (mode_changed || (chowned && (info.mode & kSetIdBits))))
			TRY(commands_.chmod(content_path_.view(), info.mode));
		// As the in-kernel send: changed flags of an inode the parent has,
		// never a symlink's; nothing in v1.
		if (!is_type(info.mode, kSymlink) && old_info_.flags != info.flags)
			TRY(commands_.fileattr(content_path_.view(), info.flags));
	}
	if (chowned || capability_changed_)
		TRY(commands_.send_capability(sent_.root, info.ino, content_path_.view()));
	if (item_changed_ || data_changed_) {
		if (is_type(info.mode, kDirectory))
			TRY(touch(info.ino));
		else
			TRY(commands_.utimes(info, content_path_.view()));
	}
	commands_.count_inode();
	return {};
}

Result<bool> IncrementalSender::begin_unheld_change(u64 ino, InodeChange* record)
{
	// Its names stay, so it is the same inode in both snapshots, unless
	// it has no links in either (then it is in neither: the sent snapshot
	// may have lost its items too).
	format::Key key{ino, BTRFS_INODE_ITEM_KEY, 0};
	tree::TreePath item(fs_, sent_.root);
	if (!TRY(item.search(key)) || item.key() != key)
		return false;
	auto info = TRY(read_inode_info(fs_, sent_.root, ino));
	if (!info.nlink)
		return false;
	record->ino = ino;
	record->old_generation = record->new_generation = info.generation;
	record->old_mode = record->new_mode = info.mode;
	return true;
}

Result<void> IncrementalSender::send_contents()
{
	tree::TreeCompare compare(fs_, sent_.root, parent_.root, &commands_);
	tree::TreeChange change;
	u64 skipping = 0;	// an inode whose contents are already sent
	while (TRY(compare.next(&change))) {
		u64 ino = change.key.objectid;
		if (ino < kRootDir || ino > BTRFS_LAST_FREE_OBJECTID || ino == skipping)
			continue;
		if (!content_active_ || ino != content_ino_) {
			TRY(finish_changed_inode());
			InodeChange* record = change_of(ino);
			InodeChange unheld;
			if (!record && !holds_content_changes_ && is_change_of_inode(change.key.type)) {
				if (!TRY(begin_unheld_change(ino, &unheld))) {
					skipping = ino;
					continue;
				}
				record = &unheld;
			}
			if (!record)
				continue;
			TRY(commands_.checkpoint(ino));
			sending_ino_ = ino;
			if (record->is_new()) {
				TRY(send_new_inode(ino));
				skipping = ino;
				continue;
			}
			if (!record->survives()) {
				skipping = ino;
				continue;
			}
			content_ino_ = ino;
			content_active_ = true;
			item_changed_ = capability_changed_ = data_changed_ = false;
			dirty_.clear();
			old_info_ = TRY(read_inode_info(fs_, parent_.root, ino));
			new_info_ = TRY(read_inode_info(fs_, sent_.root, ino));
			TRY(current_path(ino, &content_path_));
		}
		switch (change.key.type) {
		case BTRFS_INODE_ITEM_KEY:
			item_changed_ = true;
			break;
		case BTRFS_XATTR_ITEM_KEY:
			TRY(apply_xattr_change(change, content_path_.view()));
			data_changed_ = true;
			break;
		case BTRFS_EXTENT_DATA_KEY:
			TRY(add_dirty_range(change));
			break;
		default:
			break;
		}
	}
	return finish_changed_inode();
}

Result<void> IncrementalSender::flush_touched_dirs()
{
	Text path;
	usize batch = fs_.read_ahead_limit() ? fs_.read_ahead_limit() : 1;
	for (usize i = 0; i < touched_order_.size(); i++) {
		u64 dir = touched_order_[i];
		if (i % batch == 0)
			TRY(read_ahead_items(sent_.root, BTRFS_INODE_ITEM_KEY, touched_order_.span(), i));
		InodeChange* change = change_of(dir);
		if (change && !change->new_generation)
			continue;	// gone
		auto info = TRY(read_inode_info(fs_, sent_.root, dir));
		if (!is_type(info.mode, kDirectory))
			continue;	// the number now belongs to a file
		TRY(current_path(dir, &path));
		TRY(commands_.utimes(info, path.view()));
	}
	return {};
}
} // namespace bsend::send::incremental
