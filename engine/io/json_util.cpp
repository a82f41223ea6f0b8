#include "io/json_util.h"

#include <set>
#include <string>
#include <vector>

namespace mp {

using nlohmann::json;

std::string printable(std::string_view text, std::size_t maxChars) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (out.size() >= maxChars) {
            out += "...(" + std::to_string(text.size()) + " bytes)";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

json parseJsonStrict(std::string_view text,
                     std::string_view label,
                     const JsonParseOptions& options) {
    auto fail = [&](const std::string& what) {
        throw EngineError(options.errorCode, std::string(label) + ": " + what);
    };
    std::vector<std::set<std::string>> keys;
    auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth > options.maxDepth)
            fail("JSON is nested deeper than " + std::to_string(options.maxDepth));
        if (!options.rejectDuplicateKeys)
            return true;
        switch (event) {
            case json::parse_event_t::object_start:
                keys.emplace_back();
                break;
            case json::parse_event_t::object_end:
                if (!keys.empty())
                    keys.pop_back();
                break;
            case json::parse_event_t::key:
                if (!keys.empty() && parsed.is_string() &&
                    !keys.back().insert(parsed.get<std::string>()).second)
                    fail("JSON repeats the key '" + printable(parsed.get<std::string>()) + "'");
                break;
            default:
                break;
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), callback);
    } catch (const json::exception& e) {
        fail(std::string("not valid JSON: ") + e.what());
    }
    return {};
}

}  // namespace mp
