#include "ctl/cmd_send.h"

#include "ctl/exit_status.h"
#include "ctl/image_sender.h"
#include "ctl/options.h"
#include "ctl/send_options.h"
#include "ctl/sender.h"

namespace sendctl {

int run_send_command(const std::vector<std::string> &args, std::ostream &out,
		     std::ostream &err)
{
	auto options = parse_send_options(args);
	if (!options.ok()) {
		print_usage_error(err, "send", options.error().message);
		return kExitFailure;
	}
	if (options.value().help) {
		out << send_usage();
		return kExitSuccess;
	}

	auto sent = options.value().image.empty() ? send_subvolume(options.value())
						  : send_image(options.value());
	if (!sent.ok()) {
		err << "sendctl: " << sent.error().message << "\n";
		return kExitFailure;
	}
	if (options.value().dry_run)
		out << format_dry_run_estimate(sent.value()) << "\n";
	return kExitSuccess;
}

}  // namespace sendctl
