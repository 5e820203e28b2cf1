// The stream commands a send is made of, built from the engine's values:
// one method per command (or per small group that always goes together),
// so the full and the incremental sender say what they do and share how
// it is encoded. Counts commands and file data, and runs the checkpoint
// (progress, cancellation) before each piece of file data.
#pragma once

#include "module/core/format/items.h"
#include "module/core/send/clone_finder.h"
#include "module/core/send/file_data.h"
#include "module/core/send/inode_info.h"
#include "module/core/send/text.h"
#include "module/core/stream/writer.h"
#include "module/core/tree/compare.h"
#include "module/core/tree/subvolume.h"

namespace bsend::send {

// The root directory of every subvolume.
constexpr u64 kRootDir = BTRFS_FIRST_FREE_OBJECTID;

constexpr u64 kTypeMask = 0170000;
constexpr u64 kRegular = 0100000, kDirectory = 0040000, kSymlink = 0120000, kCharDevice = 0020000,
	      kBlockDevice = 0060000, kFifo = 0010000, kSocket = 0140000;
inline bool is_type(u64 mode, u64 type) { return (mode & kTypeMask) == type; }
constexpr u64 kSetIdBits = 06000;	// S_ISUID | S_ISGID

constexpr StringView kCapabilityXattr = "security.capability";
constexpr StringView kAclAccessXattr = "system.posix_acl_access";
constexpr StringView kAclDefaultXattr = "system.posix_acl_default";

// The key offset of a DIR_ITEM or XATTR_ITEM: crc32c seeded with ~1, no
// inversions (btrfs_name_hash).
u32 name_hash(StringView name);

// The bytes of a file a file extent item covers.
u64 extent_length(const format::FileExtentItemView& item);
// Whether it holds data: not a hole, not preallocated space.
bool extent_has_data(const format::FileExtentItemView& item);

struct SendStats {
	u64 inodes = 0;
	u64 commands = 0;
	u64 data_bytes = 0;	// in WRITE commands
	u64 clones = 0;		// CLONE commands
	u64 cloned_bytes = 0;
};

struct CommandOptions {
	bool send_file_data = true;		// false: UPDATE_EXTENT, no data
	bsend_host_send* control = nullptr;	// progress and cancellation
};

class Commands final : public tree::BlockPacer {
public:
	Commands(tree::Filesystem& fs, FileData& data, stream::StreamWriter& out, const CommandOptions& options)
		: fs_(fs), data_(data), out_(out), options_(options)
	{
	}

	// SUBVOL for a full send; SNAPSHOT of parent for an incremental one.
	// The uuids are the received ones where set, as btrfs send does.
	Result<void> begin_subvolume(StringView name, const tree::SubvolumeInfo& sent,
				     const tree::SubvolumeInfo* parent);
	Result<void> end();

	// MKFILE, MKDIR, SYMLINK (its target read from root), MKNOD, MKFIFO or
	// MKSOCK, by the inode's type.
	Result<void> create(const tree::TreeRoot& root, const InodeInfo& info, StringView path);
	Result<void> rename(StringView from, StringView to);
	Result<void> link(StringView path, StringView existing);
	Result<void> unlink(StringView path);
	Result<void> rmdir(StringView path);

	// Every xattr of an XATTR_ITEM but the capability (see
	// send_capability); an empty POSIX ACL as an ACL header.
	Result<void> set_xattrs(StringView path, Bytes item);
	Result<void> set_xattr(StringView path, StringView name, Bytes value);
	Result<void> remove_xattr(StringView path, StringView name);
	// security.capability of ino in root, if it has one: sent after
	// CHOWN, which drops it on the receiving side.
	Result<void> send_capability(const tree::TreeRoot& root, u64 ino, StringView path);

	// The file data of [start, end) of the file extent item at file
	// offset item_offset, which holds data (not a hole or preallocated):
	// CLONE where a clone source has the same bytes (see
	// set_clone_finder), WRITE for the rest, or UPDATE_EXTENT without
	// file data. receiver_size is the file's size in the receiver now.
	Result<void> write_extent(const InodeInfo& info, StringView path, u64 item_offset,
				  const format::FileExtentItemView& item, u64 start, u64 end, u64 receiver_size);
	// Lets write_extent clone: clones chooses sources, sent tells what the
	// receiver holds of the send root. Both outlive the Commands.
	void set_clone_finder(CloneFinder* clones, SentInodes* sent)
	{
		clones_ = clones;
		sent_ = sent;
	}
	// Makes [start, end) of the receiver's file read as zeros, where it
	// holds the parent's data: from protocol v2 a hole punched there
	// (FALLOCATE PUNCH_HOLE | KEEP_SIZE, as the in-kernel send since
	// 6.17 and its stable backports), in v1, which cannot punch, zeros
	// written (UPDATE_EXTENT without file data).
	Result<void> clear_range(u64 ino, StringView path, u64 start, u64 end);

	// All the data of one file extent item of a new inode at file offset
	// item_offset, up to the file's size: nothing for a hole or
	// preallocated space. Returns where the data written ends (or
	// item_offset when nothing was).
	Result<u64> write_new_extent(const InodeInfo& info, StringView path, u64 item_offset, Bytes item);
	// What a new inode gets after its data: TRUNCATE to its size unless
	// the data ended there (data_end), CHOWN, CHMOD, the capability.
	Result<void> set_new_attributes(const tree::TreeRoot& root, const InodeInfo& info, StringView path,
					u64 data_end);

	Result<void> truncate(StringView path, u64 size);
	Result<void> chown(StringView path, u64 uid, u64 gid);
	Result<void> chmod(StringView path, u64 mode);
	// FILEATTR with the raw btrfs inode flags, from v2; nothing in v1,
	// which has no such command.
	Result<void> fileattr(StringView path, u64 flags);
	Result<void> utimes(const InodeInfo& info, StringView path);

	// Reports progress and stops the send when the host says so.
	Result<void> checkpoint(u64 current_ino);
	// A tree compare's checkpoint, at the inode of the last one.
	Result<void> entered_block() override { return checkpoint(checkpoint_ino_); }
	void set_last_ino(u64 last_ino) { last_ino_ = last_ino; }
	void count_inode() { stats_.inodes++; }
	const SendStats& stats() const { return stats_; }

private:
	Result<void> end_command();
	Result<void> path_command(u16 command, StringView path);
	Result<void> two_path_command(u16 command, StringView path, u16 attribute, StringView second);
	Result<void> update_extent(StringView path, u64 offset, u64 length);
	// FALLOCATE (v2): mode as fallocate(2)'s, over [offset, offset + length).
	Result<void> fallocate(StringView path, u32 mode, u64 offset, u64 length);
	// WRITEs of [start, end), each piece filled by fill(offset, buffer,
	// length).
	template <typename Fill> Result<void> write_pieces(StringView path, u64 start, u64 end, Fill&& fill);
	// WRITE of the bytes [start, end) of the file extent item at file
	// offset item_offset, read from the item (inline) or the file.
	Result<void> write_extent_bytes(const InodeInfo& info, StringView path, u64 item_offset,
					const format::FileExtentItemView& item, u64 start, u64 end);

	tree::Filesystem& fs_;
	FileData& data_;
	stream::StreamWriter& out_;
	const CommandOptions& options_;
	Result<void> clone(StringView path, u64 offset, const CloneChoice& choice);

	SendStats stats_;
	CloneFinder* clones_ = nullptr;
	SentInodes* sent_ = nullptr;
	u64 last_ino_ = 0;
	u64 checkpoint_ino_ = 0;	// the last checkpoint's current inode
};

} // namespace bsend::send
