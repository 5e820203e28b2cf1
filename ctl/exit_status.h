// sendctl's exit status, the same scheme for every subcommand:
//
//   0  success, including --help
//   1  failure: a usage error (unknown subcommand or option, missing or
//      malformed argument, options that do not go together) or a failed
//      operation (module not loaded, the send refused or failed).
//
// This is btrfs-progs' scheme: scripts test for zero. The message on stderr,
// "sendctl: ..." or "sendctl SUBCOMMAND: ...", names the cause in words.
#ifndef SENDCTL_EXIT_STATUS_H
#define SENDCTL_EXIT_STATUS_H

namespace sendctl {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;

}  // namespace sendctl

#endif
