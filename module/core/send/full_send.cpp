#include "module/core/send/full_send.h"

#include "module/core/format/items.h"
#include "module/core/support/errno.h"
#include "module/core/tree/subvolume.h"

namespace bsend::send {

namespace {

constexpr u64 kRootDir = BTRFS_FIRST_FREE_OBJECTID;
// Directories whose UTIMES wait for their last entry; past this many they
// are all sent, and any that gains an entry later is sent again at the end.
constexpr usize kMaxPendingDirUtimes = 65536;

constexpr u64 kTypeMask = 0170000;
constexpr u64 kRegular = 0100000, kDirectory = 0040000, kSymlink = 0120000, kCharDevice = 0020000,
	      kBlockDevice = 0060000, kFifo = 0010000, kSocket = 0140000;
bool is_type(u64 mode, u64 type) { return (mode & kTypeMask) == type; }

constexpr StringView kCapabilityXattr = "security.capability";
constexpr StringView kAclAccessXattr = "system.posix_acl_access";
constexpr StringView kAclDefaultXattr = "system.posix_acl_default";

// The key offset of a DIR_ITEM or XATTR_ITEM: crc32c seeded with ~1, no
// inversions (btrfs_name_hash).
u32 name_hash(StringView name) { return bsend_host_stream_crc32c(~1u, name.data(), name.length()); }

// The kernel's dev_t as btrfs stores it (major << 20 | minor), in the
// encoding user space and the stream use (new_encode_dev).
u64 encode_rdev(u64 rdev)
{
	u64 major = (rdev >> 20) & 0xfff, minor = rdev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffull) << 12);
}

// One reference of the inode being sent: a name in a directory.
struct Ref {
	u64 parent = 0;
	Text name;
};

class FullSender {
public:
	FullSender(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer, const FullSendOptions& options,
		   const tree::SubvolumeInfo& subvolume)
		: fs_(fs), data_(data), out_(writer), options_(options), subvolume_(subvolume)
	{
	}

	Result<SendStats> run();

private:
	bool processed(u64 ino) const { return ino < cur_.ino || (ino == cur_.ino && refs_done_); }

	// Paths, as the receiver sees them now.
	Result<void> orphan_name(u64 ino, u64 generation, Text* out);
	Result<bool> first_ref(u64 ino, u64* parent, Text* name);
	Result<void> current_path(u64 ino, Text* out);

	Result<void> begin_inode(const InodeInfo& info);
	Result<void> collect_refs(const format::Key& key, Bytes item);
	Result<void> process_refs();
	Result<void> send_xattrs(Bytes item, const Text& path);
	Result<void> send_extent(const format::Key& key, Bytes item);
	Result<void> send_capability(const Text& path);
	// NO_FILE_DATA: where data would have been written.
	Result<void> send_update_extent(const Text& path, u64 offset, u64 length);
	Result<void> finish_inode();
	Result<void> mark_dir_changed(u64 dir);
	Result<void> flush_dir_utimes();

	Result<void> send_create(const InodeInfo& info, const Text& path);
	Result<void> send_simple_path(u16 command, u16 attribute, StringView first, StringView second);
	Result<void> send_utimes(const InodeInfo& info, const Text& path);
	Result<void> end_command();
	// Reports progress, yields, and stops the send when the host says so
	// (a fatal signal, a cancel).
	Result<void> checkpoint();
	// The highest inode number in the subvolume.
	Result<u64> find_last_ino();

	tree::Filesystem& fs_;
	FileData& data_;
	stream::StreamWriter& out_;
	const FullSendOptions& options_;
	const tree::SubvolumeInfo& subvolume_;
	SendStats stats_;
	u64 last_ino_ = 0;		// highest inode number, for progress

	InodeInfo cur_;
	bool have_cur_ = false;
	bool refs_done_ = false;
	Vec<Ref> refs_;
	u64 next_write_offset_ = 0;
	HashMap<u64, u64> early_dirs_;		// dirs made before their turn: ino -> generation
	HashMap<u64, bool> pending_utimes_;	// dirs whose UTIMES is still owed
	Vec<u64> pending_order_;
	Vec<u8> buffer_;			// file data of one WRITE
};

