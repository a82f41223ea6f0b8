#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace mp::log {
namespace {

std::mutex g_mutex;
Sink g_sink;
std::atomic<Level> g_minLevel{Level::Info};

void defaultSink(Level level, std::string_view message) {
    if (level < Level::Warning)
        return;
    std::fprintf(stderr, "motionprobe: %s: %.*s\n", levelName(level), int(message.size()),
                 message.data());
}

}  // namespace

void setSink(Sink sink) {
    std::lock_guard lock(g_mutex);
    g_sink = std::move(sink);
}

void setMinLevel(Level level) {
    g_minLevel = level;
}
void write(Level level, std::string_view message) {
    if (level < g_minLevel)
        return;
    std::lock_guard lock(g_mutex);
    if (g_sink)
        g_sink(level, message);
    else
        defaultSink(level, message);
}

const char* levelName(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warning:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "?";
}

}  // namespace mp::log
