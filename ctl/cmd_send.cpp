#include "ctl/cmd_send.h"

#include "ctl/exit_status.h"
#include "ctl/image_sender.h"
#include "ctl/options.h"
#include "ctl/send_options.h"
#include "ctl/sender.h"

namespace sendctl {
namespace {

// The offline send of --image: one subvolume, its errors as "sendctl:
// ...", and with -v the engine's peak memory.
int send_offline(const SendOptions &options, std::ostream &err, std::vector<SendSummary> *summaries)
{
	auto sent = send_image(options);
	if (!sent.ok()) {
		err << "sendctl: " << sent.error().message << "\n";
		return kExitFailure;
	}
	summaries->push_back(sent.value());
	if (options.verbosity > kLogDefault)
		err << "peak memory: " << sent.value().peak_memory << " bytes\n";
	return kExitSuccess;
}

// The --dry-run estimates, one line per subvolume, each named by its path
// when there are several.
void print_estimates(std::ostream &out, const SendOptions &options,
		     const std::vector<SendSummary> &summaries)
{
	for (std::size_t i = 0; i < summaries.size(); i++) {
		if (summaries.size() > 1)
			out << options.subvols[i] << ": ";
		out << format_dry_run_estimate(summaries[i]) << "\n";
	}
}

}  // namespace

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

	std::vector<SendSummary> summaries;
	int status = options.value().images.empty() ? send_subvolumes(options.value(), err, &summaries)
						   : send_offline(options.value(), err, &summaries);
	if (status == kExitSuccess && options.value().dry_run)
		print_estimates(out, options.value(), summaries);
	return status;
}

}  // namespace sendctl
