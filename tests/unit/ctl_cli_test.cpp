// sendctl's top level and subcommand usage: help, usage errors, exit status.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/ctl_run.h"

#include "ctl/cli.h"
#include "ctl/exit_status.h"

namespace sendctl {
namespace {

TEST(Cli, HelpListsTheSubcommands)
{
	Outcome run = sendctl({"--help"});
	EXPECT_EQ(run.status, kExitSuccess);
	EXPECT_NE(run.out.find("\n  info "), std::string::npos);
	EXPECT_NE(run.out.find("\n  send "), std::string::npos);
	EXPECT_EQ(run.err, "");
}

TEST(Cli, EverySubcommandHasHelp)
{
	for (const char *subcommand : {"info", "send"}) {
		Outcome run = sendctl({subcommand, "--help"});
		EXPECT_EQ(run.status, kExitSuccess) << subcommand;
		EXPECT_EQ(run.out.find(std::string("Usage: sendctl ") +
				       subcommand),
			  0u)
			<< subcommand;
	}
}

// An offline send of a version the engine does not write fails before
// any image is opened or output made (EPROTO, as the module's ioctl).
TEST(Cli, ImageSendOfAnUnwrittenVersionIsRefused)
{
	Outcome run = sendctl({"send", "--image", "/nonexistent.img", "--subvol", "256", "--proto", "3",
			       "-f", "/nonexistent/stream"});
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.err, "sendctl: requested version 3 but bsend writes at most version 2\n");
	EXPECT_EQ(run.out, "");
}

TEST(Cli, UnknownSubcommandIsAUsageError)
{
	Outcome run = sendctl({"frobnicate"});
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.err, "sendctl: unknown subcommand 'frobnicate'\n"
			   "Try 'sendctl --help'.\n");
	EXPECT_EQ(run.out, "");
}

TEST(Cli, MissingSubcommandIsAUsageError)
{
	Outcome run = sendctl({});
	EXPECT_EQ(run.status, kExitFailure);
	EXPECT_EQ(run.err, "sendctl: missing subcommand\n"
			   "Try 'sendctl --help'.\n");
}

TEST(Cli, UnknownOptionsAreUsageErrors)
{
	Outcome top = sendctl({"--frobnicate", "info"});
	EXPECT_EQ(top.status, kExitFailure);
	EXPECT_EQ(top.err, "sendctl: unrecognised option '--frobnicate'\n"
			   "Try 'sendctl --help'.\n");

	Outcome info = sendctl({"info", "--frobnicate"});
	EXPECT_EQ(info.status, kExitFailure);
	EXPECT_EQ(info.err, "sendctl info: unrecognised option '--frobnicate'\n"
			    "Try 'sendctl info --help'.\n");
}

TEST(Cli, SubcommandOptionsAreTheSubcommands)
{
	// --help after the subcommand is the subcommand's own.
	Outcome run = sendctl({"send", "--help"});
	EXPECT_EQ(run.out.find("Usage: sendctl send"), 0u);
}

TEST(Cli, SendRefusesAsBtrfsSendRefuses)
{
	Outcome removed = sendctl({"send", "-i", "x", "snap"});
	EXPECT_EQ(removed.status, kExitFailure);
	EXPECT_EQ(removed.err, "ERROR: option -i was removed, use -c instead\n");

	Outcome nothing = sendctl({"send"});
	EXPECT_EQ(nothing.status, kExitFailure);
	EXPECT_EQ(nothing.err, "sendctl send: not enough arguments: 0 but at least 1 expected\n");

	// -p is checked before the missing SUBVOL, as getopt meets it.
	Outcome two_parents = sendctl({"send", "-p", "/", "-p", "/"});
	EXPECT_EQ(two_parents.status, kExitFailure);
	EXPECT_EQ(two_parents.err, "ERROR: failed to get flags for subvolume /: Inappropriate ioctl for device\n");

	Outcome gone = sendctl({"send", "-f", "/dev/null", "/nonexistent/snap"});
	EXPECT_EQ(gone.status, kExitFailure);
	EXPECT_EQ(gone.err, "ERROR: unable to resolve /nonexistent/snap\n");
}

}  // namespace
}  // namespace sendctl
