#pragma once

#include "cli_args.h"

#include <functional>
#include <string>
#include <vector>

namespace mp {
struct DeviceChoice;
}

namespace mp::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the work failed or the input has problems
inline constexpr int kExitUsage = 2;   // the command line is wrong

struct Command {
    CommandSpec spec;
    std::function<int(const ParsedArgs&)> run;
};

Command benchCommand();
Command generateCommand();
Command infoCommand();
Command runComponentCommand();
Command scheduleCommand();
Command versionCommand();
#ifdef MP_HAVE_VIDEO
// Video I/O (FFmpeg builds only): docs/video.md.
Command videoInfoCommand();
Command videoToTensorCommand();
Command tensorToVideoCommand();
Command videoConvertCommand();
Command composeCommand();
Command scoreCommand();  // metrics on a decoded video: docs/metrics.md
#endif

// --device/--dtype of a command that runs models, resolved (UsageError when unusable), with the
// engine's thread count and per-device tuning applied. Defined in cmd_generate.cpp.
mp::DeviceChoice deviceFromArgs(const ParsedArgs& args);

// Parses args against the command's spec, prints help or usage errors, then runs it.
int dispatch(const Command& command, const std::vector<std::string>& args);

}  // namespace mp::cli
