#pragma once
// JSON parsing for untrusted files: depth-limited, optionally rejecting duplicate keys (nlohmann
// keeps the last duplicate silently, which would let two entries claim one name).

#include "core/error.h"

#include <nlohmann/json.hpp>

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

}  // namespace mp
