// Passes 1 and 2 of an incremental send (send/incremental_send.h): the
// names that go away, then the inodes and names that come; and the paths
// the receiver has in between.
#include "module/core/send/incremental_sender.h"

#include "module/core/send/ancestor_walk.h"
#include "module/core/send/inode_names.h"
#include "module/core/send/name_index.h"
#include "module/core/send/path_builder.h"
#include "module/core/support/errno.h"
#include "module/core/support/sort.h"
#include "module/core/tree/path.h"
#include "module/core/tree/read_ahead.h"

namespace bsend::send::incremental {

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

Result<bool> IncrementalSender::parent_first_name(u64 ino, InodeName* name)
{
	if (InodeName* known = parent_first_names_.get(ino)) {
		name->parent = known->parent;
		name->name.clear();
		TRY(name->name.append(known->name.view()));
		return true;
	}
	if (!TRY(first_name_in(fs_, parent_.root, ino, &name->parent, &name->name)))
		return false;
	InodeName kept;
	kept.parent = name->parent;
	TRY(kept.name.append(name->name.view()));
	TRY(parent_first_names_.put(ino, bsend::move(kept)));
	return true;
}

Result<void> IncrementalSender::read_ahead_items(const tree::TreeRoot& root, u8 type, Span<const u64> inos,
						 usize start)
{
	Vec<format::Key> keys;
	usize end = start + fs_.read_ahead_limit();
	for (usize i = start; i < inos.size() && i < end; i++)
		TRY(keys.push(format::Key{inos.data()[i], type, 0}));
	heap_sort(keys.data(), keys.size(), [](const format::Key& a, const format::Key& b) { return a < b; });
	return tree::read_ahead_leaves_for(fs_, root, keys.span());
}

Result<void> IncrementalSender::read_ahead_parent_names()
{
	// One level of the paths at a time: the changed inodes that the parent
	// has, then the directories their first names are in, and so on up.
	// Each level's leaves are read a batch at a time, and that batch's
	// names are looked up (and remembered) before the next batch is read.
	Vec<u64> level;
	for (const InodeChange& change : changes_)
		if (change.old_generation)
			TRY(level.push(change.ino));
	HashMap<u64, bool> seen;
	Vec<u64> above;
	InodeName name;
	usize batch = fs_.read_ahead_limit() ? fs_.read_ahead_limit() : 1;
	while (!level.empty()) {
		heap_sort(level.data(), level.size(), [](u64 a, u64 b) { return a < b; });
		above.clear();
		for (usize start = 0; start < level.size(); start += batch) {
			TRY(read_ahead_items(parent_.root, BTRFS_INODE_REF_KEY, level.span(), start));
			for (usize i = start; i < level.size() && i < start + batch; i++) {
				u64 ino = level[i];
				if (!TRY(parent_first_name(ino, &name)) || name.parent == ino || seen.find(name.parent))
					continue;
				TRY(seen.insert(name.parent, true));
				TRY(above.push(name.parent));
			}
		}
		level = bsend::move(above);
		above = Vec<u64>();
	}
	return {};
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
	// the ones this send gave, else the first name in the parent.
	InodeName parent_name;
	return build_path(ino, out, [&](u64 at, Text* name, u64* parent) -> Result<bool> {
		if (InodeName* moved = location_.find(at)) {
			*parent = moved->parent;
			TRY(name->append(moved->name.view()));
			return true;
		}
		if (!TRY(parent_first_name(at, &parent_name)))
			return Error::make(err::kEngineLimit, "inode has no name in the parent snapshot").at_ino(at);
		*parent = parent_name.parent;
		TRY(name->append(parent_name.name.view()));
		return true;
	});
}

Result<void> IncrementalSender::path_in(u64 dir, StringView name, Text* path)
{
	TRY(current_path(dir, path));
	if (path->length())
		TRY(path->append("/"));
	TRY(path->append(name));
	if (path->length() > kMaxPathBytes)
		return Error::make(err::kNameTooLong, "path longer than PATH_MAX")
			.at_ino(dir)
			.mismatch(kMaxPathBytes, path->length());
	return {};
}

Result<void> IncrementalSender::orphan_name(u64 ino, u64 generation, Text* out)
{
	// The first that neither snapshot's root directory holds: never a
	// name the receiver has or will be given.
	return make_orphan_name(ino, generation, out, [this](StringView name) -> Result<bool> {
		return TRY(dir_has_name(fs_, parent_.root, kRootDir, name)) ||
		       TRY(dir_has_name(fs_, sent_.root, kRootDir, name));
	});
}

Result<u64> IncrementalSender::depth_in_parent(u64 ino)
{
	InodeName name;
	AncestorWalk walk(ino, err::kCorrupt);
	for (u64 at = ino; at != kRootDir; at = name.parent) {
		if (!TRY(parent_first_name(at, &name)))
			return Error::make(err::kEngineLimit, "directory has no name in the parent snapshot").at_ino(at);
		TRY(walk.step_to(name.parent));
	}
	return walk.depth();
}

bool IncrementalSender::dir_exists(u64 dir)
{
	InodeChange* change = change_of(dir);
	if (!change || !change->is_new())
		return true;
	return created_.find(dir) != nullptr;
}

bool IncrementalSender::keeps_name(const NameIndex& names, const InodeName& name)
{
	InodeChange* dir = change_of(name.parent);
	if (dir && dir->reused())
		return false;
	return names.contains(name);
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
	TRY(acl_.created(dir, true, kRootDir));
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
	// The receiver's names now: the ones this send gave, else the parent's.
	AncestorWalk walk(dir, err::kEngineLimit);
	for (u64 at = dir; at != kRootDir;) {
		if (at == ino)
			return true;
		if (InodeName* moved = location_.find(at)) {
			at = moved->parent;
		} else {
			if (!TRY(parent_first_name(at, &name)))
				return Error::make(err::kEngineLimit, "directory has no name in the parent snapshot")
					.at_ino(at);
			at = name.parent;
		}
		TRY(walk.step_to(at));
	}
	return false;
}

Result<bool> IncrementalSender::move_directly(const InodeChange& change, StringView from, u64 from_dir,
					      const Vec<InodeName>& new_names, const NameIndex& old_names)
{
	for (const InodeName& target : new_names) {
		TRY(commands_.checkpoint(change.ino));
		if (keeps_name(old_names, target))
			continue;
		InodeChange* dir = change_of(target.parent);
		// A directory whose number is used again is made in pass 2, once
		// the old inode of that number is gone: paths and locations name
		// inodes by number, and two of one number at once would mix.
		if (dir && dir->reused())
			continue;
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
			TRY(commands_.checkpoint(change.ino));
			TRY(path_in(name.parent, name.name.view(), &path));
			TRY(commands_.unlink(path.view()));
			TRY(touch(name.parent));
		}
		location_.remove(change.ino);
		return {};
	}

