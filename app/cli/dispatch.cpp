// dispatch(): parse, help, run, and every error printed once, for both executables (the engine's
// and the torch-free front's).

#include "commands.h"

#include <iostream>

namespace mp::cli {

int dispatch(const Command& command, const std::vector<std::string>& args) {
    std::string error;
    auto parsed = parseArgs(command.spec, args, error);
    if (!parsed) {
        std::cerr << "motionprobe-cli " << command.spec.name << ": " << error << "\n";
        return kExitUsage;
    }
    if (parsed->helpRequested()) {
        std::cout << commandHelp(command.spec);
        return kExitOk;
    }
    const std::string prefix = "motionprobe-cli " + command.spec.name + ": ";
    try {
        return command.run(*parsed);
    } catch (const UsageError& e) {
        std::cerr << prefix << e.what() << "\n";
        return kExitUsage;
    } catch (...) {
        const EngineError e = errorFromCurrentException();
        if (e.code() == ErrorCode::Cancelled)
            std::cerr << prefix << "interrupted; nothing was written\n";
        else
            std::cerr << prefix << e.what() << "\n";
        return exitStatusFor(e);
    }
}

}  // namespace mp::cli
