// Fuzz target: the incremental send over a mutated image that holds a
// subvolume and two read-only snapshots of it, as sendctl send --image -p
// makes it: the last subvolume of the root tree is sent against the one
// before it, with the others as clone sources and then the parent (the
// order btrfs send asks in). The tree compare, the three passes over the
// changed inodes and the clone choices all read the mutated trees. Anything
// but a clean error or success is a bug: a crash, a sanitizer report, or
// memory still allocated at the end.
#include <cstdint>

#include "module/core/send/disk_file_data.h"
#include "module/core/send/incremental_send.h"
#include "module/core/tree/subvolume.h"
#include "tests/fuzz/bounded_sink.h"
#include "tests/fuzz/image_target.h"
#include "tests/fuzz/subvolumes.h"

using namespace bsend;

namespace {

// Subvolumes looked at; more only make an input slower.
constexpr usize kMaxSubvolumes = 8;

Result<void> send_last_against_previous(tree::Filesystem& fs)
{
	Vec<u64> ids;
	TRY(fuzz::list_subvolumes(fs, kMaxSubvolumes, &ids));
	if (ids.size() < 2)
		return {};
	send::SendOptions options;
	options.subvolume = ids[ids.size() - 1];
	options.parent = ids[ids.size() - 2];
	Vec<u64> clone_sources;
	for (usize i = 0; i + 2 < ids.size(); i++)
		TRY(clone_sources.push(ids[i]));
	TRY(clone_sources.push(options.parent));
	options.clone_sources = Span<const u64>(clone_sources.data(), clone_sources.size());
	Vec<char> name;
	TRY(tree::read_subvolume_name(fs, options.subvolume, &name));
	options.name = StringView(name.data(), name.size());

	fuzz::BoundedSink sink;
	auto writer = TRY(stream::StreamWriter::create(sink, 1));
	send::DiskFileData data(fs);
	TRY(send::incremental_send(fs, data, writer, options));
	return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	return fuzz::run_on_image(data, size, [](tree::Filesystem& fs) { (void)send_last_against_previous(fs); });
}
