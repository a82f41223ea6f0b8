#pragma once
// What every motionprobe-cli command shares around engine work:
//   - the job context: its cancel token is set by SIGINT/SIGTERM (Ctrl-C), and its progress
//     goes to stderr (--progress);
//   - the one mapping from engine errors to exit statuses, and the one place that names the
//     command-line option an engine error is about (the engine never speaks of flags).

#include "cli_args.h"

#include "core/error.h"
#include "core/job.h"

#include <string>
#include <utility>
#include <vector>

namespace mp::cli {

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the input, a model or the work failed
inline constexpr int kExitUsage = 2;   // the command line is wrong
// Interrupted: 128 + the signal, as shells report it (130 for SIGINT, 143 for SIGTERM).
inline constexpr int kExitInterrupted = 130;

// The status an engine error ends a command with: InvalidArgument (a value the user gave is
// wrong) is a usage error, a cancel is an interruption, everything else a failure.
int exitStatusFor(const EngineError& error);

// SIGINT and SIGTERM set the command's cancel token; the work stops at its next step, removes
// what it was writing and the command exits with 128 + the signal. A second signal ends the
// process at once (the default action).
void installInterruptHandler();
int interruptExitStatus();  // 128 + the signal that cancelled, kExitInterrupted if none

// --progress auto|always|never (auto: when stderr is a terminal).
OptionSpec progressOptionSpec();
// The context for one command's engine calls: the interrupt token, and progress lines on stderr
// as --progress says (--quiet, where a command has it, means never).
JobContext commandJob(const ParsedArgs& args);

// Runs fn(); an EngineError it throws is rethrown with "--option VALUE: " in front, same code,
// so the user sees which of their arguments the message is about.
template <class F>
auto forOption(const std::string& option, const std::string& value, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const EngineError& e) {
        if (e.code() == ErrorCode::Cancelled)
            throw;
        throw EngineError(e.code(),
                          "--" + option + (value.empty() ? "" : " " + value) + ": " + e.message());
    }
}

}  // namespace mp::cli
