#include "tests/tools/confined_path.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

namespace bsend::test {

namespace {

constexpr int kDirectoryFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

} // namespace

const char* path_refusal(std::string_view path)
{
	if (path.empty())
		return nullptr;
	if (path.find('\0') != std::string_view::npos)
		return "has a NUL byte";
	if (path.front() == '/')
		return "is absolute";
	size_t start = 0;
	for (;;) {
		size_t slash = path.find('/', start);
		size_t length = slash == std::string_view::npos ? slash : slash - start;
		std::string_view name = path.substr(start, length);
		if (name.empty())
			return "has an empty component";
		if (name == "..")
			return "has a \"..\" component";
		if (name == ".")
			return "has a \".\" component";
		if (slash == std::string_view::npos)
			return nullptr;
		start = slash + 1;
	}
}

std::string ParentDir::proc_path() const
{
	return "/proc/self/fd/" + std::to_string(dir.get()) + "/" + name;
}

sendctl::Result<ParentDir> open_parent(int root_fd, std::string_view path)
{
	ParentDir parent;
	parent.dir.reset(::openat(root_fd, ".", kDirectoryFlags));
	if (!parent.dir.valid()) {
		int errnum = errno;
		return sendctl::Error{errnum, std::string("cannot open the subvolume directory: ") +
						      std::strerror(errnum)};
	}
	if (path.empty()) {
		parent.name = ".";
		return parent;
	}
	size_t start = 0;
	for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', start)) {
		std::string name(path.substr(start, slash - start));
		sendctl::UniqueFd next(::openat(parent.dir.get(), name.c_str(), kDirectoryFlags));
		if (!next.valid()) {
			int errnum = errno;
			std::string directory(path.substr(0, slash));
			return sendctl::Error{errnum, "cannot open directory \"" + directory + "\": " +
							      std::strerror(errnum)};
		}
		parent.dir = std::move(next);
		start = slash + 1;
	}
	parent.name = std::string(path.substr(start));
	return parent;
}

} // namespace bsend::test
