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

std::vector<std::int64_t> JsonConfig::requireIntList(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected an array of integers)");
    if (!v->is_array())
        fail(key, "expected an array of integers, got " + describe(*v));
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < v->size(); ++i) {
        const nlohmann::json& e = (*v)[i];
        const auto n = exactInt(e);
        if (!n)
            fail(key, "expected an array of integers, but element " + std::to_string(i) + " is " +
                          describe(e));
        out.push_back(*n);
    }
    return out;
}

std::vector<std::string> JsonConfig::requireStringList(std::string_view key) const {
    const nlohmann::json* v = lookup(key);
    if (!v)
        fail(key, "is missing (expected an array of strings)");
    if (!v->is_array())
        fail(key, "expected an array of strings, got " + describe(*v));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v->size(); ++i) {
        const nlohmann::json& e = (*v)[i];
        if (!e.is_string())
            fail(key, "expected an array of strings, but element " + std::to_string(i) + " is " +
                          describe(e));
        out.push_back(e.get<std::string>());
    }
    return out;
}

std::int64_t JsonConfig::getInt(std::string_view key, std::int64_t fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireInt(key);
}
double JsonConfig::getDouble(std::string_view key, double fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireDouble(key);
}
bool JsonConfig::getBool(std::string_view key, bool fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireBool(key);
}
std::string JsonConfig::getString(std::string_view key, std::string fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireString(key);
}
std::vector<std::int64_t> JsonConfig::getIntList(std::string_view key,
                                                 std::vector<std::int64_t> fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireIntList(key);
}
std::vector<std::string> JsonConfig::getStringList(std::string_view key,
                                                   std::vector<std::string> fallback) const {
    return isNull(key) ? (m_read.emplace(key), fallback) : requireStringList(key);
}
std::optional<std::int64_t> JsonConfig::optionalInt(std::string_view key) const {
    if (isNull(key)) {
        m_read.emplace(key);
        return std::nullopt;
    }
    return requireInt(key);
}
std::optional<std::string> JsonConfig::optionalString(std::string_view key) const {
    if (isNull(key)) {
        m_read.emplace(key);
        return std::nullopt;
    }
    return requireString(key);
}

std::vector<std::string> JsonConfig::unreadKeys() const {
    std::vector<std::string> out;
    for (const auto& [k, _] : m_json.items())
        if (!k.empty() && k[0] != '_' && !m_read.count(k))
            out.push_back(k);
    return out;
}

}  // namespace mp
