// libFuzzer target: the input is split into a snapshot folder's files (format and layout flags in
// tests/fuzz/snapshot_input.h), written into a per-process temporary folder, then
// mp::inspectSnapshot (must never throw), mp::toJson(...).dump(), mp::WeightSet::openIndex and
// mp::locateWeights + WeightSet::open (may throw mp::EngineError only) run on it.
// The folder is $MP_FUZZ_TMPDIR, else /dev/shm, else $TMPDIR or /tmp:
// mp-fuzz-snapshot-<pid>-XXXXXX, removed at exit (and, after a crash, by the next run's start-up
// sweep).

#include "snapshot_input.h"

#include "io/file_util.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

std::filesystem::path g_base;  // the per-process folder; inputs go to g_base/s

void removeBase() {
    if (!g_base.empty())
        (void)mp::removeTree(g_base);
}

std::filesystem::path tempParent() {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const char* env : {"MP_FUZZ_TMPDIR"})
        if (const char* v = std::getenv(env); v && *v)
            return v;
    if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
        return "/dev/shm";
    if (const char* v = std::getenv("TMPDIR"); v && *v)
        return v;
    return "/tmp";
}

// A crash ends the process without atexit handlers: remove the folders of processes that are gone.
void sweepStale(const std::filesystem::path& parent) {
    namespace fs = std::filesystem;
    const std::string prefix = "mp-fuzz-snapshot-";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parent, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) != 0)
            continue;
        const auto dash = name.find('-', prefix.size());
        if (dash == std::string::npos)
            continue;
        const std::string pidText = name.substr(prefix.size(), dash - prefix.size());
        if (pidText.empty() || pidText.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(pidText));
        if (::kill(pid, 0) != 0 && errno == ESRCH)
            (void)mp::removeTree(e.path());
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sweepStale(tempParent());
    std::string tmpl =
        (tempParent() / ("mp-fuzz-snapshot-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data()))
        std::abort();
    g_base = tmpl;
    std::atexit(removeBase);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto input = mp_fuzz::decodeSnapshotInput({reinterpret_cast<const char*>(data), size});
    (void)mp_fuzz::exerciseSnapshot(input, g_base / "s");
    return 0;
}
