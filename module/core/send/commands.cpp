#include "module/core/send/commands.h"

#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"
#include "module/core/tree/path.h"

namespace bsend::send {

namespace {


// The kernel's dev_t as btrfs stores it (major << 20 | minor), in the
// encoding user space and the stream use (new_encode_dev).
u64 encode_rdev(u64 rdev)
{
	u64 major = (rdev >> 20) & 0xfff, minor = rdev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffull) << 12);
}

} // namespace

u32 name_hash(StringView name) { return bsend_host_stream_crc32c(~1u, name.data(), name.length()); }

u64 extent_length(const format::FileExtentItemView& item)
{
	if (!item.is_inline())
		return item.num_bytes();
	return item.compression() != format::kCompressNone ? item.ram_bytes() : item.inline_data().size();
}

bool extent_has_data(const format::FileExtentItemView& item)
{
	return item.is_inline() || (item.disk_bytenr() != 0 && item.type() != BTRFS_FILE_EXTENT_PREALLOC);
}

Result<u64> Commands::write_new_extent(const InodeInfo& info, StringView path, u64 item_offset, Bytes item_bytes)
{
	if (!is_type(info.mode, kRegular) || item_offset >= info.size)
		return item_offset;
	auto item = TRY(format::FileExtentItemView::over(item_bytes));
	// A hole, or preallocated space: nothing to send, the receiver's file
	// has a hole there until TRUNCATE or a later WRITE.
	if (!extent_has_data(item))
		return item_offset;
	u64 end = item_offset + extent_length(item);
	if (end > info.size)
		end = info.size;
	TRY(write_extent(info, path, item_offset, item, item_offset, end, item_offset));
	return end;
}

Result<void> Commands::set_new_attributes(const tree::TreeRoot& root, const InodeInfo& info, StringView path,
					  u64 data_end)
{
	if (is_type(info.mode, kRegular) && data_end != info.size)
		TRY(truncate(path, info.size));
	TRY(chown(path, info.uid, info.gid));
	if (!is_type(info.mode, kSymlink))
		TRY(chmod(path, info.mode));
	return send_capability(root, info.ino, path);
}

Result<void> Commands::end_command()
{
	stats_.commands++;
	return out_.end();
}

Result<void> Commands::checkpoint(u64 current_ino)
{
	checkpoint_ino_ = current_ino;
	bsend_progress progress = {};
	progress.inodes = stats_.inodes;
	progress.stream_bytes = out_.bytes_written();
	progress.current_ino = current_ino;
	progress.last_ino = last_ino_;
	int ret = bsend_host_checkpoint(options_.control, &progress);
	if (ret < 0)
		return Error::make(-ret, "send interrupted").at_ino(current_ino);
	return {};
}

Result<void> Commands::begin_subvolume(StringView name, const tree::SubvolumeInfo& sent,
				       const tree::SubvolumeInfo* parent)
{
	TRY(out_.begin(parent ? BSEND_SEND_C_SNAPSHOT : BSEND_SEND_C_SUBVOL));
	TRY(out_.put_path(BSEND_SEND_A_PATH, name));
	TRY(out_.put_uuid(BSEND_SEND_A_UUID, sent.stream_uuid()));
	TRY(out_.put_u64(BSEND_SEND_A_CTRANSID, sent.ctransid));
	if (parent) {
		TRY(out_.put_uuid(BSEND_SEND_A_CLONE_UUID, parent->stream_uuid()));
		TRY(out_.put_u64(BSEND_SEND_A_CLONE_CTRANSID, parent->ctransid));
	}
	return end_command();
}

Result<void> Commands::end()
{
	TRY(out_.begin(BSEND_SEND_C_END));
	return end_command();
}

Result<void> Commands::path_command(u16 command, StringView path)
{
	TRY(out_.begin(command));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	return end_command();
}

Result<void> Commands::two_path_command(u16 command, StringView path, u16 attribute, StringView second)
{
	TRY(out_.begin(command));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_path(attribute, second));
	return end_command();
}

