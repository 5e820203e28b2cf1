#include "module/core/send/incremental_send.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/support/hash_map.h"
#include "module/core/support/sort.h"
#include "module/core/tree/compare.h"
#include "module/core/tree/path.h"

namespace bsend::send {

namespace {

// One name of an inode: an entry in a directory.
struct InodeName {
	u64 parent = 0;
	Text name;

	bool same_as(const InodeName& other) const { return parent == other.parent && name.view() == other.name.view(); }
};

// What the compare says about one inode, from both snapshots' inode items.
struct InodeChange {
	u64 ino = 0;
	u64 old_generation = 0;		// 0: not in the parent
	u64 new_generation = 0;		// 0: not in the sent snapshot
	u64 old_mode = 0;
	u64 new_mode = 0;
	bool names_changed = false;	// an INODE_REF or INODE_EXTREF differs

	// The inode number was freed and used again: another inode.
	bool reused() const { return old_generation && new_generation && old_generation != new_generation; }
	bool is_new() const { return new_generation && (!old_generation || reused()); }
	bool is_gone() const { return old_generation && (!new_generation || reused()); }
	bool survives() const { return old_generation && new_generation && !reused(); }
};

// A directory of the parent that is gone, and where it was there.
struct GoneDir {
	u64 ino = 0;
	u64 generation = 0;
	u64 parent = 0;
	u64 depth = 0;
};

// A range of file offsets, [start, end).
struct FileRange {
	u64 start = 0;
	u64 end = 0;
};

bool same_name_in(const Vec<InodeName>& names, const InodeName& name)
{
	for (const InodeName& candidate : names)
		if (candidate.same_as(name))
			return true;
	return false;
}

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

class IncrementalSender {
public:
	IncrementalSender(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer, const SendOptions& options,
			  const tree::SubvolumeInfo& sent, const tree::SubvolumeInfo& parent)
		: fs_(fs), out_(writer), options_(options), sent_(sent), parent_(parent),
		  command_options_{options.send_file_data, options.control},
		  commands_(fs, data, writer, command_options_)
	{
	}

	Result<SendStats> run();

private:
	Result<void> collect_changes();
	Result<void> record_change(const tree::TreeChange& change);
	Result<void> mark_children_of_reused_dirs();
	InodeChange* change_of(u64 ino);

	// Names, as the snapshots and the receiver have them.
	Result<void> read_names(const tree::TreeRoot& root, u64 ino, Vec<InodeName>* names);
	Result<bool> first_name(const tree::TreeRoot& root, u64 ino, InodeName* name);
	Result<void> current_path(u64 ino, Text* path);
	Result<void> path_in(u64 dir, StringView name, Text* path);
	Result<void> orphan_name(u64 ino, u64 generation, Text* name);
	Result<bool> root_has_name(const tree::TreeRoot& root, StringView name);
	Result<u64> depth_in_parent(u64 ino);
	bool dir_exists(u64 dir);
	// Whether name is in names, in a directory that stays the same one
	// (its number not reused).
	bool keeps_name(const Vec<InodeName>& names, const InodeName& name);
	// Makes a new directory under its orphan name if it is not made yet.
	Result<void> ensure_dir_exists(u64 dir);
	// Whether name is free in the receiver now, during pass 1, which
	// handles inodes in order: the parent's entry there is gone once its
	// inode was handled, unless that inode is a directory still to rmdir.
	Result<bool> name_free_now(u64 ino, const InodeName& name);
	// Whether dir is inside ino (or is ino) in the receiver now.
	Result<bool> is_inside(u64 dir, u64 ino);
	// Pass 1's move straight to the first new name, when it is free and
	// no loop would result: one RENAME instead of two.
	Result<bool> move_directly(const InodeChange& change, StringView from, u64 from_dir,
				   const Vec<InodeName>& new_names, const Vec<InodeName>& old_names);
	Result<void> set_location(u64 ino, u64 parent, StringView name);
	Result<void> touch(u64 dir);

