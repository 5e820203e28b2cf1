// Paths of a send stream are relative to the subvolume directory being
// received, and must stay inside it. A stream path is accepted only as plain
// names joined by '/' ("a/b/c"; the empty path is the subvolume directory
// itself), and the directories on the way are opened one at a time without
// following symlinks, so no name a stream created can lead outside.
#pragma once

#include <string>
#include <string_view>

#include "ctl/result.h"
#include "ctl/unique_fd.h"

namespace bsend::test {

// Why a stream path is refused ("is absolute", "has a \"..\" component"),
// or nullptr when it is plain names joined by '/', or empty.
const char* path_refusal(std::string_view path);

// The directory that holds the last name of a path, and that name; "." for
// the empty path.
struct ParentDir {
	sendctl::UniqueFd dir;	// O_PATH
	std::string name;

	// "/proc/self/fd/N/name", for the calls that take only a path
	// (lsetxattr, lremovexattr); the last name is not followed by them.
	std::string proc_path() const;
};

// Opens the parent directory of path beneath root_fd; path must be one that
// path_refusal accepts. Fails on a missing directory or a symlink on the way.
sendctl::Result<ParentDir> open_parent(int root_fd, std::string_view path);

} // namespace bsend::test
