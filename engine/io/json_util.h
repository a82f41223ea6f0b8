#pragma once
// JSON parsing for untrusted files: depth-limited, optionally rejecting duplicate keys (nlohmann
// keeps the last duplicate silently, which would let two entries claim one name).

#include "core/error.h"
#include "io/file_util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

namespace mp {

struct JsonParseOptions {
    bool rejectDuplicateKeys = true;
    int maxDepth = 64;
    ErrorCode errorCode = ErrorCode::Format;
};

// An untrusted name made safe to quote in a message: control bytes become \xNN (an embedded NUL
// would cut the message short, an escape sequence would reach the terminal), long names are cut.
std::string printable(std::string_view text, std::size_t maxChars = 200);

// Throws EngineError{options.errorCode} whose message starts with `label`.
nlohmann::json parseJsonStrict(std::string_view text,
                               std::string_view label,
                               const JsonParseOptions& options = {});

// Writes `json` indented by 2 with a final newline, atomically (io/file_util.h), as the model
// folders' config files are.
template <class Json>
void writeJsonAtomically(const std::filesystem::path& path, const Json& json) {
    writeFileAtomically(path, [&](std::ostream& s) { s << json.dump(2) << "\n"; });
}

}  // namespace mp
