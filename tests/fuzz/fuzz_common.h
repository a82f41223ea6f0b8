#pragma once
// What the libFuzzer targets do with one input, shared with the corpus replay test
// (tests/engine/tst_fuzz_corpus.cpp) so that both exercise the parsers the same way.
//
// Contract: the engine parsers may throw mp::EngineError, and only that. A broken invariant of a
// parser's *result* throws mp_fuzz::InvariantViolation (a std::logic_error): the fuzz targets
// never catch it, so it ends the process as a crash; the replay test reports it as a failure.
// Every check is unconditional: the engine bugs the first fuzzing runs found are fixed, and each
// has a regression seed in tests/data/fuzz/ (docs/fuzzing.md, "Findings").

#include "core/error.h"
#include "io/config.h"
#include "io/dtype.h"
#include "io/json_util.h"
#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mp_fuzz {

struct InvariantViolation : std::logic_error {
    using std::logic_error::logic_error;
};

[[noreturn]] inline void violated(const std::string& what) {
    throw InvariantViolation(what);
}

#define MP_FUZZ_STR2(x) #x
#define MP_FUZZ_STR(x) MP_FUZZ_STR2(x)
#define MP_FUZZ_CHECK(cond, msg)                                                         \
    do {                                                                                 \
        if (!(cond))                                                                     \
            ::mp_fuzz::violated(std::string("fuzz invariant broken at " __FILE__         \
                                            ":" MP_FUZZ_STR(__LINE__) ": " #cond ": ") + \
                                (msg));                                                  \
    } while (0)

inline bool startsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Every EngineError a parser throws must name its input first and say something.
inline void checkLabelled(const mp::EngineError& e, std::string_view label) {
    const std::string what = e.what();
    MP_FUZZ_CHECK(startsWith(what, std::string(label) + ": "), "message: " + what);
    MP_FUZZ_CHECK(what.size() > label.size() + 2, "message: " + what);
}

inline void touch(std::span<const std::byte> bytes) {
    // Reads the first and the last byte so that ASan checks the whole range is mapped.
    if (bytes.empty())
        return;
    volatile std::byte sink = bytes.front();
    sink = bytes.back();
    (void)sink;
}

// ---------------------------------------------------------------------------------------------
// safetensors

// Checks a successfully parsed header against the file it came from.
inline void checkSafetensors(const mp::SafetensorsHeader& h, std::span<const std::byte> file) {
    MP_FUZZ_CHECK(h.dataStart >= 10 && h.dataStart <= file.size(), std::to_string(h.dataStart));
    MP_FUZZ_CHECK(static_cast<char>(file[8]) == '{', "header must start with '{'");
    const std::uint64_t dataSize = file.size() - h.dataStart;

    std::set<std::string> names;
    std::uint64_t cursor = 0;
    for (const auto& e : h.tensors) {
        MP_FUZZ_CHECK(!e.name.empty() && e.name != "__metadata__", e.name);
        MP_FUZZ_CHECK(names.insert(e.name).second, "duplicate tensor '" + e.name + "'");
        MP_FUZZ_CHECK(e.begin <= e.end && e.end <= dataSize, e.name);
        // Ordered by offset and tiling the data section: each tensor starts where the last ended.
        MP_FUZZ_CHECK(e.begin == cursor, e.name);
        cursor = e.end;

        // An accepted shape keeps every partial product of its non-zero dims within int64, so
        // that TensorEntry::numel() cannot overflow (it returns 0 at the first zero dim).
        std::uint64_t nonZero = 1;
        bool empty = false;
        for (auto d : e.shape) {
            MP_FUZZ_CHECK(d >= 0, e.name);
            if (d == 0) {
                empty = true;
                continue;
            }
            MP_FUZZ_CHECK(
                !__builtin_mul_overflow(nonZero, static_cast<std::uint64_t>(d), &nonZero) &&
                    nonZero <= static_cast<std::uint64_t>(INT64_MAX),
                e.name + ": a partial product of the shape exceeds INT64_MAX");
        }
        const std::uint64_t numel = empty ? 0 : nonZero;
        std::uint64_t bytes = 0;
        MP_FUZZ_CHECK(!__builtin_mul_overflow(numel, mp::dtypeSize(e.dtype), &bytes), e.name);
        MP_FUZZ_CHECK(bytes == e.byteSize(), e.name + ": span " + std::to_string(e.byteSize()) +
                                                 " != numel x dtype " + std::to_string(bytes));
        MP_FUZZ_CHECK(
            e.numel() == static_cast<std::int64_t>(numel),
            e.name + ": numel() " + std::to_string(e.numel()) + " != " + std::to_string(numel));
        MP_FUZZ_CHECK(mp::dtypeFromName(mp::dtypeName(e.dtype)) == e.dtype, e.name);

        MP_FUZZ_CHECK(h.find(e.name) == &e, "find('" + e.name + "')");
        touch(file.subspan(h.dataStart + e.begin, e.byteSize()));
    }
    MP_FUZZ_CHECK(cursor == dataSize, "tensors cover " + std::to_string(cursor) + " of " +
                                          std::to_string(dataSize) + " data bytes");
    MP_FUZZ_CHECK(h.find("") == nullptr, "find('')");
    MP_FUZZ_CHECK(h.find("__metadata__") == nullptr, "find('__metadata__')");
    std::size_t metaBytes = 0;
    for (const auto& [k, v] : h.metadata)
        metaBytes += k.size() + v.size();
    MP_FUZZ_CHECK(metaBytes <= file.size(), "metadata larger than the file");
}

// Parses `file` and checks the result. Throws EngineError from the parser.
inline mp::SafetensorsHeader exerciseSafetensors(std::span<const std::byte> file,
                                                 std::string_view label) {
    mp::SafetensorsHeader h;
    try {
        h = mp::parseSafetensors(file, label);
    } catch (const mp::EngineError& e) {
        checkLabelled(e, label);
        MP_FUZZ_CHECK(e.code() == mp::ErrorCode::Format || e.code() == mp::ErrorCode::Unsupported,
                      std::string(mp::errorCodeName(e.code())) + ": " + e.what());
        // (The wording of each defect is checked by tst_fuzz_corpus, not here.)
        throw;
    }
    checkSafetensors(h, file);
    return h;
}

// ---------------------------------------------------------------------------------------------
// config.json

// Keys every config input is probed with, besides the first few keys it has itself.
inline constexpr const char* kConfigProbeKeys[] = {"_class_name",
                                                   "sample_size",
                                                   "in_channels",
                                                   "block_out_channels",
                                                   "down_block_types",
                                                   "norm_eps",
                                                   "center_input_sample",
                                                   "act_fn",
                                                   "",
                                                   "a"};

// What an integer getter must return for `v`: integers within int64, and floats that are exact
// integers well inside double's 2^53 (exporters write 4.0 for 4). Integers above INT64_MAX
// (nlohmann keeps them unsigned) must be refused, never wrapped. `gray` is set for floats between
// 2^52 and 2^63, which the engine may accept or refuse, but not read as another value.
struct IntExpectation {
    std::optional<std::int64_t> value;
    bool gray = false;
};

inline IntExpectation expectedInt(const nlohmann::json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(INT64_MAX))
            return {static_cast<std::int64_t>(u)};
        return {};
    }
    if (v.is_number_integer())
        return {v.get<std::int64_t>()};
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::floor(d) != d)
            return {};
        if (std::fabs(d) <= 0x1p52)
            return {static_cast<std::int64_t>(d)};
        if (std::fabs(d) < 0x1p63)
            return {static_cast<std::int64_t>(d), true};
    }
    return {};
}

