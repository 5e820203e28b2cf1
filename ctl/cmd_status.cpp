#include "ctl/cmd_status.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "ctl/exit_status.h"
#include "ctl/genl_client.h"
#include "ctl/options.h"

namespace po = boost::program_options;

namespace sendctl {

int run_status_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	po::options_description visible("Options");
	visible.add_options()("help,h", "show this help")("json", "print a JSON array instead of a table");
	auto values = parse_options(args, visible, po::options_description(), po::positional_options_description());
	if (!values.ok()) {
		print_usage_error(err, "status", values.error().message);
		return kExitFailure;
	}
	if (values.value().count("help")) {
		out << "Usage: sendctl status [--json]\n"
		       "\n"
		       "List the sends in flight in the bsend module: id, process, subvolume,\n"
		       "parent, stream bytes and inodes so far, phase and elapsed time.\n"
		       "Needs CAP_SYS_ADMIN.\n"
		       "\n"
		    << visible;
		return kExitSuccess;
	}
	auto sends = list_sends();
	if (!sends.ok()) {
		if (sends.error().errnum == EPERM)
			err << "sendctl: listing the sends in flight needs CAP_SYS_ADMIN\n";
		else
			err << "sendctl: " << sends.error().message << "\n";
		return kExitFailure;
	}
	if (values.value().count("json")) {
		out << format_status_json(sends.value());
	} else {
		auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
			std::chrono::system_clock::now().time_since_epoch());
		out << format_status_table(sends.value(), static_cast<std::uint64_t>(now.count()));
	}
	return kExitSuccess;
}

int run_cancel_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	po::options_description visible("Options");
	visible.add_options()("help,h", "show this help");
	po::options_description hidden;
	hidden.add_options()("id", po::value<std::string>());
	po::positional_options_description positional;
	positional.add("id", 1);
	auto values = parse_options(args, visible, hidden, positional);
	if (!values.ok()) {
		print_usage_error(err, "cancel", values.error().message);
		return kExitFailure;
	}
	if (values.value().count("help")) {
		out << "Usage: sendctl cancel ID\n"
		       "\n"
		       "End the send ID (see 'sendctl status'): it fails with ECANCELED and its\n"
		       "stream gets no END command, so receive rejects it. Needs CAP_SYS_ADMIN.\n"
		       "\n"
		    << visible;
		return kExitSuccess;
	}
	if (!values.value().count("id")) {
		print_usage_error(err, "cancel", "missing ID");
		return kExitFailure;
	}
	std::string text = values.value()["id"].as<std::string>();
	char *end = nullptr;
	errno = 0;
	unsigned long long id = std::strtoull(text.c_str(), &end, 10);
	if (text.empty() || *end || errno || text[0] == '-') {
		print_usage_error(err, "cancel", "invalid send id '" + text + "'");
		return kExitFailure;
	}
	Status cancelled = cancel_send(id);
	if (!cancelled.ok()) {
		if (cancelled.error().errnum == ENOENT)
			err << "sendctl: no send " << id << " in flight (see 'sendctl status')\n";
		else if (cancelled.error().errnum == EPERM)
			err << "sendctl: cancelling a send needs CAP_SYS_ADMIN\n";
		else
			err << "sendctl: " << cancelled.error().message << "\n";
		return kExitFailure;
	}
	return kExitSuccess;
}

}  // namespace sendctl
