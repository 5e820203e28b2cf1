#include "tests/tools/copy_range.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace bsend::test {

namespace {

using sendctl::Error;
using sendctl::Result;
using sendctl::Status;

constexpr uint64_t kChunkBytes = 1 << 20;

Error system_error(const std::string& what)
{
	int errnum = errno;
	return Error{errnum, what + ": " + std::strerror(errnum)};
}

Status write_all(int fd, const char* data, uint64_t length, uint64_t offset)
{
	while (length > 0) {
		ssize_t done = ::pwrite(fd, data, length, static_cast<off_t>(offset));
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return system_error("cannot write the clone destination at " + std::to_string(offset));
		data += done;
		length -= static_cast<uint64_t>(done);
		offset += static_cast<uint64_t>(done);
	}
	return sendctl::success();
}

// Makes [offset, offset + length) of fd read as zeros without writing
// them, where it lies inside size (the part past it is a hole already).
Status punch_hole(int fd, uint64_t offset, uint64_t length, uint64_t size)
{
	if (offset >= size)
		return sendctl::success();
	length = std::min(length, size - offset);
	if (::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
			static_cast<off_t>(length)) == 0)
		return sendctl::success();
	if (errno != EOPNOTSUPP)
		return system_error("cannot punch a hole in the clone destination at " + std::to_string(offset));
	// A filesystem without holes: zeros are all it can store.
	std::vector<char> zeros(std::min(length, kChunkBytes));
	for (uint64_t done = 0; done < length;) {
		uint64_t step = std::min<uint64_t>(zeros.size(), length - done);
		if (auto written = write_all(fd, zeros.data(), step, offset + done); !written.ok())
			return written;
		done += step;
	}
	return sendctl::success();
}

Status copy_data(int src_fd, uint64_t src_offset, int dst_fd, uint64_t dst_offset, uint64_t length)
{
	std::vector<char> buffer(std::min(length, kChunkBytes));
	while (length > 0) {
		ssize_t got = ::pread(src_fd, buffer.data(), std::min<uint64_t>(buffer.size(), length),
				      static_cast<off_t>(src_offset));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return system_error("cannot read the clone source at " + std::to_string(src_offset));
		if (got == 0)
			return Error{EIO, "the clone source ended early, at " + std::to_string(src_offset)};
		if (auto written = write_all(dst_fd, buffer.data(), static_cast<uint64_t>(got), dst_offset);
		    !written.ok())
			return written;
		src_offset += static_cast<uint64_t>(got);
		dst_offset += static_cast<uint64_t>(got);
		length -= static_cast<uint64_t>(got);
	}
	return sendctl::success();
}

// Where the next data at or after pos starts, or end if none before it.
Result<uint64_t> next_data(int fd, uint64_t pos, uint64_t end)
{
	off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
	if (data < 0 && errno == ENXIO)
		return end;
	if (data < 0)
		return system_error("cannot find data in the clone source at " + std::to_string(pos));
	return std::min(static_cast<uint64_t>(data), end);
}

// Where the data at pos ends, or end if it runs past it.
Result<uint64_t> next_hole(int fd, uint64_t pos, uint64_t end)
{
	off_t hole = ::lseek(fd, static_cast<off_t>(pos), SEEK_HOLE);
	if (hole < 0)
		return system_error("cannot find holes in the clone source at " + std::to_string(pos));
	return std::min(static_cast<uint64_t>(hole), end);
}

} // namespace

Result<uint64_t> copy_range_keeping_holes(int src_fd, uint64_t src_offset, int dst_fd, uint64_t dst_offset,
					   uint64_t length)
{
	struct stat src;
	struct stat dst;
	if (::fstat(src_fd, &src) != 0)
		return system_error("cannot stat the clone source");
	if (::fstat(dst_fd, &dst) != 0)
		return system_error("cannot stat the clone destination");
	uint64_t src_size = static_cast<uint64_t>(src.st_size);
	if (src_offset > src_size)
		return Error{EINVAL, "the clone source range starts at " + std::to_string(src_offset) +
					     ", past the source's end at " + std::to_string(src_size)};
	if (length == 0 || length > src_size - src_offset)
		length = src_size - src_offset;
	bool same_file = src.st_dev == dst.st_dev && src.st_ino == dst.st_ino;
	if (same_file && src_offset < dst_offset + length && dst_offset < src_offset + length)
		return Error{EINVAL, "the clone ranges overlap within one file"};

	uint64_t dst_size = static_cast<uint64_t>(dst.st_size);
	uint64_t end = src_offset + length;
	uint64_t copied = 0;
	for (uint64_t pos = src_offset; pos < end;) {
		auto data = next_data(src_fd, pos, end);
		if (!data.ok())
			return data.error();
		if (data.value() > pos) {
			uint64_t hole_length = data.value() - pos;
			auto punched = punch_hole(dst_fd, dst_offset + (pos - src_offset), hole_length, dst_size);
			if (!punched.ok())
				return punched.error();
			pos = data.value();
			continue;
		}
		auto hole = next_hole(src_fd, pos, end);
		if (!hole.ok())
			return hole.error();
		auto done = copy_data(src_fd, pos, dst_fd, dst_offset + (pos - src_offset), hole.value() - pos);
		if (!done.ok())
			return done.error();
		copied += hole.value() - pos;
		pos = hole.value();
	}

	if (::fstat(dst_fd, &dst) != 0)
		return system_error("cannot stat the clone destination");
	if (static_cast<uint64_t>(dst.st_size) < dst_offset + length &&
	    ::ftruncate(dst_fd, static_cast<off_t>(dst_offset + length)) != 0)
		return system_error("cannot extend the clone destination to " +
				    std::to_string(dst_offset + length));
	return copied;
}

} // namespace bsend::test