// An integer read of `v` returned `got` (nullopt: it threw a Config error): it must be the value,
// not a wrapped one, and a value that is an integer must not be refused.
inline void checkIntRead(const nlohmann::json& v,
                         std::optional<std::int64_t> got,
                         const std::string& where) {
    const IntExpectation want = expectedInt(v);
    if (!got) {
        MP_FUZZ_CHECK(!want.value || want.gray,
                      where + ": " + v.dump() + " is refused as an integer");
        return;
    }
    MP_FUZZ_CHECK(want.value.has_value(),
                  where + ": " + v.dump() + " is read as the integer " + std::to_string(*got));
    MP_FUZZ_CHECK(*want.value == *got,
                  where + ": " + v.dump() + " is read as " + std::to_string(*got));
}

// Calls `fn`; an EngineError must be a Config error about `key` of this config.
template <class F>
bool getter(const mp::JsonConfig& cfg, std::string_view key, F&& fn) {
    try {
        fn();
        return true;
    } catch (const mp::EngineError& e) {
        MP_FUZZ_CHECK(e.code() == mp::ErrorCode::Config, e.what());
        // The key is quoted through mp::printable(), so a NUL in it cannot cut the message short.
        MP_FUZZ_CHECK(startsWith(e.what(), cfg.label() + ": key '" + mp::printable(key) + "' "),
                      e.what());
        return false;
    }
}

