// libFuzzer target: mp::JsonConfig::parse on the input text, then every typed getter on a few
// probe keys and on the config's own first keys, and unreadKeys(); also mp::parseJsonStrict with
// the options the safetensors and index readers use (tests/fuzz/fuzz_common.h).
// Only mp::EngineError is caught: anything else escaping is a bug and ends the run.

#include "fuzz_common.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    mp_fuzz::exerciseStrictJson(text, "fuzz/strict.json");
    try {
        const auto cfg = mp_fuzz::exerciseConfig(text, "fuzz/config.json");
        try {
            mp_fuzz::readProbeSchema(cfg);
        } catch (const mp::EngineError& e) {
            mp_fuzz::checkLabelled(e, "fuzz/config.json");
        }
    } catch (const mp::EngineError&) {
        // Rejected with a labelled Config error: fine (checked in exerciseConfig).
    }
    return 0;
}