Result<void> Commands::create(const tree::TreeRoot& root, const InodeInfo& info, StringView path)
{
	u16 command;
	if (is_type(info.mode, kRegular))
		command = BSEND_SEND_C_MKFILE;
	else if (is_type(info.mode, kDirectory))
		command = BSEND_SEND_C_MKDIR;
	else if (is_type(info.mode, kSymlink))
		command = BSEND_SEND_C_SYMLINK;
	else if (is_type(info.mode, kCharDevice) || is_type(info.mode, kBlockDevice))
		command = BSEND_SEND_C_MKNOD;
	else if (is_type(info.mode, kFifo))
		command = BSEND_SEND_C_MKFIFO;
	else if (is_type(info.mode, kSocket))
		command = BSEND_SEND_C_MKSOCK;
	else
		return Error::make(err::kNotSupported, "inode of an unknown type").at_ino(info.ino).mismatch(0, info.mode);

	Text target;
	if (command == BSEND_SEND_C_SYMLINK) {
		tree::TreePath extent(fs_, root);
		format::Key key{info.ino, BTRFS_EXTENT_DATA_KEY, 0};
		if (!TRY(extent.search(key)) || extent.key() != key)
			return Error::make(err::kCorrupt, "symlink has no target extent").at_ino(info.ino);
		auto item = TRY(format::FileExtentItemView::over(extent.data()));
		if (!item.is_inline() || item.compression() != format::kCompressNone)
			return Error::make(err::kCorrupt, "symlink target is not an uncompressed inline extent")
				.at_ino(info.ino);
		Bytes data = item.inline_data();
		usize length = data.size() < info.size ? data.size() : static_cast<usize>(info.size);
		TRY(target.append(StringView(reinterpret_cast<const char*>(data.data()), length)));
	}

	TRY(out_.begin(command));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_INO, info.ino));
	if (command == BSEND_SEND_C_SYMLINK) {
		TRY(out_.put_path(BSEND_SEND_A_PATH_LINK, target.view()));
	} else if (command == BSEND_SEND_C_MKNOD || command == BSEND_SEND_C_MKFIFO || command == BSEND_SEND_C_MKSOCK) {
		TRY(out_.put_u64(BSEND_SEND_A_RDEV, encode_rdev(info.rdev)));
		TRY(out_.put_u64(BSEND_SEND_A_MODE, info.mode));
	}
	return end_command();
}

Result<void> Commands::rename(StringView from, StringView to)
{
	return two_path_command(BSEND_SEND_C_RENAME, from, BSEND_SEND_A_PATH_TO, to);
}

Result<void> Commands::link(StringView path, StringView existing)
{
	return two_path_command(BSEND_SEND_C_LINK, path, BSEND_SEND_A_PATH_LINK, existing);
}

Result<void> Commands::unlink(StringView path) { return path_command(BSEND_SEND_C_UNLINK, path); }

Result<void> Commands::rmdir(StringView path) { return path_command(BSEND_SEND_C_RMDIR, path); }

Result<void> Commands::set_xattr(StringView path, StringView name, Bytes value)
{
	// An empty POSIX ACL is stored as an xattr with no data, which the
	// receiving side cannot set: it gets an ACL header with no entries
	// (struct posix_acl_xattr_header, version 2) instead.
	static const u8 kEmptyAcl[4] = {2, 0, 0, 0};
	if (value.empty() && (name == kAclAccessXattr || name == kAclDefaultXattr))
		value = Bytes(kEmptyAcl, sizeof(kEmptyAcl));
	TRY(out_.begin(BSEND_SEND_C_SET_XATTR));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_path(BSEND_SEND_A_XATTR_NAME, name));
	TRY(out_.put_bytes(BSEND_SEND_A_XATTR_DATA, value));
	return end_command();
}

Result<void> Commands::remove_xattr(StringView path, StringView name)
{
	return two_path_command(BSEND_SEND_C_REMOVE_XATTR, path, BSEND_SEND_A_XATTR_NAME, name);
}

Result<void> Commands::set_xattrs(StringView path, Bytes item)
{
	format::DirEntries entries(item);
	format::DirEntry entry;
	while (TRY(entries.next(&entry)))
		if (!(entry.name == kCapabilityXattr))
			TRY(set_xattr(path, entry.name, entry.data));
	return {};
}

