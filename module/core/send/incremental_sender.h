// The incremental sender's state and steps (send/incremental_send.h
// describes the passes), shared by the files that implement them:
// incremental_send.cpp (the changes, the run), incremental_names.cpp
// (passes 1 and 2) and incremental_contents.cpp (pass 3).
#pragma once

#include "module/core/send/acl_inheritance.h"
#include "module/core/send/commands.h"
#include "module/core/send/send_options.h"
#include "module/core/support/hash_map.h"
#include "module/core/support/lru_cache.h"
#include "module/core/tree/compare.h"

namespace bsend::send::incremental {

class NameIndex;

// One name of an inode: an entry in a directory.
struct InodeName {
	u64 parent = 0;
	Text name;

	bool same_as(const InodeName& other) const { return parent == other.parent && name.view() == other.name.view(); }
};

// What the compare says about one inode, from both snapshots' inode items.
struct InodeChange {
	u64 ino = 0;
	u64 old_generation = 0;		// 0: not in the parent (or no links there)
	u64 new_generation = 0;		// 0: not in the sent snapshot (or no links)
	u64 old_mode = 0;
	u64 new_mode = 0;
	bool names_changed = false;	// an INODE_REF or INODE_EXTREF differs
	bool replaced = false;		// same generation, but another type or
					// device number: another inode too

	// The inode number was freed and used again: another inode.
	bool reused() const
	{
		return old_generation && new_generation && (old_generation != new_generation || replaced);
	}
	bool is_new() const { return new_generation && (!old_generation || reused()); }
	bool is_gone() const { return old_generation && (!new_generation || reused()); }
	bool survives() const { return old_generation && new_generation && !reused(); }
};

// Whether a change of an item of this type changes its inode: the inode
// item, its names, its xattrs, its data. (A directory's entries belong to
// the inodes they name.)
inline bool is_change_of_inode(u8 key_type)
{
	return key_type == BTRFS_INODE_ITEM_KEY || key_type == BTRFS_INODE_REF_KEY ||
	       key_type == BTRFS_INODE_EXTREF_KEY || key_type == BTRFS_XATTR_ITEM_KEY ||
	       key_type == BTRFS_EXTENT_DATA_KEY;
}

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

class IncrementalSender final : private SentInodes {
public:
	IncrementalSender(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer, const SendOptions& options,
			  const tree::SubvolumeInfo& sent, const tree::SubvolumeInfo& parent)
		: fs_(fs), out_(writer), options_(options), sent_(sent), parent_(parent),
		  command_options_{options.send_file_data, options.control},
		  commands_(fs, data, writer, command_options_), acl_(fs, &parent.root),
		  change_record_limit_(options.change_set_budget / kChangeRecordBytes),
		  parent_first_names_(change_record_limit_ > kFirstNamesKept ? change_record_limit_ : kFirstNamesKept)
	{
	}

	Result<SendStats> run();

	// What one held change costs, about: the record, its index entry, and
	// its first name remembered from the parent.
	static constexpr usize kChangeRecordBytes = 256;
	// The parent's first names remembered at least (pass 3 looks up the
	// same directories again and again).
	static constexpr usize kFirstNamesKept = 4096;

private:
	Result<void> collect_changes();
	Result<void> record_change(const tree::TreeChange& change);
	// Once the last recorded inode's changes are all seen: drops its
	// record if its names stay and such records are no longer held, and
	// stops holding them when the change set outgrows its budget.
	Result<void> settle_last_change();
	Result<void> stop_holding_content_changes();
	static bool changes_contents_only(const InodeChange& change)
	{
		return change.survives() && !change.names_changed;
	}
	// Pass 3's record of an inode whose names stay and which was not held:
	// false when it is not part of either snapshot (no links in both).
	Result<bool> begin_unheld_change(u64 ino, InodeChange* record);
	// Whether ino's inode item reads the same in both snapshots: then its
	// data does too (every change of an inode's items rewrites its inode
	// item, with the transaction's id).
	Result<bool> inode_item_unchanged(u64 ino);
	Result<void> mark_children_of_reused_dirs();
	InodeChange* change_of(u64 ino);

	// Names, as the snapshots and the receiver have them.
	Result<void> read_names(const tree::TreeRoot& root, u64 ino, Vec<InodeName>* names);
	// The first name of ino in the parent snapshot, which never changes:
	// looked up once, then remembered.
	Result<bool> parent_first_name(u64 ino, InodeName* name);
	// Reads ahead, in one batch, the leaves of root holding the items of
	// type of the inodes inos[start, start + the batch's size): for a pass
	// that looks them up one inode at a time, from start on.
	Result<void> read_ahead_items(const tree::TreeRoot& root, u8 type, Span<const u64> inos, usize start);
	Result<void> current_path(u64 ino, Text* path) override;
	// SentInodes, for clones from the send root: an inode the send does
	// not change holds its data already, one it changes once its turn in
	// pass 3 is over.
	Result<bool> has_sent(u64 ino) override;
	Result<void> path_in(u64 dir, StringView name, Text* path);
	Result<void> orphan_name(u64 ino, u64 generation, Text* name);
	Result<u64> depth_in_parent(u64 ino);
	bool dir_exists(u64 dir);
	// Whether name is in names, in a directory that stays the same one
	// (its number not reused).
	bool keeps_name(const NameIndex& names, const InodeName& name);
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
				   const Vec<InodeName>& new_names, const NameIndex& old_names);
	Result<void> set_location(u64 ino, u64 parent, StringView name);
	Result<void> touch(u64 dir);

	// The three passes.
	// Reads ahead, in batches, the parent's leaves that the paths of the
	// changed inodes go through (their names and their directories', up to
	// the root), which the compare mostly stepped over as shared.
	Result<void> read_ahead_parent_names();
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
	// Where the last data (not a hole, not preallocated space) of pass 3's
	// inode ends in the sent snapshot, below its size; 0 when it has none.
	Result<u64> new_data_end();
	// [start, end) of the receiver's file made zeros where the parent had
	// data (clear_range); receiver_size: the receiver's file size now. A
	// v2 punch that ends inside the receiver's last block is left in
	// *eof_punch, widened to the block's end, for the caller to send last.
	Result<void> zero_old_data(StringView path, u64 start, u64 end, u64 receiver_size, FileRange* eof_punch);
	// v2: the block that held the receiver's end of file old_end, where
	// the file grew past it and the sent snapshot has no data in it,
	// punched again (the receiver zeroes its tail on growing), unless
	// punched covered it.
	Result<void> punch_grown_eof_block(StringView path, u64 old_end, const FileRange& punched);
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
	AclInheritance acl_;	// what the receiver's new inodes inherit
	UniquePtr<CloneFinder> clones_;
	u64 sending_ino_ = 0;			// pass 3's inode in progress

	Vec<InodeChange> changes_;		// in inode order
	bool holds_content_changes_ = true;	// changes_contents_only() ones too
	usize change_record_limit_ = 0;		// records held before they are not
	u64 orphan_ino_ = 0;			// the last inode without links in both
	HashMap<u64, usize> change_index_;	// ino -> index in changes_
	LruCache<u64, InodeName> parent_first_names_;	// parent_first_name()'s
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

} // namespace bsend::send::incremental
