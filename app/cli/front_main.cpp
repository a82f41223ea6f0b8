// motionprobe-cli as users run it. LibTorch takes about 0.6 s to load and initialise on every
// start, which is most of what a quick command such as video-info costs, so this small torch-free
// front runs the video commands itself and hands every other command, unchanged, to the engine's
// executable beside it (motionprobe-cli-engine) through exec: the same process id, arguments,
// streams and exit status, so scripts and signals see one program.

#include "commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace {

// The commands whose code needs no LibTorch.
std::vector<mp::cli::Command> frontCommands() {
    return {mp::cli::videoInfoCommand(), mp::cli::videoConvertCommand(), mp::cli::composeCommand()};
}

std::filesystem::path engineExecutable() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (ec ? std::filesystem::path(".") : self.parent_path()) / "motionprobe-cli-engine";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1)
        for (const auto& c : frontCommands())
            if (c.spec.name == argv[1]) {
                mp::cli::installInterruptHandler();
                return mp::cli::dispatch(c, std::vector<std::string>(argv + 2, argv + argc));
            }
    const auto engine = engineExecutable();
    execv(engine.c_str(), argv);
    std::cerr << "motionprobe-cli: cannot run " << engine.string() << ": " << std::strerror(errno)
              << " (it is installed beside motionprobe-cli)\n";
    return 1;
}
