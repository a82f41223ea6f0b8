// libFuzzer target: mp::parseSafetensors on the input bytes as a whole file.
// On success every tensor's [begin, end) must lie inside the data section, tile it, and span
// numel x dtype size bytes; find() must return each tensor (tests/fuzz/fuzz_common.h).
// Only mp::EngineError is caught: anything else escaping is a bug and ends the run.

#include "fuzz_common.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
    try {
        (void)mp_fuzz::exerciseSafetensors(file, "fuzz.safetensors");
    } catch (const mp::EngineError&) {
        // Rejected with a labelled Format/Unsupported error: fine (checked in exerciseSafetensors).
    }
    return 0;
}
