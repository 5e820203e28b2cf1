#include "ctl/image_sender.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "ctl/output.h"
#include "module/core/format/items.h"
#include "module/core/send/disk_file_data.h"
#include "module/core/send/full_send.h"
#include "module/core/tree/path.h"
#include "module/posix/image.h"

namespace sendctl {

namespace {

// Bytes of tree blocks the engine caches while it sends.
constexpr std::size_t kBlockCacheBytes = 32 << 20;

// Writes the stream to a file descriptor, all of it or an error.
class FdSink final : public bsend::stream::Sink {
public:
	explicit FdSink(int fd) : fd_(fd) {}

	bsend::Result<void> write(bsend::Bytes bytes) override
	{
		std::size_t done = 0;
		while (done < bytes.size()) {
			ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return bsend::Error::make(errno, "cannot write the stream");
			done += static_cast<std::size_t>(n);
		}
		return {};
	}

private:
	int fd_;
};

Error engine_error(const std::string &what, const bsend::Error &error)
{
	std::string message = what + ": " + error.cause;
	if (error.ino)
		message += ", inode " + std::to_string(error.ino);
	if (error.bytenr)
		message += ", bytenr " + std::to_string(error.bytenr);
	if (error.expected || error.found)
		message += " (expected " + std::to_string(error.expected) + ", found " +
			   std::to_string(error.found) + ")";
	message += " (" + std::string(std::strerror(error.errno_value)) + ")";
	return Error{error.errno_value, message};
}

// The subvolume's name in its parent directory (ROOT_BACKREF), which the
// SUBVOL command carries; empty for the top-level subvolume.
bsend::Result<std::string> subvolume_name(bsend::tree::Filesystem &fs, std::uint64_t id)
{
	bsend::tree::TreePath path(fs, TRY(fs.tree_root(BTRFS_ROOT_TREE_OBJECTID)));
	if (!TRY(path.search({id, BTRFS_ROOT_BACKREF_KEY, 0})) || path.key().objectid != id ||
	    path.key().type != BTRFS_ROOT_BACKREF_KEY)
		return std::string();
	bsend::Bytes item = path.data();
	if (item.size() < sizeof(btrfs_root_ref))
		return bsend::Error::make(EUCLEAN, "root backref smaller than its struct").at_ino(id);
	std::size_t length = BSEND_FIELD(item.data(), btrfs_root_ref, name_len);
	if (item.size() < sizeof(btrfs_root_ref) + length)
		return bsend::Error::make(EUCLEAN, "root backref name exceeds its item").at_ino(id);
	return std::string(reinterpret_cast<const char *>(item.data()) + sizeof(btrfs_root_ref), length);
}

}  // namespace

Status send_image(const SendOptions &options)
{
	bsend::posix::ImageHost image;
	if (int ret = image.open(options.image); ret < 0)
		return Error{-ret, "cannot open the image " + options.image + ": " + std::strerror(-ret)};
	auto fs = bsend::tree::Filesystem::open(image.host(), kBlockCacheBytes);
	if (!fs.is_ok())
		return engine_error("cannot read the image " + options.image, fs.error());
	std::uint64_t id = std::strtoull(options.image_subvol.c_str(), nullptr, 10);
	auto name = subvolume_name(*fs.value(), id);
	if (!name.is_ok())
		return engine_error("cannot read subvolume " + options.image_subvol, name.error());

	auto output = open_stream_output(options.output_file);
	if (!output.ok())
		return output.error();
	FdSink sink(output.value().get());
	auto writer = bsend::stream::StreamWriter::create(sink, 1);
	if (!writer.is_ok())
		return engine_error("cannot start the stream", writer.error());
	bsend::send::DiskFileData data(*fs.value());
	bsend::send::FullSendOptions send_options;
	send_options.subvolume = id;
	send_options.name = bsend::StringView(name.value().data(), name.value().size());
	send_options.send_file_data = !options.no_data;
	auto sent = bsend::send::full_send(*fs.value(), data, writer.value(), send_options);
	if (!sent.is_ok())
		return engine_error("cannot send subvolume " + options.image_subvol + " of " + options.image,
				    sent.error());
	return success();
}

}  // namespace sendctl
