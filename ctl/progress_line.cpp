#include "ctl/progress_line.h"

#include <cstdio>

#include "ctl/clock_text.h"

namespace sendctl {
namespace {

constexpr double kNsPerSecond = 1e9;

// Bytes per second over the elapsed time, or 0 before any time passed.
double rate_of(const ProgressSnapshot &snapshot)
{
	if (snapshot.elapsed_ns == 0)
		return 0;
	return static_cast<double>(snapshot.bytes) * kNsPerSecond / static_cast<double>(snapshot.elapsed_ns);
}

std::string rate_text(double bytes_per_second)
{
	return size_text(static_cast<std::uint64_t>(bytes_per_second)) + "/s";
}

}  // namespace

std::string size_text(std::uint64_t bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (bytes < 1024)
		return std::to_string(bytes) + " B";
	double value = static_cast<double>(bytes) / 1024;
	unsigned unit = 0;
	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	char text[32];
	std::snprintf(text, sizeof(text), "%.2f %s", value, units[unit]);
	return text;
}

std::string format_progress_line(const ProgressSnapshot &snapshot)
{
	std::uint64_t seconds = snapshot.elapsed_ns / 1000000000ull;
	std::string line = size_text(snapshot.bytes);
	double fraction = -1;
	if (snapshot.total_bytes) {
		fraction = static_cast<double>(snapshot.bytes) / static_cast<double>(snapshot.total_bytes);
		if (fraction > 1)
			fraction = 1;
		char share[16];
		std::snprintf(share, sizeof(share), "  %.0f%%", fraction * 100);
		line += " of " + size_text(snapshot.total_bytes) + share;
	}
	line += "  " + rate_text(rate_of(snapshot)) + "  " + clock_text(seconds);
	if (fraction > 0 && seconds >= 1) {
		double elapsed = static_cast<double>(snapshot.elapsed_ns) / kNsPerSecond;
		double remaining = elapsed * (1 - fraction) / fraction;
		line += "  ETA " + clock_text(static_cast<std::uint64_t>(remaining + 0.5));
	}
	if (snapshot.inodes)
		line += "  " + std::to_string(snapshot.inodes) + " inodes";
	return line;
}

std::string format_progress_summary(const ProgressSnapshot &snapshot)
{
	std::string line = "sent " + size_text(snapshot.bytes) + " in " +
			   clock_text(snapshot.elapsed_ns / 1000000000ull) + " (" + rate_text(rate_of(snapshot)) +
			   ")";
	if (snapshot.inodes)
		line += ", " + std::to_string(snapshot.inodes) + " inodes";
	return line;
}

std::string format_dry_run_estimate(const SendSummary &summary)
{
	return "estimated stream size: " + std::to_string(summary.stream_bytes) + " bytes (" +
	       size_text(summary.stream_bytes) + "), " + std::to_string(summary.inodes) + " inodes, " +
	       std::to_string(summary.commands) + " commands, " + std::to_string(summary.data_bytes) +
	       " bytes of file data";
}

}  // namespace sendctl
