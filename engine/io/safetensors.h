#pragma once
// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the
// tensor data. Everything in the header is validated before any tensor byte is touched: header
// length against the file size and a cap, each tensor's dtype, shape and offsets, offsets in range,
// contiguous and non-overlapping, shape x dtype size equal to the byte span, no duplicate names.
// Torch-free: tensor materialisation lives in io/tensor_io.h.

#include "io/dtype.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mp {

class MappedFile;

// The safetensors reference implementation refuses headers above 100 MB; so do we.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;  // byte offsets relative to the start of the data section
    std::uint64_t end = 0;

    std::int64_t numel() const;
    std::uint64_t byteSize() const { return end - begin; }
};

class SafetensorsHeader {
public:
    std::vector<TensorEntry> tensors;  // ordered by data offset
    std::map<std::string, std::string> metadata;
    std::uint64_t dataStart = 0;  // absolute file offset of the data section

    const TensorEntry* find(std::string_view name) const;
    void buildIndex();

private:
    std::unordered_map<std::string, std::size_t> m_index;
};

// Parses and validates a whole safetensors file held in memory. `label` (usually the path) starts
// every error message. Throws EngineError{Format|Unsupported}.
SafetensorsHeader parseSafetensors(std::span<const std::byte> file, std::string_view label);

// A memory-mapped, validated safetensors file.
class SafetensorsFile {
public:
    // Throws EngineError: NotFound, Unsupported for pickle files, Format for malformed files.
    static SafetensorsFile open(const std::filesystem::path& path);

    const SafetensorsHeader& header() const { return m_header; }
    const std::filesystem::path& path() const;
    std::span<const std::byte> bytes(const TensorEntry& entry) const;
    // Keeps the mapping alive for zero-copy views.
    std::shared_ptr<const MappedFile> mapping() const { return m_file; }

private:
    std::shared_ptr<const MappedFile> m_file;
    SafetensorsHeader m_header;
};

struct TensorWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::span<const std::byte> data;  // numel x dtypeSize bytes, little-endian, row-major
};

// Writes atomically (temporary file + rename). Throws EngineError{InvalidArgument} on bad entries
// (duplicate or empty names, data size not matching shape x dtype) before anything is written.
void writeSafetensors(const std::filesystem::path& path,
                      std::span<const TensorWrite> tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The refusal message for pickle formats, shared by every loader.
std::string pickleRefusal(const std::filesystem::path& path);

}  // namespace mp
