#pragma once
// A component's weights: one safetensors file, or shards listed by a *.safetensors.index.json,
// optionally a diffusers/transformers `variant` (diffusion_pytorch_model.fp16.safetensors,
// model.safetensors.index.fp16.json). Torch-free: headers and byte spans only.

#include "io/safetensors.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mp {

// Where a component folder keeps its weights, found without opening them.
struct WeightLookup {
    std::filesystem::path path;  // a .safetensors file or a .safetensors.index[.variant].json
    bool sharded = false;
    std::string variant;             // empty for the plain files
    std::vector<std::string> notes;  // e.g. "variant 'fp16' not found; using plain weights"
};

// Looks for diffusion_pytorch_model[.variant].safetensors, model[.variant].safetensors and their
// sharded indexes. Asked for no variant, a folder with only one variant uses it (with a note).
// Throws EngineError: NotFound (no weights), Unsupported (only pickle files, naming them).
WeightLookup locateWeights(const std::filesystem::path& dir, std::string_view variant = {});

class WeightSet {
public:
    static WeightSet openFile(const std::filesystem::path& path);
    // Validates the index: every shard a plain file name beside it, every listed tensor present
    // in its shard, no shard tensor the index does not list.
    static WeightSet openIndex(const std::filesystem::path& indexPath);
    static WeightSet open(const WeightLookup& lookup);
    static WeightSet openComponent(const std::filesystem::path& dir, std::string_view variant = {});

    std::vector<std::string> keys() const;  // sorted
    std::size_t size() const { return m_entries.size(); }
    bool contains(std::string_view name) const { return m_entries.count(std::string(name)) != 0; }
    // Throws EngineError{NotFound} naming the files when absent.
    const TensorEntry& entry(std::string_view name) const;
    std::span<const std::byte> bytes(std::string_view name) const;
    const SafetensorsFile& fileOf(std::string_view name) const;

    std::int64_t elementCount() const;
    std::map<DType, std::int64_t> elementsByDType() const;
    const std::vector<std::filesystem::path>& files() const { return m_paths; }
    // __metadata__ of the first file (free-form strings; adapters keep their config there).
    const std::map<std::string, std::string>& metadata() const;
    std::string describe() const;  // the file, or "index (N shards)" for messages

private:
    struct Slot {
        std::size_t file;
        const TensorEntry* entry;
    };
    const Slot& slot(std::string_view name) const;
    std::vector<std::shared_ptr<SafetensorsFile>> m_files;
    std::vector<std::filesystem::path> m_paths;
    std::map<std::string, Slot> m_entries;
    std::filesystem::path m_origin;
};

}  // namespace mp