// Every typed getter on `key`, checking what each returns against the raw JSON.
inline void exerciseConfigKey(const mp::JsonConfig& cfg, const std::string& key) {
    const bool present = cfg.has(key);
    const bool null = cfg.isNull(key);
    MP_FUZZ_CHECK(null || present, key);
    const nlohmann::json& v = cfg.raw(key);
    MP_FUZZ_CHECK(present || v.is_null(), key);
    (void)v.dump();  // every parsed string is valid UTF-8, so dump() must not throw

    {
        std::optional<std::int64_t> got;
        getter(cfg, key, [&] { got = cfg.requireInt(key); });
        checkIntRead(v, got, key);  // absent reads as null: refused
    }
    getter(cfg, key, [&] {
        const double d = cfg.requireDouble(key);
        MP_FUZZ_CHECK(v.is_number(), key);
        (void)d;
    });
    // (The getter runs first: v.get<>() throws nlohmann's own error for a wrong type.)
    getter(cfg, key, [&] {
        const bool got = cfg.requireBool(key);
        MP_FUZZ_CHECK(v.is_boolean() && got == v.get<bool>(), key);
    });
    getter(cfg, key, [&] {
        const std::string got = cfg.requireString(key);
        MP_FUZZ_CHECK(v.is_string() && got == v.get<std::string>(), key);
    });
    {
        std::optional<std::vector<std::int64_t>> list;
        getter(cfg, key, [&] { list = cfg.requireIntList(key); });
        if (list) {
            MP_FUZZ_CHECK(v.is_array() && list->size() == v.size(), key);
            for (std::size_t i = 0; i < list->size(); ++i)
                checkIntRead(v[i], (*list)[i], key + "[" + std::to_string(i) + "]");
        } else if (v.is_array()) {
            // Refused: some element must not be an integer (or be one the engine may refuse).
            bool refusable = false;
            for (const auto& e : v) {
                const IntExpectation want = expectedInt(e);
                refusable = refusable || !want.value || want.gray;
            }
            MP_FUZZ_CHECK(refusable, key + ": the integer list " + v.dump() + " is refused");
        }
    }
    getter(cfg, key, [&] {
        const auto list = cfg.requireStringList(key);
        MP_FUZZ_CHECK(v.is_array() && list.size() == v.size(), key);
    });

    // The optional getters: null or absent gives the fallback, anything else the required read.
    {
        std::optional<std::int64_t> got;
        getter(cfg, key, [&] { got = cfg.getInt(key, 7); });
        if (null)
            MP_FUZZ_CHECK(got == 7, key);
        else
            checkIntRead(v, got, key);
    }
    getter(cfg, key, [&] {
        const double got = cfg.getDouble(key, 0.5);
        MP_FUZZ_CHECK(!null || got == 0.5, key);
    });
    getter(cfg, key, [&] { MP_FUZZ_CHECK(!null || cfg.getBool(key, true), key); });
    getter(cfg, key, [&] { MP_FUZZ_CHECK(!null || cfg.getString(key, "fb") == "fb", key); });
    getter(cfg, key, [&] {
        const auto got = cfg.getIntList(key, {1, 2});
        MP_FUZZ_CHECK(!null || got == std::vector<std::int64_t>({1, 2}), key);
    });
    getter(cfg, key, [&] {
        const auto got = cfg.getStringList(key, {"x"});
        MP_FUZZ_CHECK(!null || got == std::vector<std::string>({"x"}), key);
    });
    {
        bool ok = false;
        std::optional<std::int64_t> got;
        getter(cfg, key, [&] {
            got = cfg.optionalInt(key);
            ok = true;
        });
        if (null)
            MP_FUZZ_CHECK(ok && !got, key);
        else
            checkIntRead(v, got, key);
    }
    getter(cfg, key, [&] {
        const auto got = cfg.optionalString(key);
        MP_FUZZ_CHECK(null == !got.has_value(), key);
    });
}

