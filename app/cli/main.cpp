// motionprobe-cli: the headless front end. Qt-free, so the engine-only GPU build has it too.

#include "commands.h"

#include "core/log.h"
#include "runtime/device.h"

#include <iostream>

namespace {

const std::vector<mp::cli::Command>& commands() {
    static const std::vector<mp::cli::Command> all = [] {
        std::vector<mp::cli::Command> list = {
            mp::cli::benchCommand(),        mp::cli::generateCommand(), mp::cli::infoCommand(),
            mp::cli::runComponentCommand(), mp::cli::scheduleCommand(), mp::cli::versionCommand(),
            mp::cli::trainToyCommand(),     mp::cli::toyEvalCommand(),
        };
#ifdef MP_HAVE_VIDEO
        list.push_back(mp::cli::videoInfoCommand());
        list.push_back(mp::cli::videoToTensorCommand());
        list.push_back(mp::cli::tensorToVideoCommand());
        list.push_back(mp::cli::videoConvertCommand());
        list.push_back(mp::cli::composeCommand());
        list.push_back(mp::cli::scoreCommand());
        list.push_back(mp::cli::toyWorldCommand());
        list.push_back(mp::cli::toyOracleCommand());
        list.push_back(mp::cli::toyTokenizerCommand());
        list.push_back(mp::cli::probeCommand());
        list.push_back(mp::cli::customizeCommand());
#endif
        return list;
    }();
    return all;
}

void printUsage(std::ostream& out) {
    out << "usage: motionprobe-cli <command> [options]\n\ncommands:\n";
    for (const auto& c : commands()) {
        std::string name = "  " + c.spec.name;
        name.resize(18, ' ');
        // The first sentence; a summary of one sentence is shown whole.
        const auto stop = c.spec.summary.find(". ");
        std::string summary =
            stop == std::string::npos ? c.spec.summary : c.spec.summary.substr(0, stop + 1);
        out << name << summary << "\n";
    }
    out << "\nRun 'motionprobe-cli <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(std::cout);
        return args.empty() ? mp::cli::kExitUsage : mp::cli::kExitOk;
    }
    if (args[0] == "--version")
        args[0] = "version";
    mp::configureThreads();
    mp::cli::installInterruptHandler();
#ifdef MP_HAVE_VIDEO
    // The dataset benchmarks are sub-commands of bench ("bench probe", "bench merge"); plain
    // `bench --component …` stays the speed benchmark.
    if (args[0] == "bench" && args.size() > 1)
        for (const auto& c : {mp::cli::benchProbeCommand(), mp::cli::benchCustomizeCommand(),
                              mp::cli::benchMergeCommand()
#ifdef MP_HAVE_STORE
                                  ,
                              mp::cli::benchReportCommand()
#endif
             })
            if (c.spec.name == "bench " + args[1]) {
                mp::cli::setSubcommandArgs({args.begin() + 2, args.end()});
                return mp::cli::dispatch(c, {args.begin() + 2, args.end()});
            }
#endif
    for (const auto& c : commands())
        if (c.spec.name == args[0])
            return mp::cli::dispatch(c, {args.begin() + 1, args.end()});
    std::cerr << "motionprobe-cli: unknown command '" << args[0] << "'\n\n";
    printUsage(std::cerr);
    return mp::cli::kExitUsage;
}
