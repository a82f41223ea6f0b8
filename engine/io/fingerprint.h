#pragma once
// Content fingerprints (64-bit FNV-1a, hex) that say whether a model folder or a clip is still the
// one a stored result or a training checkpoint was made from. Not cryptographic: they guard
// against stale reuse, not against tampering.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mp {

class Fingerprint {
public:
    void add(const void* data, std::size_t n);
    // The text and a terminating zero, so that ("ab", "c") and ("a", "bc") differ.
    void add(std::string_view text);
    std::string hex() const;  // 16 hex digits

private:
    std::uint64_t m_hash = 1469598103934665603ull;
};

// Adds a model folder: its model_index.json and scheduler config, and for the folder itself and
// every component folder a denoiser family uses (unet, transformer, vae, text_encoder) its
// config.json and weight files: name, size and bytes, all of them up to 64 MiB, beyond that the
// safetensors header and 64 blocks of 64 KiB spread over the data (weights retrained to the same
// shapes still change it, without reading gigabytes). Missing files add nothing.
void addModelFolder(Fingerprint& f, const std::filesystem::path& model);
std::string modelFingerprint(const std::filesystem::path& model);

}  // namespace mp