	// The three passes.
	Result<void> clear_names();
	Result<void> clear_names_of(const InodeChange& change);
	Result<void> orphanize(const InodeChange& change, StringView from, u64 from_dir);
	// Whether pass 1 has work for the inode: it is gone, or loses names.
	bool clears_names(const InodeChange& change) const
	{
		return change.ino != kRootDir && (change.is_gone() || (change.survives() && change.names_changed));
	}
	Result<void> shorten_gone_dirs(const Vec<GoneDir>& gone_dirs, HashMap<u64, bool>& losing_entries);
	Result<void> remove_gone_dirs(const Vec<GoneDir>& gone_dirs);
	Result<void> place_names();
	Result<void> place_names_of(const InodeChange& change);
	Result<void> place(u64 ino, const InodeName& name);
	Result<void> send_contents();
	Result<void> send_new_inode(u64 ino);
	Result<void> finish_changed_inode();
	Result<void> apply_xattr_change(const tree::TreeChange& change, StringView path);
	Result<void> add_dirty_range(const tree::TreeChange& change);
	Result<void> write_changed_data(StringView path);
	Result<void> zero_old_data(StringView path, u64 start, u64 end);
	// WRITEs of [start, end) of a data extent, but not of the parts where
	// the parent's file has the same bytes of the same extent.
	Result<void> write_new_data(StringView path, u64 item_offset, const format::FileExtentItemView& item, u64 start,
				    u64 end, u64 old_bytes_end);
	// Calls visit(start, end, item) for the pieces of [start, end) of
	// ino's data in root: item is null for a hole (none, a hole item, or
	// preallocated space).
	template <typename Visit>
	Result<void> for_each_piece(const tree::TreeRoot& root, u64 ino, u64 start, u64 end, Visit&& visit);
	Result<void> flush_touched_dirs();

	tree::Filesystem& fs_;
	stream::StreamWriter& out_;
	const SendOptions& options_;
	const tree::SubvolumeInfo& sent_;
	const tree::SubvolumeInfo& parent_;
	const CommandOptions command_options_;
	Commands commands_;

	Vec<InodeChange> changes_;		// in inode order
	HashMap<u64, usize> change_index_;	// ino -> index in changes_
	HashMap<u64, InodeName> location_;	// a name the receiver has now, where
						// it is not the first name in the parent
	HashMap<u64, bool> created_;		// new inodes made so far
	HashMap<u64, bool> orphaned_;		// inodes under their orphan name
	HashMap<u64, bool> touched_;		// directories owed UTIMES
	Vec<u64> touched_order_;

