#include "module/core/send/full_send.h"

#include "module/core/send/acl_inheritance.h"
#include "module/core/send/inode_names.h"
#include "module/core/send/path_builder.h"

#include "module/core/format/items.h"
#include "module/core/support/errno.h"
#include "module/core/tree/subvolume.h"

namespace bsend::send {

namespace {

// Directories whose UTIMES wait for their last entry; past this many they
// are all sent, and any that gains an entry later is sent again at the end.
constexpr usize kMaxPendingDirUtimes = 65536;

// One reference of the inode being sent: a name in a directory.
struct Ref {
	u64 parent = 0;
	Text name;
};

class FullSender final : private SentInodes {
public:
	FullSender(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer, const SendOptions& options,
		   const tree::SubvolumeInfo& subvolume)
		: fs_(fs), out_(writer), options_(options), subvolume_(subvolume),
		  command_options_{options.send_file_data, options.control},
		  commands_(fs, data, writer, command_options_), acl_(fs, nullptr)
	{
	}

	Result<SendStats> run();

private:
	bool processed(u64 ino) const { return ino < cur_.ino || (ino == cur_.ino && refs_done_); }
	// SentInodes, for clones from the send root: the inodes before this
	// one have all their data.
	Result<bool> has_sent(u64 ino) override { return ino < cur_.ino; }
	Result<void> current_path(u64 ino, Text* out) override;

	// Paths, as the receiver sees them now.
	Result<void> orphan_name(u64 ino, u64 generation, Text* out);
	Result<bool> first_ref(u64 ino, u64* parent, Text* name);

	Result<void> begin_inode(const InodeInfo& info);
	Result<void> collect_refs(const format::Key& key, Bytes item);
	Result<void> process_refs();
	Result<void> send_extent(const format::Key& key, Bytes item);
	Result<void> finish_inode();
	Result<void> mark_dir_changed(u64 dir);
	Result<void> flush_dir_utimes();


	tree::Filesystem& fs_;
	stream::StreamWriter& out_;
	const SendOptions& options_;
	const tree::SubvolumeInfo& subvolume_;
	const CommandOptions command_options_;
	Commands commands_;
	AclInheritance acl_;	// every inode is made in the root
	UniquePtr<CloneFinder> clones_;

