// bsend-dump-tree IMAGE TREE_ID: lists the blocks of one tree of an image,
// as bsend's reader sees them, in dump-tree --dfs order with numeric keys.
// Test-only: the unit tests compare the same listing with
// btrfs inspect-internal dump-tree.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "module/posix/image.h"
#include "tests/tools/tree_listing.h"

using namespace bsend;

namespace {

int fail(const Error& error)
{
	std::fprintf(stderr,
		     "bsend-dump-tree: %s (errno %d, bytenr %" PRIu64 ", expected %" PRIu64 ", found %" PRIu64 ")\n",
		     error.cause, error.errno_value, error.bytenr, error.expected, error.found);
	return 1;
}

} // namespace

int main(int argc, char** argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: bsend-dump-tree IMAGE TREE_ID\n");
		return 2;
	}
	posix::ImageHost image;
	if (int ret = image.open(argv[1]); ret < 0) {
		std::fprintf(stderr, "bsend-dump-tree: %s: %s\n", argv[1], std::strerror(-ret));
		return 1;
	}
	auto fs = tree::Filesystem::open(image.host(), 16 << 20);
	if (!fs.is_ok())
		return fail(fs.error());
	auto root = fs.value()->tree_root(std::strtoull(argv[2], nullptr, 0));
	if (!root.is_ok())
		return fail(root.error());
	std::string listing;
	auto listed = test::list_tree(*fs.value(), root.value(), &listing);
	std::fputs(listing.c_str(), stdout);
	if (!listed.is_ok())
		return fail(listed.error());
	return 0;
}
