// bsend-ioctl-probe: issues one BSEND_IOC_SEND built from the command line,
// deliberately wrong where a test wants it, and prints the name of the
// errno it failed with ("EBADF"), or "OK". For tests/vm cases that check
// the module's input validation one row at a time.
//
// Exit status: 0 when the ioctl was issued (whatever it returned), 2 when
// the probe could not build the request (bad option, cannot open a path).
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "uapi/bsend.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitProbed = 0;
constexpr int kExitSetupFailed = 2;

struct SetupError {
	std::string message;
};

po::options_description probe_options()
{
	po::options_description options(
		"Usage: bsend-ioctl-probe [options]\n"
		"Each field of struct bsend_ioctl_send_args is 0 unless set.\n"
		"Numbers are decimal or 0x-prefixed hex. Options");
	options.add_options()
		("help,h", "show this help")
		("bsend", po::value<std::string>()->default_value("/dev/bsend"),
		 "the misc device to issue the ioctl on")
		("subvol", po::value<std::string>(),
		 "subvol_fd: this path opened O_RDONLY")
		("subvol-fd", po::value<std::string>(), "subvol_fd: this number")
		("device", po::value<std::vector<std::string>>()->composing(),
		 "append to device_fds this path opened O_RDONLY (repeatable)")
		("device-fd", po::value<std::vector<std::string>>()->composing(),
		 "append to device_fds this number, after the --device fds"
		 " (repeatable)")
		("device-count", po::value<std::string>(),
		 "device_count (default: the number of device fds)")
		("device-ptr", po::value<std::string>(),
		 "device_fds: this address instead of the array")
		("missing-devices", po::value<std::string>(),
		 "missing_devices (default 0)")
		("send", po::value<std::string>(),
		 "send_fd: this path opened O_WRONLY (default: /dev/null)")
		("send-ro", po::value<std::string>(),
		 "send_fd: this path opened O_RDONLY")
		("send-fd", po::value<std::string>(), "send_fd: this number")
		("clone-root", po::value<std::vector<std::string>>()->composing(),
		 "append this root id to clone_sources (repeatable)")
		("clone-count", po::value<std::string>(),
		 "clone_sources_count (default: the number of --clone-root)")
		("clone-ptr", po::value<std::string>(),
		 "clone_sources: this address instead of the array")
		("parent-root", po::value<std::string>(), "parent_root")
		("flags", po::value<std::string>(), "flags")
		("version", po::value<std::string>(), "version")
		("reserved", "set reserved[0] to 1");
	return options;
}

std::uint64_t number(const std::string &text)
{
	char *end = nullptr;
	errno = 0;
	unsigned long long value = std::strtoull(text.c_str(), &end, 0);
	if (text.empty() || *end != '\0' || errno == ERANGE)
		throw SetupError{"not a number: '" + text + "'"};
	return value;
}

std::vector<std::uint64_t> numbers(const po::variables_map &values,
				   const char *name)
{
	std::vector<std::uint64_t> result;
	if (values.count(name))
		for (const std::string &text :
		     values[name].as<std::vector<std::string>>())
			result.push_back(number(text));
	return result;
}

// Opens path; the fd stays open until the probe exits.
int open_path(const std::string &path, int flags)
{
	int fd = ::open(path.c_str(), flags | O_CLOEXEC);
	if (fd < 0) {
		int errnum = errno;
		throw SetupError{"cannot open " + path + ": " + strerror(errnum)};
	}
	return fd;
}

std::string errno_name(int errnum)
{
	if (errnum == 0)
		return "OK";
	const char *name = strerrorname_np(errnum);
	return name ? name : "errno " + std::to_string(errnum);
}

int probe(const po::variables_map &values)
{
	bsend_ioctl_send_args args = {};

	if (values.count("subvol"))
		args.subvol_fd = open_path(values["subvol"].as<std::string>(),
					   O_RDONLY);
	if (values.count("subvol-fd"))
		args.subvol_fd = static_cast<__s64>(
			number(values["subvol-fd"].as<std::string>()));

	std::vector<__s32> device_fds;
	if (values.count("device"))
		for (const std::string &path :
		     values["device"].as<std::vector<std::string>>())
			device_fds.push_back(open_path(path, O_RDONLY));
	for (std::uint64_t fd : numbers(values, "device-fd"))
		device_fds.push_back(static_cast<__s32>(fd));
	args.device_count = static_cast<__u32>(device_fds.size());
	args.device_fds = reinterpret_cast<std::uintptr_t>(device_fds.data());
	if (values.count("device-count"))
		args.device_count = static_cast<__u32>(
			number(values["device-count"].as<std::string>()));
	if (values.count("device-ptr"))
		args.device_fds = number(values["device-ptr"].as<std::string>());
	if (values.count("missing-devices"))
		args.missing_devices = static_cast<__u32>(
			number(values["missing-devices"].as<std::string>()));

	if (values.count("send-fd"))
		args.send_fd = static_cast<__s64>(
			number(values["send-fd"].as<std::string>()));
	else if (values.count("send-ro"))
		args.send_fd = open_path(values["send-ro"].as<std::string>(),
					 O_RDONLY);
	else
		args.send_fd = open_path(values.count("send")
						 ? values["send"].as<std::string>()
						 : "/dev/null",
					 O_WRONLY);

	std::vector<std::uint64_t> clone_roots = numbers(values, "clone-root");
	args.clone_sources_count = clone_roots.size();
	args.clone_sources = reinterpret_cast<std::uintptr_t>(clone_roots.data());
	if (values.count("clone-count"))
		args.clone_sources_count =
			number(values["clone-count"].as<std::string>());
	if (values.count("clone-ptr"))
		args.clone_sources = number(values["clone-ptr"].as<std::string>());

	if (values.count("parent-root"))
		args.parent_root = number(values["parent-root"].as<std::string>());
	if (values.count("flags"))
		args.flags = number(values["flags"].as<std::string>());
	if (values.count("version"))
		args.version = static_cast<__u32>(
			number(values["version"].as<std::string>()));
	if (values.count("reserved"))
		args.reserved[0] = 1;

	int bsend = open_path(values["bsend"].as<std::string>(), O_RDWR);
	int errnum = ::ioctl(bsend, BSEND_IOC_SEND, &args) < 0 ? errno : 0;
	std::cout << errno_name(errnum) << "\n";
	return kExitProbed;
}

}  // namespace

int main(int argc, char **argv)
{
	po::options_description options = probe_options();
	try {
		po::variables_map values;
		po::store(po::parse_command_line(argc, argv, options), values);
		po::notify(values);
		if (values.count("help")) {
			std::cout << options;
			return kExitProbed;
		}
		return probe(values);
	} catch (const po::error &e) {
		std::cerr << "bsend-ioctl-probe: " << e.what() << "\n";
	} catch (const SetupError &e) {
		std::cerr << "bsend-ioctl-probe: " << e.message << "\n";
	}
	return kExitSetupFailed;
}
