// The engine's C entry points (platform.h): thin wrappers that turn C
// arguments into engine types and Results back into errnos.
#include "module/core/platform.h"
#include "module/core/tree/device_super.h"
#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/send/incremental_send.h"
#include "module/core/send/memory_budget.h"
#include "module/core/send/host_file_data.h"
#include "module/core/send/placeholder_file_data.h"
#include "module/core/stream/discard_sink.h"
#include "module/core/stream/host_sink.h"
#include "uapi/bsend.h"
#include "module/core/tree/subvolume.h"
#include "module/core/tree/walk.h"

using namespace bsend;

namespace {

// Stream versions written: v1, and v2's framing (DATA last without a
// length, 128 KiB WRITEs, OTIME in UTIMES).
constexpr u32 kProtoMin = 1;
constexpr u32 kProtoMax = 2;

Result<bsend_tree_stats> walk_tree(bsend_host_fs* host, u64 tree_id, bsend_host_send* control)
{
	auto fs = TRY(tree::Filesystem::open(host, tree::kSendBlockCacheBytes));
	auto root = TRY(fs->tree_root(tree_id));
	bsend_tree_stats stats = {};
	stats.root_generation = root.generation;
	stats.root_level = root.level;
	TRY(tree::walk_blocks(*fs, root, [&](const format::TreeBlockView& block) -> Result<void> {
		stats.blocks++;
		if (!block.is_leaf())
			return {};
		stats.items += block.nritems();
		for (u32 slot = 0; slot < block.nritems(); slot++)
			stats.inodes += block.item_key(slot).type == BTRFS_INODE_ITEM_KEY;
		bsend_progress progress = {};
		progress.inodes = stats.inodes;
		progress.current_ino = block.nritems() ? block.item_key(block.nritems() - 1).objectid : 0;
		int ret = bsend_host_checkpoint(control, &progress);
		if (ret < 0)
			return Error::make(-ret, "tree walk stopped").at_bytenr(block.bytenr());
		return {};
	}));
	return stats;
}

// -EPERM (with cause) unless tree_id is a read-only subvolume; -ENOENT
// when there is no such subvolume. Then fs watches it for the rest of the
// send (tree/subvolume_watch.h).
Result<void> watch_readonly(tree::Filesystem& fs, u64 tree_id, const char* cause)
{
	auto subvolume = TRY(tree::read_subvolume(fs, tree_id));
	if (!subvolume.readonly())
		return Error::make(err::kPermission, cause).at_ino(tree_id);
	return fs.watch_subvolume({tree_id, subvolume.ctransid});
}

// The errors that a change under the send explains: a block freed and
// reused (EUCLEAN), an inode or item gone (ENOENT, ESTALE), an inode that
// no longer matches (EIO), a state the engine cannot go on from.
bool may_be_a_change_under_the_send(int errno_value)
{
	return errno_value == err::kCorrupt || errno_value == err::kNoEntry || errno_value == err::kStale ||
	       errno_value == err::kIo || errno_value == err::kEngineLimit;
}

// The send's error, or, when a watched subvolume changed in a newer
// commit, that change (-ESTALE), which is what went wrong.
Error explain_failure(tree::Filesystem& fs, const Error& error)
{
	if (!may_be_a_change_under_the_send(error.errno_value))
		return error;
	auto checked = fs.check_watched_unchanged();
	if (!checked.is_ok() && checked.error().errno_value == err::kStale)
		return checked.error();
	return error;
}

Result<bsend_send_stats> send_subvolume(bsend_host_fs* host, bsend_host_out* out, bsend_host_files* files,
					bsend_host_send* control, const bsend_send_params& params)
{
	// ENCODED_WRITE comes with protocol v2 part 2; until then it is refused.
	if (params.flags & BTRFS_SEND_FLAG_COMPRESSED)
		return Error::make(err::kNotSupported, "compressed data (ENCODED_WRITE) is not supported");
	const send::BudgetShares shares = send::share_budget(params.memory_budget);
	auto fs = TRY(tree::Filesystem::open(host, shares.block_cache_bytes));
	TRY(watch_readonly(*fs, params.subvolume, "subvolume is not read-only"));
	if (params.parent)
		TRY(watch_readonly(*fs, params.parent, "parent subvolume is not read-only"));
	for (u64 i = 0; i < params.clone_source_count; i++)
		TRY(watch_readonly(*fs, params.clone_sources[i], "clone source subvolume is not read-only"));
	Vec<char> name;
	TRY(tree::read_subvolume_name(*fs, params.subvolume, &name));

	const bool dry_run = params.flags & BSEND_SEND_FLAG_DRY_RUN;
	stream::HostSink host_sink(out);
	stream::DiscardSink discard_sink;
	stream::Sink& sink = dry_run ? static_cast<stream::Sink&>(discard_sink) : host_sink;
	if (!dry_run)
		TRY(host_sink.init());
	auto writer = TRY(stream::StreamWriter::create(sink, params.version ? params.version : kProtoMax));
	send::HostFileData host_data(files, params.subvolume);
	send::DiskFileData disk_data(*fs);
	send::PlaceholderFileData placeholder_data;
	send::FileData& data = dry_run ? static_cast<send::FileData&>(placeholder_data)
				 : files ? static_cast<send::FileData&>(host_data)
					 : disk_data;
	send::SendOptions options;
	options.subvolume = params.subvolume;
	options.parent = params.parent;
	options.clone_sources = Span<const u64>(params.clone_sources, params.clone_source_count);
	options.name = StringView(name.data(), name.size());
	options.send_file_data = !(params.flags & BTRFS_SEND_FLAG_NO_FILE_DATA);
	options.stream_header = !(params.flags & BTRFS_SEND_FLAG_OMIT_STREAM_HEADER);
	options.end_command = !(params.flags & BTRFS_SEND_FLAG_OMIT_END_CMD);
	options.control = control;
	options.change_set_budget = shares.change_set_bytes;
	auto sent = options.parent ? send::incremental_send(*fs, data, writer, options)
				   : send::full_send(*fs, data, writer, options);
	if (!sent.is_ok())
		return explain_failure(*fs, sent.error());
	if (!dry_run)
		TRY(host_sink.flush());
	bsend_send_stats stats = {};
	stats.inodes = sent.value().inodes;
	stats.commands = sent.value().commands;
	stats.data_bytes = sent.value().data_bytes;
	stats.stream_bytes = writer.bytes_written();
	stats.newer_commits = fs->stats().newer_commits;
	return stats;
}

} // namespace