// Parses `text` as a config and calls every getter on a few keys. Throws EngineError from parse.
inline mp::JsonConfig exerciseConfig(std::string_view text, const std::string& label) {
    mp::JsonConfig cfg = [&] {
        try {
            return mp::JsonConfig::parse(text, label);
        } catch (const mp::EngineError& e) {
            checkLabelled(e, label);
            MP_FUZZ_CHECK(e.code() == mp::ErrorCode::Config, e.what());
            throw;
        }
    }();
    MP_FUZZ_CHECK(cfg.json().is_object(), label);
    MP_FUZZ_CHECK(cfg.label() == label, label);

    std::vector<std::string> keys(std::begin(kConfigProbeKeys), std::end(kConfigProbeKeys));
    std::set<std::string> probed(keys.begin(), keys.end());
    int own = 0;
    for (const auto& [k, _] : cfg.json().items()) {
        if (own++ == 6)
            break;
        if (probed.insert(k).second)
            keys.push_back(k);
    }
    for (const auto& k : keys)
        exerciseConfigKey(cfg, k);

    // Unread keys: present, not bookkeeping ('_'), and none of those just read.
    std::set<std::string> unread;
    for (const auto& k : cfg.unreadKeys()) {
        MP_FUZZ_CHECK(!k.empty() && k[0] != '_', k);
        MP_FUZZ_CHECK(cfg.has(k), k);
        MP_FUZZ_CHECK(!probed.count(k), "read key '" + k + "' reported unread");
        MP_FUZZ_CHECK(unread.insert(k).second, "'" + k + "' reported twice");
    }
    std::size_t expected = 0;
    for (const auto& [k, _] : cfg.json().items())
        expected += !k.empty() && k[0] != '_' && !probed.count(k);
    MP_FUZZ_CHECK(
        unread.size() == expected,
        std::to_string(unread.size()) + " unread keys, expected " + std::to_string(expected));
    return cfg;
}

// The replay test's notion of a *valid* config (tests/data/fuzz/config/ok-*): it parses and a
// UNet-like reader with optional keys gets every value it asks for. Throws EngineError{Config}.
inline void readProbeSchema(const mp::JsonConfig& cfg) {
    (void)cfg.getString("_class_name", "");
    (void)cfg.getInt("sample_size", 64);
    (void)cfg.optionalInt("in_channels");
    (void)cfg.getIntList("block_out_channels", {});
    (void)cfg.getStringList("down_block_types", {});
    (void)cfg.getDouble("norm_eps", 1e-5);
    (void)cfg.getBool("center_input_sample", false);
    (void)cfg.optionalString("act_fn");
    (void)cfg.unreadKeys();
}

// The strict parser with the options safetensors headers and weight indexes use.
inline void exerciseStrictJson(std::string_view text, const std::string& label) {
    for (const auto& opts : {mp::JsonParseOptions{.rejectDuplicateKeys = true, .maxDepth = 16},
                             mp::JsonParseOptions{}}) {
        try {
            const auto j = mp::parseJsonStrict(text, label, opts);
            (void)j.dump();
        } catch (const mp::EngineError& e) {
            checkLabelled(e, label);
            MP_FUZZ_CHECK(e.code() == opts.errorCode, e.what());
        }
    }
}

}  // namespace mp_fuzz
