#pragma once
// Builders for test fixtures: tiny safetensors files, raw malformed ones, and diffusers-layout
// snapshot folders for each family. Qt-free and torch-free so every test executable can use it.

#include "io/dtype.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mp::test {

struct FakeTensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
};

// Writes a valid safetensors file; element i of every tensor holds the value i (as the dtype).
void writeTensors(const std::filesystem::path& path,
                  const std::vector<FakeTensor>& tensors,
                  const std::map<std::string, std::string>& metadata = {});

// Writes `header` (JSON text) behind an 8-byte length `declaredLength` (default: its real size)
// followed by `dataBytes` zero bytes: for building malformed files.
void writeRawSafetensors(const std::filesystem::path& path,
                         const std::string& header,
                         std::size_t dataBytes,
                         std::int64_t declaredLength = -1);

void writeText(const std::filesystem::path& path, const std::string& text);

enum class FixtureFamily { ModelScope, Latte, CogVideoX2b, CogVideoX5b, Toy };

// A complete (tiny) pipeline folder: model_index.json, component configs, weights, tokenizer
// files and scheduler config. Returns the parameter count written into its weights.
std::int64_t writePipeline(const std::filesystem::path& root, FixtureFamily family);

// A unique empty folder under the system temp dir, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& p) const { return m_path / p; }

private:
    std::filesystem::path m_path;
};

}  // namespace mp::test