Result<void> FullSender::checkpoint()
{
	bsend_progress progress = {};
	progress.inodes = stats_.inodes;
	progress.stream_bytes = out_.bytes_written();
	progress.current_ino = cur_.ino;
	progress.last_ino = last_ino_;
	int ret = bsend_host_checkpoint(options_.control, &progress);
	if (ret < 0)
		return Error::make(-ret, "send interrupted").at_ino(cur_.ino);
	return {};
}

Result<u64> FullSender::find_last_ino()
{
	tree::TreePath path(fs_, subvolume_.root);
	if (!TRY(path.search_last_at_or_before({BTRFS_LAST_FREE_OBJECTID, 0xff, ~0ull})))
		return 0;
	return path.key().objectid;
}

Result<void> FullSender::end_command()
{
	stats_.commands++;
	return out_.end();
}

Result<void> FullSender::orphan_name(u64 ino, u64 generation, Text* out)
{
	// o<ino>-<gen>-<n>, with the first n whose name the subvolume's root
	// directory does not hold already.
	for (u64 n = 0;; n++) {
		out->clear();
		TRY(out->append("o"));
		TRY(out->append_decimal(ino));
		TRY(out->append("-"));
		TRY(out->append_decimal(generation));
		TRY(out->append("-"));
		TRY(out->append_decimal(n));
		StringView name = out->view();
		u32 hash = name_hash(name);
		tree::TreePath path(fs_, subvolume_.root);
		format::Key key{kRootDir, BTRFS_DIR_ITEM_KEY, hash};
		bool taken = false;
		if (TRY(path.search(key)) && path.key() == key) {
			format::DirEntries entries(path.data());
			format::DirEntry entry;
			while (!taken && TRY(entries.next(&entry)))
				taken = entry.name == name;
		}
		if (!taken)
			return {};
	}
}

Result<bool> FullSender::first_ref(u64 ino, u64* parent, Text* name)
{
	tree::TreePath path(fs_, subvolume_.root);
	if (!TRY(path.search({ino, BTRFS_INODE_REF_KEY, 0})))
		return false;
	format::Key key = path.key();
	if (key.objectid != ino || (key.type != BTRFS_INODE_REF_KEY && key.type != BTRFS_INODE_EXTREF_KEY))
		return false;
	format::AnyInodeRefs refs(key, path.data());
	format::NamedRef ref;
	if (!TRY(refs.next(&ref)))
		return false;
	*parent = ref.parent;
	name->clear();
	TRY(name->append(ref.name));
	return true;
}

