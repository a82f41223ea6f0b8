#pragma once
// Typed access to a config.json. Every error names the file and the key; every key read is
// remembered, so a model's config struct can report keys it did not understand instead of
// silently dropping them.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mp {

class JsonConfig {
public:
    // Throws EngineError{NotFound} if missing, {Config} if not a JSON object.
    static JsonConfig load(const std::filesystem::path& path);
    // For in-memory text (fuzzing, tests); `label` stands for the file name in messages.
    static JsonConfig parse(std::string_view text, std::string label);

    const std::string& label() const { return m_label; }
    bool has(std::string_view key) const;
    // A key present with JSON null counts as absent for the optional getters.
    bool isNull(std::string_view key) const;

    std::int64_t requireInt(std::string_view key) const;
    double requireDouble(std::string_view key) const;
    bool requireBool(std::string_view key) const;
    std::string requireString(std::string_view key) const;
    std::vector<std::int64_t> requireIntList(std::string_view key) const;
    std::vector<std::string> requireStringList(std::string_view key) const;

    std::int64_t getInt(std::string_view key, std::int64_t fallback) const;
    double getDouble(std::string_view key, double fallback) const;
    bool getBool(std::string_view key, bool fallback) const;
    std::string getString(std::string_view key, std::string fallback) const;
    std::vector<std::int64_t> getIntList(std::string_view key,
                                         std::vector<std::int64_t> fallback) const;
    std::vector<std::string> getStringList(std::string_view key,
                                           std::vector<std::string> fallback) const;
    std::optional<std::int64_t> optionalInt(std::string_view key) const;
    std::optional<std::string> optionalString(std::string_view key) const;

    // Raw access (marks the key read). Null if absent.
    const nlohmann::json& raw(std::string_view key) const;
    const nlohmann::json& json() const { return m_json; }

    // Keys never read, excluding bookkeeping keys that start with '_'.
    std::vector<std::string> unreadKeys() const;

    // The model class check every loader makes: throws EngineError{Unsupported} ("unet/config.json:
    // _class_name 'UNetSpatioTemporalConditionModel' is not a UNet3DConditionModel") when the
    // string `key` ("_class_name" in diffusers configs, "model_type" in transformers ones) is
    // present and not one of `accepted`. An absent key is accepted (hand-written configs).
    void requireClass(std::string_view key,
                      std::initializer_list<std::string_view> accepted,
                      std::string_view what) const;

    // "unet/config.json: key 'foo' <what>" as an EngineError{Config}.
    [[noreturn]] void fail(std::string_view key, const std::string& what) const;
    // fail()s with "must be between lo and hi, got v" unless lo <= value <= hi.
    void checkRange(std::string_view key,
                    std::int64_t value,
                    std::int64_t lo,
                    std::int64_t hi) const;

private:
    const nlohmann::json* lookup(std::string_view key) const;
    const nlohmann::json& requireArray(std::string_view key, const char* of) const;
    [[noreturn]] void failElement(std::string_view key,
                                  const char* of,
                                  std::size_t index,
                                  const nlohmann::json& element) const;
    template <class T, class Require>
    T orFallback(std::string_view key, T fallback, Require require) const {
        if (isNull(key)) {
            m_read.emplace(key);
            return fallback;
        }
        return std::invoke(require, this, key);
    }
    std::string m_label;
    nlohmann::json m_json;
    mutable std::set<std::string, std::less<>> m_read;
};

}  // namespace mp