	TRY(read_names(sent_.root, change.ino, &new_names));
	NameIndex old_index, new_index;
	TRY(old_index.build(old_names));
	TRY(new_index.build(new_names));
	const InodeName* kept = nullptr;
	for (const InodeName& name : old_names) {
		if (keeps_name(new_index, name)) {
			kept = &name;
			break;
		}
	}
	if (is_type(change.old_mode, kDirectory)) {
		if (kept || old_names.empty())
			return {};
		TRY(current_path(change.ino, &path));
		if (TRY(move_directly(change, path.view(), old_names[0].parent, new_names, old_index)))
			return {};
		return orphanize(change, path.view(), old_names[0].parent);
	}
	bool orphaned = false;
	for (const InodeName& name : old_names) {
		TRY(commands_.checkpoint(change.ino));
		if (keeps_name(new_index, name))
			continue;
		TRY(path_in(name.parent, name.name.view(), &path));
		if (!kept && !orphaned) {
			// The inode keeps none of its names: the first one it loses
			// becomes its first new one if that is free, else its
			// orphan name, which keeps it alive.
			if (!TRY(move_directly(change, path.view(), name.parent, new_names, old_index)))
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
	Vec<const InodeChange*> clearing;
	Vec<u64> clearing_inos;
	for (const InodeChange& change : changes_) {
		if (!clears_names(change))
			continue;
		TRY(clearing.push(&change));
		TRY(clearing_inos.push(change.ino));
	}
	usize batch = fs_.read_ahead_limit() ? fs_.read_ahead_limit() : 1;
	for (usize i = 0; i < clearing.size(); i++) {
		const InodeChange& change = *clearing[i];
		if (i % batch == 0)
			TRY(read_ahead_items(parent_.root, BTRFS_INODE_REF_KEY, clearing_inos.span(), i));
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
		TRY(acl_.created(change.ino, is_type(info.mode, kDirectory), first.parent));
		TRY(set_location(change.ino, first.parent, first.name.view()));
		TRY(created_.insert(change.ino, true));
		TRY(touch(first.parent));
	}
	NameIndex old_index;
	TRY(old_index.build(old_names));
	for (const InodeName& name : new_names) {
		TRY(commands_.checkpoint(change.ino));
		if (keeps_name(old_index, name))
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
	Vec<const InodeChange*> placing;
	Vec<u64> placing_inos;
	for (const InodeChange& change : changes_) {
		if (change.ino == kRootDir || !(change.is_new() || (change.survives() && change.names_changed)))
			continue;
		TRY(placing.push(&change));
		TRY(placing_inos.push(change.ino));
	}
	usize batch = fs_.read_ahead_limit() ? fs_.read_ahead_limit() : 1;
	for (usize i = 0; i < placing.size(); i++) {
		if (i % batch == 0)
			TRY(read_ahead_items(sent_.root, BTRFS_INODE_REF_KEY, placing_inos.span(), i));
		TRY(commands_.checkpoint(placing[i]->ino));
		TRY(place_names_of(*placing[i]));
	}
	if (orphaned_.size())
		return Error::make(err::kEngineLimit, "inodes left under orphan names after every name was made")
			.mismatch(0, orphaned_.size());
	return {};
}
} // namespace bsend::send::incremental