Result<void> FullSender::current_path(u64 ino, Text* out)
{
	// Names from ino up to the root (or to an orphan), then joined in
	// reverse. No recursion and no depth limit; a reference loop (corrupt
	// metadata) is caught by Brent's cycle detection in O(depth).
	Vec<Text> names;
	Text name;
	u64 at = ino;
	u64 marker = ino, steps_since_marker = 0, marker_interval = 1;
	while (at != kRootDir) {
		if (!processed(at)) {
			u64* early = early_dirs_.find(at);
			u64 generation = early ? *early : TRY(read_inode_info(fs_, subvolume_.root, at)).generation;
			TRY(orphan_name(at, generation, &name));
			TRY(names.push(bsend::move(name)));
			break;
		}
		u64 parent = 0;
		if (!TRY(first_ref(at, &parent, &name)))
			return Error::make(err::kCorrupt, "inode has no reference to its directory").at_ino(at);
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

Result<void> FullSender::send_create(const InodeInfo& info, const Text& path)
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
		tree::TreePath extent(fs_, subvolume_.root);
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
	TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
	TRY(out_.put_u64(BSEND_SEND_A_INO, info.ino));
	if (command == BSEND_SEND_C_SYMLINK) {
		TRY(out_.put_path(BSEND_SEND_A_PATH_LINK, target.view()));
	} else if (command == BSEND_SEND_C_MKNOD || command == BSEND_SEND_C_MKFIFO || command == BSEND_SEND_C_MKSOCK) {
		TRY(out_.put_u64(BSEND_SEND_A_RDEV, encode_rdev(info.rdev)));
		TRY(out_.put_u64(BSEND_SEND_A_MODE, info.mode));
	}
	return end_command();
}

Result<void> FullSender::send_simple_path(u16 command, u16 attribute, StringView first, StringView second)
{
	TRY(out_.begin(command));
	TRY(out_.put_path(BSEND_SEND_A_PATH, first));
	TRY(out_.put_path(attribute, second));
	return end_command();
}

Result<void> FullSender::send_utimes(const InodeInfo& info, const Text& path)
{
	TRY(out_.begin(BSEND_SEND_C_UTIMES));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
	TRY(out_.put_timespec(BSEND_SEND_A_ATIME, info.atime.seconds, info.atime.nanoseconds));
	TRY(out_.put_timespec(BSEND_SEND_A_MTIME, info.mtime.seconds, info.mtime.nanoseconds));
	TRY(out_.put_timespec(BSEND_SEND_A_CTIME, info.ctime.seconds, info.ctime.nanoseconds));
	return end_command();
}

Result<void> FullSender::mark_dir_changed(u64 dir)
{
	if (pending_utimes_.find(dir))
		return {};
	if (pending_order_.size() >= kMaxPendingDirUtimes)
		TRY(flush_dir_utimes());
	TRY(pending_utimes_.insert(dir, true));
	return pending_order_.push(dir);
}

Result<void> FullSender::flush_dir_utimes()
{
	Text path;
	for (u64 dir : pending_order_) {
		// A directory not made yet gets its UTIMES when it is.
		if (!processed(dir) && !early_dirs_.find(dir))
			continue;
		auto info = TRY(read_inode_info(fs_, subvolume_.root, dir));
		TRY(current_path(dir, &path));
		TRY(send_utimes(info, path));
	}
	pending_order_.clear();
	pending_utimes_.clear();
	return {};
}

Result<void> FullSender::begin_inode(const InodeInfo& info)
{
	cur_ = info;
	have_cur_ = true;
	refs_done_ = false;
	refs_.clear();
	next_write_offset_ = 0;
	return {};
}

Result<void> FullSender::collect_refs(const format::Key& key, Bytes item)
{
	format::AnyInodeRefs refs(key, item);
	format::NamedRef ref;
	while (TRY(refs.next(&ref))) {
		Ref recorded;
		recorded.parent = ref.parent;
		TRY(recorded.name.append(ref.name));
		TRY(refs_.push(bsend::move(recorded)));
	}
	return {};
}

Result<void> FullSender::process_refs()
{
	if (cur_.ino == kRootDir) {
		refs_done_ = true;
		return {};
	}
	Text orphan, first_path, target;
	TRY(current_path(cur_.ino, &orphan));
	if (early_dirs_.find(cur_.ino))
		early_dirs_.remove(cur_.ino);
	else
		TRY(send_create(cur_, orphan));
	TRY(mark_dir_changed(kRootDir));

	for (usize i = 0; i < refs_.size(); i++) {
		const Ref& ref = refs_[i];
		if (ref.parent != kRootDir && !processed(ref.parent) && !early_dirs_.find(ref.parent)) {
			auto dir = TRY(read_inode_info(fs_, subvolume_.root, ref.parent));
			Text dir_orphan;
			TRY(orphan_name(dir.ino, dir.generation, &dir_orphan));
			TRY(send_create(dir, dir_orphan));
			TRY(early_dirs_.insert(dir.ino, dir.generation));
		}
		TRY(current_path(ref.parent, &target));
		if (target.length())
			TRY(target.append("/"));
		TRY(target.append(ref.name.view()));
		if (i == 0) {
			TRY(send_simple_path(BSEND_SEND_C_RENAME, BSEND_SEND_A_PATH_TO, orphan.view(), target.view()));
			TRY(first_path.append(target.view()));
		} else {
			TRY(send_simple_path(BSEND_SEND_C_LINK, BSEND_SEND_A_PATH_LINK, target.view(), first_path.view()));
		}
		TRY(mark_dir_changed(ref.parent));
	}
	refs_done_ = true;
	return {};
}

Result<void> FullSender::send_xattrs(Bytes item, const Text& path)
{
	// An empty POSIX ACL is stored as an xattr with no data, which the
	// receiving side cannot set: it gets an ACL header with no entries
	// (struct posix_acl_xattr_header, version 2) instead.
	static const u8 kEmptyAcl[4] = {2, 0, 0, 0};
	format::DirEntries entries(item);
	format::DirEntry entry;
	while (TRY(entries.next(&entry))) {
		// Sent after CHOWN, by send_capability().
		if (entry.name == kCapabilityXattr)
			continue;
		Bytes data = entry.data;
		if (data.empty() && (entry.name == kAclAccessXattr || entry.name == kAclDefaultXattr))
			data = Bytes(kEmptyAcl, sizeof(kEmptyAcl));
		TRY(out_.begin(BSEND_SEND_C_SET_XATTR));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_path(BSEND_SEND_A_XATTR_NAME, entry.name));
		TRY(out_.put_bytes(BSEND_SEND_A_XATTR_DATA, data));
		TRY(end_command());
	}
	return {};
}