	// Pass 3's inode in progress (a surviving one).
	u64 content_ino_ = 0;
	bool content_active_ = false;
	bool item_changed_ = false;
	bool capability_changed_ = false;
	bool data_changed_ = false;
	InodeInfo old_info_, new_info_;
	Vec<FileRange> dirty_;
	Text content_path_;
};

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
	if (key.type != BTRFS_INODE_ITEM_KEY && key.type != BTRFS_INODE_REF_KEY &&
	    key.type != BTRFS_INODE_EXTREF_KEY && key.type != BTRFS_XATTR_ITEM_KEY &&
	    key.type != BTRFS_EXTENT_DATA_KEY)
		return {};
	if (changes_.empty() || changes_.back().ino != key.objectid) {
		InodeChange record;
		record.ino = key.objectid;
		if (key.type == BTRFS_INODE_ITEM_KEY) {
			if (!change.left.empty()) {
				auto item = TRY(format::InodeItemView::over(change.left));
				record.new_generation = item.generation();
				record.new_mode = item.mode();
			}
			if (!change.right.empty()) {
				auto item = TRY(format::InodeItemView::over(change.right));
				record.old_generation = item.generation();
				record.old_mode = item.mode();
			}
		} else {
			// The inode item is the same in both: read it once.
			auto info = TRY(read_inode_info(fs_, sent_.root, key.objectid));
			record.new_generation = record.old_generation = info.generation;
			record.new_mode = record.old_mode = info.mode;
		}
		TRY(change_index_.insert(record.ino, changes_.size()));
		TRY(changes_.push(bsend::move(record)));
	}
	if ((key.type == BTRFS_INODE_REF_KEY || key.type == BTRFS_INODE_EXTREF_KEY) && key.objectid != kRootDir)
		changes_.back().names_changed = true;
	return {};
}

Result<void> IncrementalSender::collect_changes()
{
	TRY(tree::compare_trees(fs_, sent_.root, parent_.root,
				[this](const tree::TreeChange& change) { return record_change(change); }));
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

Result<void> IncrementalSender::read_names(const tree::TreeRoot& root, u64 ino, Vec<InodeName>* names)
{
	names->clear();
	tree::TreePath path(fs_, root);
	for (bool more = TRY(path.search({ino, BTRFS_INODE_REF_KEY, 0})); more; more = TRY(path.next())) {
		format::Key key = path.key();
		if (key.objectid != ino || (key.type != BTRFS_INODE_REF_KEY && key.type != BTRFS_INODE_EXTREF_KEY))
			break;
		format::AnyInodeRefs refs(key, path.data());
		format::NamedRef ref;
		while (TRY(refs.next(&ref))) {
			InodeName name;
			name.parent = ref.parent;
			TRY(name.name.append(ref.name));
			TRY(names->push(bsend::move(name)));
		}
	}
	return {};
}

Result<bool> IncrementalSender::first_name(const tree::TreeRoot& root, u64 ino, InodeName* name)
{
	tree::TreePath path(fs_, root);
	if (!TRY(path.search({ino, BTRFS_INODE_REF_KEY, 0})))
		return false;
	format::Key key = path.key();
	if (key.objectid != ino || (key.type != BTRFS_INODE_REF_KEY && key.type != BTRFS_INODE_EXTREF_KEY))
		return false;
	format::AnyInodeRefs refs(key, path.data());
	format::NamedRef ref;
	if (!TRY(refs.next(&ref)))
		return false;
	name->parent = ref.parent;
	name->name.clear();
	TRY(name->name.append(ref.name));
	return true;
}

Result<void> IncrementalSender::set_location(u64 ino, u64 parent, StringView name)
{
	InodeName location;
	location.parent = parent;
	TRY(location.name.append(name));
	return location_.insert(ino, bsend::move(location));
}

Result<void> IncrementalSender::current_path(u64 ino, Text* out)
{
	// Up from ino to the root through the names the receiver has now:
	// the ones this send gave, else the first name in the parent. Brent's
	// cycle detection turns a reference loop (corrupt metadata) into an
	// error instead of a hang.
	Vec<Text> names;
	InodeName parent_name;
	u64 at = ino;
	u64 marker = ino, steps_since_marker = 0, marker_interval = 1;
	while (at != kRootDir) {
		Text name;
		u64 parent;
		if (InodeName* moved = location_.find(at)) {
			parent = moved->parent;
			TRY(name.append(moved->name.view()));
		} else {
			if (!TRY(first_name(parent_.root, at, &parent_name)))
				return Error::make(err::kCorrupt, "inode has no name in the parent snapshot").at_ino(at);
			parent = parent_name.parent;
			TRY(name.append(parent_name.name.view()));
		}
		TRY(names.push(bsend::move(name)));
		at = parent;
		if (at == marker)
			return Error::make(err::kCorrupt, "directory references form a loop").at_ino(ino);
		if (++steps_since_marker == marker_interval) {
			marker = at;
			marker_interval *= 2;
			steps_since_marker = 0;
		}
	}
	out->clear();
	for (usize i = names.size(); i > 0; i--) {
		TRY(out->append(names[i - 1].view()));
		if (i > 1)
			TRY(out->append("/"));
	}
	return {};
}

Result<void> IncrementalSender::path_in(u64 dir, StringView name, Text* path)
{
	TRY(current_path(dir, path));
	if (path->length())
		TRY(path->append("/"));
	return path->append(name);
}

Result<bool> IncrementalSender::root_has_name(const tree::TreeRoot& root, StringView name)
{
	tree::TreePath path(fs_, root);
	format::Key key{kRootDir, BTRFS_DIR_ITEM_KEY, name_hash(name)};
	if (!TRY(path.search(key)) || path.key() != key)
		return false;
	format::DirEntries entries(path.data());
	format::DirEntry entry;
	while (TRY(entries.next(&entry)))
		if (entry.name == name)
			return true;
	return false;
}

Result<void> IncrementalSender::orphan_name(u64 ino, u64 generation, Text* out)
{
	// o<ino>-<gen>-<n>, with the first n that neither snapshot's root
	// directory holds: never a name the receiver has or will be given.
	for (u64 n = 0;; n++) {
		out->clear();
		TRY(out->append("o"));
		TRY(out->append_decimal(ino));
		TRY(out->append("-"));
		TRY(out->append_decimal(generation));
		TRY(out->append("-"));
		TRY(out->append_decimal(n));
		if (!TRY(root_has_name(parent_.root, out->view())) && !TRY(root_has_name(sent_.root, out->view())))
			return {};
	}
}

Result<u64> IncrementalSender::depth_in_parent(u64 ino)
{
	InodeName name;
	u64 depth = 0;
	for (u64 at = ino; at != kRootDir; depth++) {
		if (!TRY(first_name(parent_.root, at, &name)))
			return Error::make(err::kCorrupt, "directory has no name in the parent snapshot").at_ino(at);
		if (depth > BTRFS_LAST_FREE_OBJECTID)
			return Error::make(err::kCorrupt, "directory references form a loop").at_ino(ino);
		at = name.parent;
	}
	return depth;
}

bool IncrementalSender::dir_exists(u64 dir)
{
	InodeChange* change = change_of(dir);
	if (!change || !change->is_new())
		return true;
	return created_.find(dir) != nullptr;
}

bool IncrementalSender::keeps_name(const Vec<InodeName>& names, const InodeName& name)
{
	InodeChange* dir = change_of(name.parent);
	if (dir && dir->reused())
		return false;
	return same_name_in(names, name);
}

Result<void> IncrementalSender::ensure_dir_exists(u64 dir)
{
	if (dir_exists(dir))
		return {};
	InodeChange* change = change_of(dir);
	auto info = TRY(read_inode_info(fs_, sent_.root, dir));
	Text orphan;
	TRY(orphan_name(dir, change->new_generation, &orphan));
	TRY(commands_.create(sent_.root, info, orphan.view()));
	TRY(set_location(dir, kRootDir, orphan.view()));
	TRY(orphaned_.insert(dir, true));
	TRY(created_.insert(dir, true));
	return touch(kRootDir);
}

Result<bool> IncrementalSender::name_free_now(u64 ino, const InodeName& name)
{
	tree::TreePath path(fs_, parent_.root);
	format::Key key{name.parent, BTRFS_DIR_ITEM_KEY, name_hash(name.name.view())};
	if (!TRY(path.search(key)) || path.key() != key)
		return true;
	format::DirEntries entries(path.data());
	format::DirEntry entry;
	while (TRY(entries.next(&entry))) {
		if (!(entry.name == name.name.view()))
			continue;
		u64 owner = entry.location.objectid;
		if (owner >= ino)
			return false;	// not handled yet
		InodeChange* change = change_of(owner);
		if (!change || !(change->is_gone() || change->names_changed))
			return false;	// keeps its names
		if (change->is_gone() && is_type(change->old_mode, kDirectory))
			return false;	// removed at the end of pass 1
		// A surviving owner that kept this very name cannot be: the
		// name is the new one of ino.
		return true;
	}
	return true;
}

Result<bool> IncrementalSender::is_inside(u64 dir, u64 ino)
{
	InodeName name;
	for (u64 at = dir, steps = 0; at != kRootDir; steps++) {
		if (at == ino)
			return true;
		if (steps > BTRFS_LAST_FREE_OBJECTID)
			return Error::make(err::kCorrupt, "directory references form a loop").at_ino(dir);
		if (InodeName* moved = location_.find(at)) {
			at = moved->parent;
			continue;
		}
		if (!TRY(first_name(parent_.root, at, &name)))
			return Error::make(err::kCorrupt, "directory has no name in the parent snapshot").at_ino(at);
		at = name.parent;
	}
	return false;
}

Result<bool> IncrementalSender::move_directly(const InodeChange& change, StringView from, u64 from_dir,
					      const Vec<InodeName>& new_names, const Vec<InodeName>& old_names)
{
	for (const InodeName& target : new_names) {
		if (keeps_name(old_names, target))
			continue;
		InodeChange* dir = change_of(target.parent);
		if (dir && !dir->survives())
			TRY(ensure_dir_exists(target.parent));
		if (!TRY(name_free_now(change.ino, target)))
			continue;
		if (is_type(change.new_mode, kDirectory) && TRY(is_inside(target.parent, change.ino)))
			continue;
		Text to;
		TRY(path_in(target.parent, target.name.view(), &to));
		TRY(commands_.rename(from, to.view()));
		TRY(set_location(change.ino, target.parent, target.name.view()));
		TRY(touch(from_dir));
		TRY(touch(target.parent));
		return true;
	}
	return false;
}

// ---- Pass 1: clear the names that go away ----------------------------

Result<void> IncrementalSender::orphanize(const InodeChange& change, StringView from, u64 from_dir)
{
	Text orphan;
	TRY(orphan_name(change.ino, change.old_generation, &orphan));
	TRY(commands_.rename(from, orphan.view()));
	TRY(set_location(change.ino, kRootDir, orphan.view()));
	TRY(orphaned_.insert(change.ino, true));
	TRY(touch(from_dir));
	return touch(kRootDir);
}

Result<void> IncrementalSender::clear_names_of(const InodeChange& change)
{
	Vec<InodeName> old_names, new_names;
	TRY(read_names(parent_.root, change.ino, &old_names));
	Text path;
	if (change.is_gone()) {
		for (const InodeName& name : old_names) {
			TRY(path_in(name.parent, name.name.view(), &path));
			TRY(commands_.unlink(path.view()));
			TRY(touch(name.parent));
		}
		location_.remove(change.ino);
		return {};
	}

	TRY(read_names(sent_.root, change.ino, &new_names));
	const InodeName* kept = nullptr;
	for (const InodeName& name : old_names)
		if (!kept && keeps_name(new_names, name))
			kept = &name;
	if (is_type(change.old_mode, kDirectory)) {
		if (kept || old_names.empty())
			return {};
		TRY(current_path(change.ino, &path));
		if (TRY(move_directly(change, path.view(), old_names[0].parent, new_names, old_names)))
			return {};
		return orphanize(change, path.view(), old_names[0].parent);
	}
	bool orphaned = false;
	for (const InodeName& name : old_names) {
		if (keeps_name(new_names, name))
			continue;
		TRY(path_in(name.parent, name.name.view(), &path));
		if (!kept && !orphaned) {
			// The inode keeps none of its names: the first one it loses
			// becomes its first new one if that is free, else its
			// orphan name, which keeps it alive.
			if (!TRY(move_directly(change, path.view(), name.parent, new_names, old_names)))
				TRY(orphanize(change, path.view(), name.parent));
			orphaned = true;
			continue;
		}
		TRY(commands_.unlink(path.view()));
		TRY(touch(name.parent));
	}
	if (kept)
		TRY(set_location(change.ino, kept->parent, kept->name.view()));
	return {};
}

Result<void> IncrementalSender::clear_names()
{
	// The gone directories, and the directories that lose entries.
	Vec<GoneDir> gone_dirs;
	HashMap<u64, bool> losing_entries;
	Vec<InodeName> old_names;
	for (const InodeChange& change : changes_) {
		if (!clears_names(change))
			continue;
		TRY(read_names(parent_.root, change.ino, &old_names));
		for (const InodeName& name : old_names)
			TRY(losing_entries.insert(name.parent, true));
		if (change.is_gone() && is_type(change.old_mode, kDirectory)) {
			GoneDir dir;
			dir.ino = change.ino;
			dir.generation = change.old_generation;
			dir.parent = old_names.empty() ? kRootDir : old_names[0].parent;
			dir.depth = TRY(depth_in_parent(change.ino));
			TRY(gone_dirs.push(dir));
		}
	}
	heap_sort(gone_dirs.data(), gone_dirs.size(),
		  [](const GoneDir& a, const GoneDir& b) { return a.depth < b.depth; });
	TRY(shorten_gone_dirs(gone_dirs, losing_entries));
	for (const InodeChange& change : changes_) {
		if (!clears_names(change) || (change.is_gone() && is_type(change.old_mode, kDirectory)))
			continue;
		TRY(commands_.checkpoint(change.ino));
		TRY(clear_names_of(change));
	}
	return remove_gone_dirs(gone_dirs);
}

Result<void> IncrementalSender::shorten_gone_dirs(const Vec<GoneDir>& gone_dirs, HashMap<u64, bool>& losing_entries)
{
	// Top down: a gone directory that loses entries moves to its orphan
	// name when that is shorter than its path, so that the paths below it,
	// for the unlinks, moves and removals to come, stay short.
	Text path, orphan;
	for (const GoneDir& dir : gone_dirs) {
		if (!losing_entries.find(dir.ino))
			continue;
		TRY(commands_.checkpoint(dir.ino));
		TRY(current_path(dir.ino, &path));
		TRY(orphan_name(dir.ino, dir.generation, &orphan));
		if (path.length() <= orphan.length())
			continue;
		TRY(commands_.rename(path.view(), orphan.view()));
		TRY(set_location(dir.ino, kRootDir, orphan.view()));
		TRY(touch(dir.parent));
		TRY(touch(kRootDir));
	}
	return {};
}

Result<void> IncrementalSender::remove_gone_dirs(const Vec<GoneDir>& gone_dirs)
{
	// Bottom up: each is empty by now (its entries were unlinked or moved
	// away, its gone subdirectories are deeper).
	Text path;
	for (usize i = gone_dirs.size(); i > 0; i--) {
		const GoneDir& dir = gone_dirs[i - 1];
		TRY(commands_.checkpoint(dir.ino));
		TRY(current_path(dir.ino, &path));
		TRY(commands_.rmdir(path.view()));
		InodeName* moved = location_.find(dir.ino);
		TRY(touch(moved ? moved->parent : dir.parent));
		location_.remove(dir.ino);
	}
	return {};
}

// ---- Pass 2: make new inodes and the names they gain ------------------

Result<void> IncrementalSender::place(u64 ino, const InodeName& name)
{
	Text to, from;
	TRY(path_in(name.parent, name.name.view(), &to));
	TRY(current_path(ino, &from));
	if (orphaned_.find(ino)) {
		TRY(commands_.rename(from.view(), to.view()));
		TRY(set_location(ino, name.parent, name.name.view()));
		orphaned_.remove(ino);
		TRY(touch(kRootDir));
	} else {
		TRY(commands_.link(to.view(), from.view()));
	}
	return touch(name.parent);
}

Result<void> IncrementalSender::place_names_of(const InodeChange& change)
{
	Vec<InodeName> old_names, new_names;
	TRY(read_names(sent_.root, change.ino, &new_names));
	if (change.survives())
		TRY(read_names(parent_.root, change.ino, &old_names));
	// An inode without a name (unlinked, still open when the snapshot
	// was taken) is not part of the tree.
	if (new_names.empty())
		return {};
	if (change.is_new() && !created_.find(change.ino)) {
		auto info = TRY(read_inode_info(fs_, sent_.root, change.ino));
		const InodeName& first = new_names[0];
		TRY(ensure_dir_exists(first.parent));
		Text path;
		TRY(path_in(first.parent, first.name.view(), &path));
		TRY(commands_.create(sent_.root, info, path.view()));
		TRY(set_location(change.ino, first.parent, first.name.view()));
		TRY(created_.insert(change.ino, true));
		TRY(touch(first.parent));
	}
	for (const InodeName& name : new_names) {
		if (keeps_name(old_names, name))
			continue;
		InodeName* now = location_.find(change.ino);
		if (now && now->same_as(name))
			continue;	// made already
		TRY(ensure_dir_exists(name.parent));
		TRY(place(change.ino, name));
	}
	return {};
}

Result<void> IncrementalSender::place_names()
{
	for (const InodeChange& change : changes_) {
		if (change.ino == kRootDir || !(change.is_new() || (change.survives() && change.names_changed)))
			continue;
		TRY(commands_.checkpoint(change.ino));
		TRY(place_names_of(change));
	}
	if (orphaned_.size())
		return Error::make(err::kCorrupt, "inodes left under orphan names after every name was made")
			.mismatch(0, orphaned_.size());
	return {};
}

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

Result<void> IncrementalSender::zero_old_data(StringView path, u64 start, u64 end)
{
	// Only where the parent had data: elsewhere the receiver reads zeros
	// already.
	return for_each_piece(parent_.root, content_ino_, start, end,
			      [&](u64 piece_start, u64 piece_end, const format::FileExtentItemView* item, u64) {
				      if (!item)
					      return Result<void>();
				      return commands_.write_zeros(path, piece_start, piece_end);
			      });
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
									      piece_start));
					   at = piece_end;
					   return {};
				   }));
	}
	return commands_.write_extent(new_info_, path, item_offset, item, at, end);
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
	for (const FileRange& range : dirty_) {
		u64 end = range.end < new_size ? range.end : new_size;
		if (range.start >= end)
			continue;
		TRY(for_each_piece(sent_.root, content_ino_, range.start, end,
				   [&](u64 start, u64 piece_end, const format::FileExtentItemView* item,
				       u64 item_offset) -> Result<void> {
					   if (item) {
						   TRY(write_new_data(path, item_offset, *item, start, piece_end,
								      old_bytes_end));
						   if (piece_end > receiver_size)
							   receiver_size = piece_end;
						   return {};
					   }
					   if (start >= old_bytes_end)
						   return {};
					   return zero_old_data(path, start,
								piece_end < old_bytes_end ? piece_end : old_bytes_end);
				   }));
	}
	if (receiver_size != new_size)
		TRY(commands_.truncate(path, new_size));
	return {};
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
		if (!is_type(info.mode, kSymlink) && (old_info_.mode & 07777) != (info.mode & 07777))
			TRY(commands_.chmod(content_path_.view(), info.mode));
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