	InodeInfo cur_;
	bool have_cur_ = false;
	bool refs_done_ = false;
	Vec<Ref> refs_;
	u64 next_write_offset_ = 0;
	HashMap<u64, u64> early_dirs_;		// dirs made before their turn: ino -> generation
	HashMap<u64, bool> pending_utimes_;	// dirs whose UTIMES is still owed
	Vec<u64> pending_order_;
};

Result<void> FullSender::orphan_name(u64 ino, u64 generation, Text* out)
{
	// The first that the subvolume's root directory does not hold.
	return make_orphan_name(ino, generation, out, [this](StringView name) {
		return dir_has_name(fs_, subvolume_.root, kRootDir, name);
	});
}

Result<bool> FullSender::first_ref(u64 ino, u64* parent, Text* name)
{
	return first_name_in(fs_, subvolume_.root, ino, parent, name);
}

Result<void> FullSender::current_path(u64 ino, Text* out)
{
	// Up to the root, or to an inode not made yet, under its orphan name.
	return build_path(ino, out, [this](u64 at, Text* name, u64* parent) -> Result<bool> {
		if (!processed(at)) {
			u64* early = early_dirs_.find(at);
			u64 generation = early ? *early : TRY(read_inode_info(fs_, subvolume_.root, at)).generation;
			TRY(orphan_name(at, generation, name));
			return false;
		}
		if (!TRY(first_ref(at, parent, name)))
			return Error::make(err::kEngineLimit, "inode has no reference to its directory").at_ino(at);
		return true;
	});
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
		TRY(commands_.utimes(info, path.view()));
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
	// Links but no name (inodes without links are left out): the inode
	// would stay under its orphan name.
	if (refs_.empty())
		return Error::make(err::kEngineLimit, "inode has links but no reference to a directory")
			.at_ino(cur_.ino)
			.mismatch(1, 0);
	Text orphan, first_path, target;
	TRY(current_path(cur_.ino, &orphan));
	if (early_dirs_.find(cur_.ino)) {
		early_dirs_.remove(cur_.ino);
	} else {
		TRY(commands_.create(subvolume_.root, cur_, orphan.view()));
		TRY(acl_.created(cur_.ino, is_type(cur_.mode, kDirectory), kRootDir));
	}
	TRY(mark_dir_changed(kRootDir));

	for (usize i = 0; i < refs_.size(); i++) {
		const Ref& ref = refs_[i];
		if (ref.parent != kRootDir && !processed(ref.parent) && !early_dirs_.find(ref.parent)) {
			auto dir = TRY(read_inode_info(fs_, subvolume_.root, ref.parent));
			Text dir_orphan;
			TRY(orphan_name(dir.ino, dir.generation, &dir_orphan));
			TRY(commands_.create(subvolume_.root, dir, dir_orphan.view()));
			TRY(acl_.created(dir.ino, true, kRootDir));
			TRY(early_dirs_.insert(dir.ino, dir.generation));
		}
		TRY(current_path(ref.parent, &target));
		if (target.length())
			TRY(target.append("/"));
		TRY(target.append(ref.name.view()));
		if (i == 0) {
			TRY(commands_.rename(orphan.view(), target.view()));
			TRY(first_path.append(target.view()));
		} else {
			TRY(commands_.link(target.view(), first_path.view()));
		}
		TRY(mark_dir_changed(ref.parent));
	}
	refs_done_ = true;
	return {};
}

Result<void> FullSender::send_extent(const format::Key& key, Bytes item)
{
	Text path;
	TRY(current_path(cur_.ino, &path));
	u64 end = TRY(commands_.write_new_extent(cur_, path.view(), key.offset, item));
	if (end > key.offset)
		next_write_offset_ = end;
	return {};
}

Result<void> FullSender::finish_inode()
{
	if (!refs_done_)
		TRY(process_refs());
	Text path;
	TRY(current_path(cur_.ino, &path));
	TRY(acl_.drop_inherited(commands_, subvolume_.root, cur_.ino, path.view()));
	TRY(commands_.set_new_attributes(subvolume_.root, cur_, path.view(), next_write_offset_));
	if (is_type(cur_.mode, kDirectory))
		TRY(mark_dir_changed(cur_.ino));
	else
		TRY(commands_.utimes(cur_, path.view()));
	commands_.count_inode();
	have_cur_ = false;
	return {};
}

Result<SendStats> FullSender::run()
{
	if (options_.stream_header)
		TRY(out_.write_header());
	TRY(commands_.begin_subvolume(options_.name, subvolume_, nullptr));
	clones_ = TRY(CloneFinder::create(fs_, options_.subvolume, 0, options_.clone_sources));
	commands_.set_clone_finder(clones_.get(), this);

	commands_.set_last_ino(TRY(highest_inode(fs_, subvolume_.root)));
	tree::TreePath path(fs_, subvolume_.root);
	path.read_leaves_ahead();
	Text inode_path;
	u64 orphan = 0;		// an inode without links, left out
	for (bool more = TRY(path.search({kRootDir, 0, 0})); more; more = TRY(path.next())) {
		format::Key key = path.key();
		if (key.objectid > BTRFS_LAST_FREE_OBJECTID)
			break;
		if (key.objectid == orphan)
			continue;
		if (!have_cur_ || key.objectid != cur_.ino) {
			if (have_cur_)
				TRY(finish_inode());
			TRY(commands_.checkpoint(key.objectid));
			if (key.type != BTRFS_INODE_ITEM_KEY)
				return Error::make(err::kEngineLimit, "inode items do not start with its inode item")
					.at_ino(key.objectid)
					.at_bytenr(path.leaf_bytenr())
					.mismatch(BTRFS_INODE_ITEM_KEY, key.type);
			auto item = TRY(format::InodeItemView::over(path.data()));
			if (!item.nlink() && key.objectid != kRootDir) {
				// Deleted while open when the snapshot was taken: not
				// part of the tree (the in-kernel send leaves it out too).
				orphan = key.objectid;
				continue;
			}
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
			TRY(commands_.set_xattrs(inode_path.view(), path.data()));
			// The root comes first: every inode after it is made under
			// its default ACL, if it has one.
			if (cur_.ino == kRootDir && key.offset == name_hash(kAclDefaultXattr))
				TRY(acl_.set_default(kRootDir, TRY(has_xattr(fs_, subvolume_.root, kRootDir,
									    kAclDefaultXattr))));
		} else if (key.type == BTRFS_EXTENT_DATA_KEY) {
			TRY(send_extent(key, path.data()));
		}
	}
	if (have_cur_)
		TRY(finish_inode());
	TRY(flush_dir_utimes());
	// Nothing the stream holds may come from a snapshot that changed
	// under the send (tree/subvolume_watch.h): check before the END.
	TRY(fs_.check_watched_unchanged());
	if (options_.end_command)
		TRY(commands_.end());
	return commands_.stats();
}

} // namespace

Result<SendStats> full_send(tree::Filesystem& fs, FileData& data, stream::StreamWriter& writer,
			    const SendOptions& options)
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