Result<void> FullSender::send_extent(const format::Key& key, Bytes item_bytes)
{
	if (!is_type(cur_.mode, kRegular))
		return {};
	auto item = TRY(format::FileExtentItemView::over(item_bytes));
	u64 start = key.offset;
	if (start >= cur_.size)
		return {};
	Text path;
	TRY(current_path(cur_.ino, &path));

	if (item.is_inline()) {
		Bytes data = item.inline_data();
		bool compressed = item.compression() != format::kCompressNone;
		u64 stored = compressed ? item.ram_bytes() : data.size();
		u64 length = stored < cur_.size - start ? stored : cur_.size - start;
		if (!options_.send_file_data)
			return send_update_extent(path, start, length);
		if (compressed) {
			ExtentPiece piece;
			piece.ino = cur_.ino;
			piece.generation = cur_.generation;
			piece.file_offset = start;
			piece.ram_bytes = item.ram_bytes();
			piece.compression = static_cast<u8>(item.compression());
			piece.inline_data = data;
			TRY(buffer_.resize(length));
			TRY(data_.read(piece, buffer_.data(), length));
			data = Bytes(buffer_.data(), length);
		}
		TRY(out_.begin(BSEND_SEND_C_WRITE));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, start));
		TRY(out_.put_bytes(BSEND_SEND_A_DATA, data.subspan(0, length)));
		TRY(end_command());
		stats_.data_bytes += length;
		next_write_offset_ = start + length;
		return {};
	}
	// A hole, or preallocated space: nothing to send, the receiver's file
	// has a hole there until TRUNCATE or a later WRITE.
	if (item.disk_bytenr() == 0 || item.type() == BTRFS_FILE_EXTENT_PREALLOC)
		return {};

	u64 end = start + item.num_bytes();
	if (end > cur_.size)
		end = cur_.size;
	if (!options_.send_file_data)
		return send_update_extent(path, start, end - start);
	ExtentPiece piece;
	piece.ino = cur_.ino;
	piece.generation = cur_.generation;
	piece.disk_bytenr = item.disk_bytenr();
	piece.disk_num_bytes = item.disk_num_bytes();
	piece.ram_bytes = item.ram_bytes();
	piece.compression = static_cast<u8>(item.compression());
	for (u64 at = start; at < end;) {
		TRY(out_.begin(BSEND_SEND_C_WRITE));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, at));
		usize chunk = out_.data_room();
		if (chunk > end - at)
			chunk = static_cast<usize>(end - at);
		TRY(buffer_.resize(chunk));
		piece.file_offset = at;
		piece.extent_offset = item.offset() + (at - start);
		TRY(checkpoint());
		TRY(data_.read(piece, buffer_.data(), chunk));
		TRY(out_.put_bytes(BSEND_SEND_A_DATA, Bytes(buffer_.data(), chunk)));
		TRY(end_command());
		stats_.data_bytes += chunk;
		at += chunk;
	}
	next_write_offset_ = end;
	return {};
}

Result<void> FullSender::send_update_extent(const Text& path, u64 offset, u64 length)
{
	TRY(out_.begin(BSEND_SEND_C_UPDATE_EXTENT));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
	TRY(out_.put_u64(BSEND_SEND_A_FILE_OFFSET, offset));
	TRY(out_.put_u64(BSEND_SEND_A_SIZE, length));
	TRY(end_command());
	next_write_offset_ = offset + length;
	return {};
}

Result<void> FullSender::send_capability(const Text& path)
{
	// CHOWN drops file capabilities on the receiving side, so they are sent
	// after it, and only then.
	u32 hash = name_hash(kCapabilityXattr);
	tree::TreePath lookup(fs_, subvolume_.root);
	format::Key key{cur_.ino, BTRFS_XATTR_ITEM_KEY, hash};
	if (!TRY(lookup.search(key)) || lookup.key() != key)
		return {};
	format::DirEntries entries(lookup.data());
	format::DirEntry entry;
	while (TRY(entries.next(&entry))) {
		if (!(entry.name == kCapabilityXattr))
			continue;
		TRY(out_.begin(BSEND_SEND_C_SET_XATTR));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_path(BSEND_SEND_A_XATTR_NAME, entry.name));
		TRY(out_.put_bytes(BSEND_SEND_A_XATTR_DATA, entry.data));
		TRY(end_command());
	}
	return {};
}

