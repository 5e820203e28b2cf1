#include "module/core/send/incremental_send.h"

#include "module/core/send/incremental_sender.h"
#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/support/sort.h"
#include "module/core/tree/path.h"

namespace bsend::send {

namespace incremental {

Result<void> IncrementalSender::touch(u64 dir)
{
	if (touched_.find(dir))
		return {};
	TRY(touched_.insert(dir, true));
	return touched_order_.push(dir);
}

InodeChange* IncrementalSender::change_of(u64 ino)
{
	usize* index = change_index_.find(ino);
	return index ? &changes_[*index] : nullptr;
}

Result<void> IncrementalSender::record_change(const tree::TreeChange& change)
{
	const format::Key& key = change.key;
	if (key.objectid < kRootDir || key.objectid > BTRFS_LAST_FREE_OBJECTID)
		return {};
	if (!is_change_of_inode(key.type))
		return {};
	if (key.objectid == orphan_ino_)
		return {};
	if (changes_.empty() || changes_.back().ino != key.objectid) {
		TRY(settle_last_change());
		// An inode without links (deleted while open when the snapshot
		// was taken) is not part of that snapshot's tree: the receiver
		// never had it, or must lose it. Its generation stays 0 there.
		InodeChange record;
		record.ino = key.objectid;
		if (key.type == BTRFS_INODE_ITEM_KEY) {
			u64 new_rdev = 0, old_rdev = 0;
			if (!change.left.empty()) {
				auto item = TRY(format::InodeItemView::over(change.left));
				record.new_generation = item.nlink() ? item.generation() : 0;
				record.new_mode = item.mode();
				new_rdev = item.rdev();
			}
			if (!change.right.empty()) {
				auto item = TRY(format::InodeItemView::over(change.right));
				record.old_generation = item.nlink() ? item.generation() : 0;
				record.old_mode = item.mode();
				old_rdev = item.rdev();
			}
			// A receiver cannot change an inode's type or device
			// number: one that changes is made anew.
			bool is_device = is_type(record.new_mode, kCharDevice) || is_type(record.new_mode, kBlockDevice);
			record.replaced = (record.new_mode & kTypeMask) != (record.old_mode & kTypeMask) ||
					  (is_device && new_rdev != old_rdev);
			if (key.objectid == kRootDir && record.new_generation && record.old_generation) {
				// The root stays the root, whatever its generation
				// (a parent unrelated to the snapshot sent).
				record.old_generation = record.new_generation;
				record.replaced = false;
			}
		} else {
			// The inode item is the same in both: read it once.
			auto info = TRY(read_inode_info(fs_, sent_.root, key.objectid));
			if (info.nlink) {
				record.new_generation = record.old_generation = info.generation;
				record.new_mode = record.old_mode = info.mode;
			}
		}
		if (!record.new_generation && !record.old_generation) {
			orphan_ino_ = key.objectid;	// in neither tree
			return {};
		}
		TRY(change_index_.insert(record.ino, changes_.size()));
		TRY(changes_.push(bsend::move(record)));
	}
	if ((key.type == BTRFS_INODE_REF_KEY || key.type == BTRFS_INODE_EXTREF_KEY) && key.objectid != kRootDir)
		changes_.back().names_changed = true;
	return {};
}

Result<void> IncrementalSender::settle_last_change()
{
	if (changes_.empty())
		return {};
	if (!holds_content_changes_ && changes_contents_only(changes_.back())) {
		change_index_.remove(changes_.back().ino);
		changes_.pop();
		return {};
	}
	if (holds_content_changes_ && changes_.size() > change_record_limit_)
		return stop_holding_content_changes();
	return {};
}

Result<void> IncrementalSender::stop_holding_content_changes()
{
	holds_content_changes_ = false;
	usize kept = 0;
	for (usize i = 0; i < changes_.size(); i++) {
		if (changes_contents_only(changes_[i]))
			continue;
		if (kept != i)
			changes_[kept] = bsend::move(changes_[i]);
		kept++;
	}
	while (changes_.size() > kept)
		changes_.pop();
	change_index_.clear();
	for (usize i = 0; i < changes_.size(); i++)
		TRY(change_index_.insert(changes_[i].ino, i));
	return {};
}

Result<void> IncrementalSender::collect_changes()
{
	TRY(tree::compare_trees(
		fs_, sent_.root, parent_.root, [this](const tree::TreeChange& change) { return record_change(change); },
		&commands_));
	TRY(settle_last_change());
	return mark_children_of_reused_dirs();
}

Result<void> IncrementalSender::mark_children_of_reused_dirs()
{
	// A directory whose number came back with a new generation is another
	// directory: the old one is removed, so every entry it had must move
	// out, even one whose INODE_REF happens to read the same in the new
	// directory (same parent number, name and index).
	usize recorded = changes_.size();
	bool added = false;
	for (usize i = 0; i < recorded; i++) {
		if (!changes_[i].reused() || !is_type(changes_[i].old_mode, kDirectory))
			continue;
		u64 dir = changes_[i].ino;
		tree::TreePath entries(fs_, parent_.root);
		for (bool more = TRY(entries.search({dir, BTRFS_DIR_INDEX_KEY, 0})); more; more = TRY(entries.next())) {
			format::Key key = entries.key();
			if (key.objectid != dir || key.type != BTRFS_DIR_INDEX_KEY)
				break;
			TRY(commands_.checkpoint(dir));
			format::DirEntries items(entries.data());
			format::DirEntry entry;
			while (TRY(items.next(&entry))) {
				u64 child = entry.location.objectid;
				if (entry.location.type != BTRFS_INODE_ITEM_KEY)
					continue;	// a subvolume
				if (InodeChange* known = change_of(child)) {
					known->names_changed = true;
					continue;
				}
				auto info = TRY(read_inode_info(fs_, parent_.root, child));
				InodeChange record;
				record.ino = child;
				record.old_generation = record.new_generation = info.generation;
				record.old_mode = record.new_mode = info.mode;
				record.names_changed = true;
				TRY(change_index_.insert(child, changes_.size()));
				TRY(changes_.push(bsend::move(record)));
				added = true;
			}
		}
	}
	if (!added)
		return {};
	// Back into inode order, which every pass relies on.
	heap_sort(changes_.data(), changes_.size(),
		  [](const InodeChange& a, const InodeChange& b) { return a.ino < b.ino; });
	for (usize i = 0; i < changes_.size(); i++)
		TRY(change_index_.insert(changes_[i].ino, i));
	return {};
}

Result<bool> IncrementalSender::inode_item_unchanged(u64 ino)
{
	format::Key key{ino, BTRFS_INODE_ITEM_KEY, 0};
	tree::TreePath in_sent(fs_, sent_.root);
	tree::TreePath in_parent(fs_, parent_.root);
	if (!TRY(in_sent.search(key)) || in_sent.key() != key)
		return false;
	if (!TRY(in_parent.search(key)) || in_parent.key() != key)
		return false;
	Bytes sent_item = in_sent.data();
	Bytes parent_item = in_parent.data();
	return sent_item.size() == parent_item.size() && bytes_equal(sent_item.data(), parent_item.data(), sent_item.size());
}

Result<bool> IncrementalSender::has_sent(u64 ino)
{
	if (ino < sending_ino_)
		return true;
	if (change_of(ino))
		return false;
	// Not held: unchanged, or (when content changes are not held) changed
	// and still to come in pass 3.
	return holds_content_changes_ || TRY(inode_item_unchanged(ino));
}

Result<SendStats> IncrementalSender::run()
{
	if (options_.stream_header)
		TRY(out_.write_header());
	TRY(commands_.begin_subvolume(options_.name, sent_, &parent_));
	clones_ = TRY(CloneFinder::create(fs_, options_.subvolume, options_.parent, options_.clone_sources));
	commands_.set_clone_finder(clones_.get(), this);
	commands_.set_last_ino(TRY(highest_inode(fs_, sent_.root)));
	TRY(collect_changes());
	TRY(read_ahead_parent_names());
	TRY(clear_names());
	TRY(place_names());
	TRY(send_contents());
	TRY(flush_touched_dirs());
	// Nothing the stream holds may come from a snapshot that changed
	// under the send (tree/subvolume_watch.h): check before the END.
	TRY(fs_.check_watched_unchanged());
	if (options_.end_command)
		TRY(commands_.end());
	return commands_.stats();
}

} // namespace incremental

Result<SendStats> incremental_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
				   const SendOptions& options)
{
	auto sent = TRY(tree::read_subvolume(fs, options.subvolume));
	auto parent = TRY(tree::read_subvolume(fs, options.parent));
	if (!sent.has_uuids || !parent.has_uuids)
		return Error::make(err::kNotSupported, "subvolume root item predates uuids")
			.at_ino(sent.has_uuids ? options.parent : options.subvolume);
	UniquePtr<incremental::IncrementalSender> sender(create<incremental::IncrementalSender>(fs, data, writer, options, sent, parent));
	if (!sender)
		return Error::make(err::kNoMemory, "out of memory");
	return sender->run();
}

} // namespace bsend::send
