#include "io/config.h"

#include "core/error.h"
#include "io/file_util.h"
#include "io/json_util.h"

#include <cmath>
#include <optional>

namespace mp {

using nlohmann::json;

namespace {
constexpr int kMaxDepth = 64;

std::string typeName(const nlohmann::json& v) {
    if (v.is_number_integer())
        return "an integer";
    if (v.is_number_float())
        return "a number";
    if (v.is_boolean())
        return "a boolean";
    if (v.is_string())
        return "a string";
    if (v.is_array())
        return "an array";
    if (v.is_object())
        return "an object";
    return "null";
}
std::string describe(const nlohmann::json& v) {
    return typeName(v) + " " +
           printable(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The value as an int64 if it is one exactly: integers in range (nlohmann keeps values above
// INT64_MAX as unsigned, which must not wrap to negative), or floats like 4.0 that some
// exporters write for 4.
std::optional<std::int64_t> exactInt(const nlohmann::json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(u);
        return std::nullopt;
    }
    if (v.is_number_integer())
        return v.get<std::int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15)
            return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}
}  // namespace

JsonConfig JsonConfig::load(const std::filesystem::path& path) {
    return parse(readTextFile(path, 16u << 20), path.string());
}

JsonConfig JsonConfig::parse(std::string_view text, std::string label) {
    JsonConfig c;
    c.m_label = std::move(label);
    // Python's json keeps the last of duplicate keys; so do we, to read configs as diffusers does.
    c.m_json = parseJsonStrict(
        text, c.m_label,
        {.rejectDuplicateKeys = false, .maxDepth = kMaxDepth, .errorCode = ErrorCode::Config});
    if (!c.m_json.is_object())
        throw EngineError(
            ErrorCode::Config,
            c.m_label + ": expected a JSON object at the top, got " + typeName(c.m_json));
    return c;
}

void JsonConfig::checkRange(std::string_view key,
                            std::int64_t value,
                            std::int64_t lo,
                            std::int64_t hi) const {
    if (value < lo || value > hi)
        fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                      ", got " + std::to_string(value));
}

void JsonConfig::requireClass(std::string_view key,
                              std::initializer_list<std::string_view> accepted,
                              std::string_view what) const {
    const auto name = optionalString(key);
    if (!name)
        return;
    for (auto a : accepted)
        if (*name == a)
            return;
    throw EngineError(ErrorCode::Unsupported, m_label + ": " + std::string(key) + " '" + *name +
                                                  "' is not " + std::string(what));
}

void JsonConfig::fail(std::string_view key, const std::string& what) const {
    throw EngineError(ErrorCode::Config, m_label + ": key '" + printable(key) + "' " + what);
}

const nlohmann::json* JsonConfig::lookup(std::string_view key) const {
    m_read.emplace(key);
    auto it = m_json.find(key);
    return it == m_json.end() ? nullptr : &*it;
}

bool JsonConfig::has(std::string_view key) const {
    return m_json.contains(key);
}
bool JsonConfig::isNull(std::string_view key) const {
    auto it = m_json.find(key);
    return it == m_json.end() || it->is_null();
}

const nlohmann::json& JsonConfig::raw(std::string_view key) const {
    static const nlohmann::json kNull;
    const nlohmann::json* v = lookup(key);
    return v ? *v : kNull;
}

std::int64_t JsonConfig::requireInt(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected an integer)");
    if (auto n = exactInt(*v))
        return *n;
    fail(key, "expected an integer, got " + describe(*v));
}

double JsonConfig::requireDouble(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected a number)");
    if (!v->is_number())
        fail(key, "expected a number, got " + describe(*v));
    return v->get<double>();
}

bool JsonConfig::requireBool(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected true or false)");
    if (!v->is_boolean())
        fail(key, "expected true or false, got " + describe(*v));
    return v->get<bool>();
}

std::string JsonConfig::requireString(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected a string)");
    if (!v->is_string())
        fail(key, "expected a string, got " + describe(*v));
    return v->get<std::string>();
}

const nlohmann::json& JsonConfig::requireArray(std::string_view key, const char* of) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, std::string("is missing (expected an array of ") + of + ")");
    if (!v->is_array())
        fail(key, std::string("expected an array of ") + of + ", got " + describe(*v));
    return *v;
}

void JsonConfig::failElement(std::string_view key,
                             const char* of,
                             std::size_t index,
                             const nlohmann::json& element) const {
    fail(key, std::string("expected an array of ") + of + ", but element " + std::to_string(index) +
                  " is " + describe(element));
}

std::vector<std::int64_t> JsonConfig::requireIntList(std::string_view key) const {
    const auto& array = requireArray(key, "integers");
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const auto n = exactInt(array[i]);
        if (!n)
            failElement(key, "integers", i, array[i]);
        out.push_back(*n);
    }
    return out;
}

std::vector<std::string> JsonConfig::requireStringList(std::string_view key) const {
    const auto& array = requireArray(key, "strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array.size(); ++i) {
        if (!array[i].is_string())
            failElement(key, "strings", i, array[i]);
        out.push_back(array[i].get<std::string>());
    }
    return out;
}

// A key that is absent or null takes the fallback (and still counts as read).
std::int64_t JsonConfig::getInt(std::string_view key, std::int64_t fallback) const {
    return orFallback(key, fallback, &JsonConfig::requireInt);
}
double JsonConfig::getDouble(std::string_view key, double fallback) const {
    return orFallback(key, fallback, &JsonConfig::requireDouble);
}
bool JsonConfig::getBool(std::string_view key, bool fallback) const {
    return orFallback(key, fallback, &JsonConfig::requireBool);
}
std::string JsonConfig::getString(std::string_view key, std::string fallback) const {
    return orFallback(key, std::move(fallback), &JsonConfig::requireString);
}
std::vector<std::int64_t> JsonConfig::getIntList(std::string_view key,
                                                 std::vector<std::int64_t> fallback) const {
    return orFallback(key, std::move(fallback), &JsonConfig::requireIntList);
}
std::vector<std::string> JsonConfig::getStringList(std::string_view key,
                                                   std::vector<std::string> fallback) const {
    return orFallback(key, std::move(fallback), &JsonConfig::requireStringList);
}
std::optional<std::int64_t> JsonConfig::optionalInt(std::string_view key) const {
    return orFallback(
        key, std::optional<std::int64_t>(),
        [](const JsonConfig* c, std::string_view k) { return std::optional(c->requireInt(k)); });
}
std::optional<std::string> JsonConfig::optionalString(std::string_view key) const {
    return orFallback(
        key, std::optional<std::string>(),
        [](const JsonConfig* c, std::string_view k) { return std::optional(c->requireString(k)); });
}

std::vector<std::string> JsonConfig::unreadKeys() const {
    std::vector<std::string> out;
    for (const auto& [k, _] : m_json.items())
        if (!k.empty() && k[0] != '_' && !m_read.count(k))
            out.push_back(k);
    return out;
}

}  // namespace mp