Result<void> IncrementalSender::send_contents()
{
	tree::TreeCompare compare(fs_, sent_.root, parent_.root);
	tree::TreeChange change;
	u64 skipping = 0;	// an inode whose contents are already sent
	while (TRY(compare.next(&change))) {
		u64 ino = change.key.objectid;
		if (ino < kRootDir || ino > BTRFS_LAST_FREE_OBJECTID || ino == skipping)
			continue;
		if (!content_active_ || ino != content_ino_) {
			TRY(finish_changed_inode());
			InodeChange* record = change_of(ino);
			if (!record)
				continue;
			TRY(commands_.checkpoint(ino));
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
	for (u64 dir : touched_order_) {
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

Result<SendStats> IncrementalSender::run()
{
	if (options_.stream_header)
		TRY(out_.write_header());
	TRY(commands_.begin_subvolume(options_.name, sent_, &parent_));
	commands_.set_last_ino(TRY(highest_inode(fs_, sent_.root)));
	TRY(collect_changes());
	TRY(clear_names());
	TRY(place_names());
	TRY(send_contents());
	TRY(flush_touched_dirs());
	if (options_.end_command)
		TRY(commands_.end());
	return commands_.stats();
}

} // namespace

Result<SendStats> incremental_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
				   const SendOptions& options)
{
	auto sent = TRY(tree::read_subvolume(fs, options.subvolume));
	auto parent = TRY(tree::read_subvolume(fs, options.parent));
	if (!sent.has_uuids || !parent.has_uuids)
		return Error::make(err::kNotSupported, "subvolume root item predates uuids")
			.at_ino(sent.has_uuids ? options.parent : options.subvolume);
	UniquePtr<IncrementalSender> sender(create<IncrementalSender>(fs, data, writer, options, sent, parent));
	if (!sender)
		return Error::make(err::kNoMemory, "out of memory");
	return sender->run();
}

} // namespace bsend::send