Result<void> Commands::send_capability(const tree::TreeRoot& root, u64 ino, StringView path)
{
	tree::TreePath lookup(fs_, root);
	format::Key key{ino, BTRFS_XATTR_ITEM_KEY, name_hash(kCapabilityXattr)};
	if (!TRY(lookup.search(key)) || lookup.key() != key)
		return {};
	format::DirEntries entries(lookup.data());
	format::DirEntry entry;
	while (TRY(entries.next(&entry)))
		if (entry.name == kCapabilityXattr)
			TRY(set_xattr(path, entry.name, entry.data));
	return {};
}

Result<void> Commands::update_extent(StringView path, u64 offset, u64 length)
{
	TRY(out_.begin(BSEND_SEND_C_UPDATE_EXTENT));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
	TRY(out_.put_u64(BSEND_SEND_A_SIZE, length));
	return end_command();
}

template <typename Fill> Result<void> Commands::write_pieces(StringView path, u64 start, u64 end, Fill&& fill)
{
	for (u64 at = start; at < end;) {
		TRY(out_.begin(BSEND_SEND_C_WRITE));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path));
		TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, at));
		usize chunk = out_.data_room();
		if (chunk > end - at)
			chunk = static_cast<usize>(end - at);
		u8* data = TRY(out_.put_data(chunk));
		TRY(fill(at, data, chunk));
		TRY(end_command());
		stats_.data_bytes += chunk;
		at += chunk;
	}
	return {};
}

Result<void> Commands::clone(StringView path, u64 offset, const CloneChoice& choice)
{
	Text source;
	TRY(clones_->source_path(choice, *sent_, &source));
	TRY(out_.begin(BSEND_SEND_C_CLONE));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
	TRY(out_.put_u64(BSEND_SEND_A_CLONE_LEN, choice.length));
	TRY(out_.put_uuid(BSEND_SEND_A_CLONE_UUID, choice.root->uuid));
	TRY(out_.put_u64(BSEND_SEND_A_CLONE_CTRANSID, choice.root->ctransid));
	TRY(out_.put_path(BSEND_SEND_A_CLONE_PATH, source.view()));
	TRY(out_.put_u64(BSEND_SEND_A_CLONE_OFFSET, choice.offset));
	TRY(end_command());
	stats_.clones++;
	stats_.cloned_bytes += choice.length;
	return {};
}

Result<void> Commands::write_extent(const InodeInfo& info, StringView path, u64 item_offset,
				    const format::FileExtentItemView& item, u64 start, u64 end, u64 receiver_size)
{
	// Clones go out with or without file data, as the in-kernel send's:
	// where a source has the bytes, CLONE; up to where one may have the
	// next bytes, WRITE (or UPDATE_EXTENT); and so on to the end.
	while (start < end) {
		CloneChoice choice;
		u64 write_end = end;
		if (clones_ && TRY(clones_->choose(info, item_offset, item, start, end, receiver_size, *sent_, &choice,
						   &write_end))) {
			TRY(checkpoint(info.ino));
			// The clone runs to the file's end: nothing the caller
			// holds of the receiver's old bytes past start is used
			// after it.
			if (choice.truncate_first) {
				TRY(truncate(path, start));
				receiver_size = start;
			}
			TRY(clone(path, start, choice));
			start += choice.length;
		} else {
			if (options_.send_file_data)
				TRY(write_extent_bytes(info, path, item_offset, item, start, write_end));
			else
				TRY(update_extent(path, start, write_end - start));
			start = write_end;
		}
		if (start > receiver_size)
			receiver_size = start;
	}
	return {};
}

