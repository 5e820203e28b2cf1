// bsend-apply-stream [-f STREAM] DESTDIR: applies btrfs send streams (from
// STREAM, or standard input) to DESTDIR on any filesystem, as btrfs receive
// would. Test-only; see apply_stream.h.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "ctl/unique_fd.h"
#include "tests/tools/apply_stream.h"

namespace {

constexpr const char* kUsage = "usage: bsend-apply-stream [-f STREAM] DESTDIR";

int fail(const std::string& message)
{
	std::fprintf(stderr, "bsend-apply-stream: %s\n", message.c_str());
	return 1;
}

struct Arguments {
	std::string stream;	// empty: standard input
	std::string dest;
};

bool parse_arguments(int argc, char** argv, Arguments* arguments)
{
	for (int i = 1; i < argc; i++) {
		std::string argument = argv[i];
		if (argument == "-f" && i + 1 < argc && arguments->stream.empty())
			arguments->stream = argv[++i];
		else if (!argument.empty() && argument[0] != '-' && arguments->dest.empty())
			arguments->dest = argument;
		else
			return false;
	}
	return !arguments->dest.empty();
}

} // namespace

int main(int argc, char** argv)
{
	Arguments arguments;
	if (!parse_arguments(argc, argv, &arguments))
		return fail(kUsage);
	sendctl::UniqueFd stream;
	int input = STDIN_FILENO;
	if (!arguments.stream.empty()) {
		stream.reset(::open(arguments.stream.c_str(), O_RDONLY | O_CLOEXEC));
		if (!stream.valid())
			return fail("cannot open " + arguments.stream + ": " + std::strerror(errno));
		input = stream.get();
	}
	auto applied = bsend::test::apply_stream(input, arguments.dest);
	if (!applied.ok())
		return fail(applied.error().message);
	return 0;
}
