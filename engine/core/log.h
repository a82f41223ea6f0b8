#pragma once
// Pluggable engine log sink (like sd_set_log_callback). The app forwards it to a Qt logging
// category; the CLI prints warnings and errors to stderr.

#include <functional>
#include <string>
#include <string_view>

namespace mp::log {

enum class Level { Debug, Info, Warning, Error };

using Sink = std::function<void(Level, std::string_view message)>;

// Replaces the sink; an empty function restores the default (stderr for Warning and above).
void setSink(Sink sink);
void setMinLevel(Level level);
void write(Level level, std::string_view message);
const char* levelName(Level level);

inline void debug(std::string_view m) {
    write(Level::Debug, m);
}
inline void info(std::string_view m) {
    write(Level::Info, m);
}
inline void warning(std::string_view m) {
    write(Level::Warning, m);
}
inline void error(std::string_view m) {
    write(Level::Error, m);
}

}  // namespace mp::log