Result<void> Commands::write_extent_bytes(const InodeInfo& info, StringView path, u64 item_offset,
					  const format::FileExtentItemView& item, u64 start, u64 end)
{
	ExtentPiece piece;
	piece.ino = info.ino;
	piece.generation = info.generation;
	piece.inode_size = info.size;
	piece.ctime_seconds = info.ctime.seconds;
	piece.ctime_nanoseconds = info.ctime.nanoseconds;
	piece.ram_bytes = item.ram_bytes();
	piece.compression = static_cast<u8>(item.compression());
	if (item.is_inline()) {
		Bytes data = item.inline_data();
		if (piece.compression == format::kCompressNone) {
			if (end - item_offset > data.size())
				return Error::make(err::kCorrupt, "inline extent is shorter than the file")
					.at_ino(info.ino)
					.mismatch(end - item_offset, data.size());
			return write_pieces(path, start, end, [&](u64 at, u8* buffer, usize length) -> Result<void> {
				copy_bytes(buffer, data.data() + (at - item_offset), length);
				return {};
			});
		}
		piece.inline_data = data;
		return write_pieces(path, start, end, [&](u64 at, u8* buffer, usize length) -> Result<void> {
			// A compressed inline extent decompresses as a whole.
			if (at != item_offset)
				return Error::make(err::kCorrupt, "compressed inline extent larger than one WRITE")
					.at_ino(info.ino)
					.mismatch(item_offset, at);
			piece.file_offset = at;
			return data_.read(piece, buffer, length);
		});
	}
	piece.disk_bytenr = item.disk_bytenr();
	piece.disk_num_bytes = item.disk_num_bytes();
	return write_pieces(path, start, end, [&](u64 at, u8* buffer, usize length) -> Result<void> {
		piece.file_offset = at;
		piece.extent_offset = item.offset() + (at - item_offset);
		TRY(checkpoint(info.ino));
		return data_.read(piece, buffer, length);
	});
}

Result<void> Commands::fileattr(StringView path, u64 flags)
{
	if (out_.version() < 2)
		return {};
	TRY(out_.begin(BSEND_SEND_C_FILEATTR));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_FILEATTR, flags));
	return end_command();
}

Result<void> Commands::fallocate(StringView path, u32 mode, u64 offset, u64 length)
{
	TRY(out_.begin(BSEND_SEND_C_FALLOCATE));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u32(BSEND_SEND_A_FALLOCATE_MODE, mode));
	TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
	TRY(out_.put_u64(BSEND_SEND_A_SIZE, length));
	return end_command();
}

Result<void> Commands::clear_range(u64 ino, StringView path, u64 start, u64 end)
{
	if (start >= end)
		return {};
	// With or without file data, as the in-kernel send.
	if (out_.version() >= 2)
		return fallocate(path, BSEND_SEND_FALLOCATE_PUNCH_HOLE | BSEND_SEND_FALLOCATE_KEEP_SIZE, start, end - start);
	if (!options_.send_file_data)
		return start < end ? update_extent(path, start, end - start) : Result<void>();
	// Gigabytes of zeros are as many WRITEs as data: each one a checkpoint.
	return write_pieces(path, start, end, [&](u64, u8* buffer, usize length) -> Result<void> {
		TRY(checkpoint(ino));
		fill_zero(buffer, length);
		return {};
	});
}

Result<void> Commands::truncate(StringView path, u64 size)
{
	TRY(out_.begin(BSEND_SEND_C_TRUNCATE));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_SIZE, size));
	return end_command();
}

Result<void> Commands::chown(StringView path, u64 uid, u64 gid)
{
	TRY(out_.begin(BSEND_SEND_C_CHOWN));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_UID, uid));
	TRY(out_.put_u64(BSEND_SEND_A_GID, gid));
	return end_command();
}

Result<void> Commands::chmod(StringView path, u64 mode)
{
	TRY(out_.begin(BSEND_SEND_C_CHMOD));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_u64(BSEND_SEND_A_MODE, mode & 07777));
	return end_command();
}

Result<void> Commands::utimes(const InodeInfo& info, StringView path)
{
	TRY(out_.begin(BSEND_SEND_C_UTIMES));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path));
	TRY(out_.put_timespec(BSEND_SEND_A_ATIME, info.atime.seconds, info.atime.nanoseconds));
	TRY(out_.put_timespec(BSEND_SEND_A_MTIME, info.mtime.seconds, info.mtime.nanoseconds));
	TRY(out_.put_timespec(BSEND_SEND_A_CTIME, info.ctime.seconds, info.ctime.nanoseconds));
	if (out_.version() >= 2)
		TRY(out_.put_timespec(BSEND_SEND_A_OTIME, info.otime.seconds, info.otime.nanoseconds));
	return end_command();
}

} // namespace bsend::send