Result<void> FullSender::finish_inode()
{
	if (!refs_done_)
		TRY(process_refs());
	Text path;
	TRY(current_path(cur_.ino, &path));
	if (is_type(cur_.mode, kRegular) && next_write_offset_ != cur_.size) {
		TRY(out_.begin(BSEND_SEND_C_TRUNCATE));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_u64(BSEND_SEND_A_SIZE, cur_.size));
		TRY(end_command());
	}
	TRY(out_.begin(BSEND_SEND_C_CHOWN));
	TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
	TRY(out_.put_u64(BSEND_SEND_A_UID, cur_.uid));
	TRY(out_.put_u64(BSEND_SEND_A_GID, cur_.gid));
	TRY(end_command());
	if (!is_type(cur_.mode, kSymlink)) {
		TRY(out_.begin(BSEND_SEND_C_CHMOD));
		TRY(out_.put_path(BSEND_SEND_A_PATH, path.view()));
		TRY(out_.put_u64(BSEND_SEND_A_MODE, cur_.mode & 07777));
		TRY(end_command());
	}
	TRY(send_capability(path));
	if (is_type(cur_.mode, kDirectory))
		TRY(mark_dir_changed(cur_.ino));
	else
		TRY(send_utimes(cur_, path));
	stats_.inodes++;
	have_cur_ = false;
	return {};
}

Result<SendStats> FullSender::run()
{
	if (options_.stream_header)
		TRY(out_.write_header());
	TRY(out_.begin(BSEND_SEND_C_SUBVOL));
	TRY(out_.put_path(BSEND_SEND_A_PATH, options_.name));
	TRY(out_.put_uuid(BSEND_SEND_A_UUID, subvolume_.uuid));
	TRY(out_.put_u64(BSEND_SEND_A_CTRANSID, subvolume_.ctransid));
	TRY(end_command());

	last_ino_ = TRY(find_last_ino());
	tree::TreePath path(fs_, subvolume_.root);
	Text inode_path;
	for (bool more = TRY(path.search({kRootDir, 0, 0})); more; more = TRY(path.next())) {
		format::Key key = path.key();
		if (key.objectid > BTRFS_LAST_FREE_OBJECTID)
			break;
		if (!have_cur_ || key.objectid != cur_.ino) {
			if (have_cur_)
				TRY(finish_inode());
			TRY(checkpoint());
			if (key.type != BTRFS_INODE_ITEM_KEY)
				return Error::make(err::kCorrupt, "inode items do not start with its inode item")
					.at_ino(key.objectid)
					.at_bytenr(path.leaf_bytenr())
					.mismatch(BTRFS_INODE_ITEM_KEY, key.type);
			auto item = TRY(format::InodeItemView::over(path.data()));
			TRY(begin_inode(inode_info_from(key.objectid, item)));
			continue;
		}
		if (key.type == BTRFS_INODE_REF_KEY || key.type == BTRFS_INODE_EXTREF_KEY) {
			TRY(collect_refs(key, path.data()));
			continue;
		}
		if (!refs_done_)
			TRY(process_refs());
		if (key.type == BTRFS_XATTR_ITEM_KEY) {
			TRY(current_path(cur_.ino, &inode_path));
			TRY(send_xattrs(path.data(), inode_path));
		} else if (key.type == BTRFS_EXTENT_DATA_KEY) {
			TRY(send_extent(key, path.data()));
		}
	}
	if (have_cur_)
		TRY(finish_inode());
	TRY(flush_dir_utimes());
	if (options_.end_command) {
		TRY(out_.begin(BSEND_SEND_C_END));
		TRY(end_command());
	}
	return stats_;
}

} // namespace

Result<SendStats> full_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
			    const FullSendOptions& options)
{
	auto subvolume = TRY(tree::read_subvolume(fs, options.subvolume));
	if (!subvolume.has_uuids)
		return Error::make(err::kNotSupported, "subvolume root item predates uuids").at_ino(options.subvolume);
	UniquePtr<FullSender> sender(create<FullSender>(fs, data, writer, options, subvolume));
	if (!sender)
		return Error::make(err::kNoMemory, "out of memory");
	return sender->run();
}

} // namespace bsend::send