extern "C" int bsend_engine_check_device_super(const void* super, size_t len,
					       const uint8_t fsid[16],
					       bsend_device_identity* identity,
					       bsend_error* error)
{
	auto result = tree::check_device_super(Bytes(static_cast<const u8*>(super), len),
					       fsid ? Span<const u8>(fsid, 16) : Span<const u8>());
	if (!result.is_ok()) {
		*error = result.error().to_c();
		return error->err;
	}
	*identity = result.value();
	return 0;
}

extern "C" int bsend_engine_tree_stats(bsend_host_fs* fs, uint64_t tree_id, bsend_host_send* control,
				       bsend_tree_stats* stats, bsend_error* error)
{
	auto result = walk_tree(fs, tree_id, control);
	if (!result.is_ok()) {
		*error = result.error().to_c();
		return error->err;
	}
	*stats = result.value();
	return 0;
}

extern "C" int bsend_engine_send(bsend_host_fs* fs, bsend_host_out* out, bsend_host_files* files,
				      bsend_host_send* control, const bsend_send_params* params,
				      bsend_send_stats* stats, bsend_error* error)
{
	auto result = send_subvolume(fs, out, files, control, *params);
	if (!result.is_ok()) {
		*error = result.error().to_c();
		return error->err;
	}
	*stats = result.value();
	return 0;
}

extern "C" uint32_t bsend_engine_proto_min(void) { return kProtoMin; }

extern "C" uint32_t bsend_engine_proto_max(void) { return kProtoMax; }
