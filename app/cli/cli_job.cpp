#include "cli_job.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>

namespace mp::cli {

namespace {

// The process's one interrupt token. The handler only stores to lock-free atomics. Never
// destroyed: a signal can arrive while the process exits, after static destructors have run, and
// the handler must not store into freed memory (a second SIGTERM did: "corrupted size vs.
// prev_size" at exit).
const CancelToken& interruptToken() {
    static const CancelToken* token = new CancelToken;
    return *token;
}
std::atomic<bool>* g_interruptFlag = nullptr;
volatile std::sig_atomic_t g_signal = 0;

extern "C" void onInterrupt(int sig) {
    g_signal = sig;
    if (g_interruptFlag)
        g_interruptFlag->store(true, std::memory_order_relaxed);
    // A second Ctrl-C ends the process at once. SIGTERM stays an orderly stop however often it
    // comes: `timeout` sends it to the command and to its process group, so it arrives twice.
    if (sig == SIGINT)
        std::signal(sig, SIG_DFL);
}

std::string formatSeconds(double s) {
    char buf[32];
    if (s < 90)
        std::snprintf(buf, sizeof buf, "%.0fs", s);
    else
        std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    return buf;
}

// Progress lines on stderr: on a terminal one line rewritten in place, elsewhere a line per
// report at most every two seconds (and at the end of each stage), so logs stay readable.
ProgressFn progressPrinter(bool terminal) {
    struct State {
        std::mutex mutex;
        std::chrono::steady_clock::time_point last{};
        std::string stage;
        bool open = false;
    };
    auto state = std::make_shared<State>();
    return [state, terminal](const ProgressEvent& e) {
        std::lock_guard lock(state->mutex);
        const auto now = std::chrono::steady_clock::now();
        const bool end = e.total > 0 && e.step >= e.total;
        const auto gap = terminal ? std::chrono::milliseconds(100) : std::chrono::seconds(2);
        if (!end && e.stage == state->stage && now - state->last < gap)
            return;
        if (state->open && e.stage != state->stage && terminal)
            std::fputc('\n', stderr);
        state->last = now;
        state->stage = e.stage;
        std::string line = e.stage + " " + std::to_string(e.step);
        if (e.total > 0)
            line += "/" + std::to_string(e.total);
        if (e.etaSeconds >= 0 && !end)
            line += " (" + formatSeconds(e.etaSeconds) + " left)";
        else if (end)
            line += " (" + formatSeconds(e.elapsedSeconds) + ")";
        if (terminal) {
            std::fprintf(stderr, "\r%s\033[K", line.c_str());
            state->open = !end;
            if (end)
                std::fputc('\n', stderr);
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
        std::fflush(stderr);
    };
}

}  // namespace

int exitStatusFor(const EngineError& error) {
    switch (error.code()) {
        case ErrorCode::InvalidArgument:
            return kExitUsage;
        case ErrorCode::Cancelled:
            return interruptExitStatus();
        default:
            return kExitFailed;
    }
}

void installInterruptHandler() {
    g_interruptFlag = interruptToken().flag();
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int interruptExitStatus() {
    return g_signal ? 128 + int(g_signal) : kExitInterrupted;
}

OptionSpec progressOptionSpec() {
    return {"progress", "WHEN",
            "progress lines on stderr: auto (when stderr is a terminal), always or never", false,
            "auto"};
}

JobContext commandJob(const ParsedArgs& args) {
    JobContext job;
    job.cancel = interruptToken();
    job.previewEvery = 0;
    std::string when = args.value("progress");
    if (when.empty())
        when = "auto";
    if (when != "auto" && when != "always" && when != "never")
        throw UsageError("--progress: expected auto, always or never, got '" + when + "'");
    const bool terminal = isatty(STDERR_FILENO) != 0;
    const bool show = !args.flag("quiet") && (when == "always" || (when == "auto" && terminal));
    if (show)
        job.progress = progressPrinter(terminal);
    return job;
}

}  // namespace mp::cli
