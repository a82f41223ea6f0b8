#pragma once
// safetensors <-> at::Tensor.

#include "io/safetensors.h"
#include "io/weights.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mp {

c10::ScalarType toScalarType(DType dtype);
std::optional<DType> fromScalarType(c10::ScalarType type);

// A CPU tensor aliasing the mapped file (no copy) when the bytes are suitably aligned, else a
// copy. The memory is read-only: use it as a copy source, never write into it.
at::Tensor viewTensor(const WeightSet& weights, std::string_view name);
at::Tensor viewTensor(const SafetensorsFile& file, const TensorEntry& entry);

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Every tensor of one file, owned, in the file's order.
NamedTensors loadTensorFile(const std::filesystem::path& path);
std::map<std::string, std::string> loadTensorFileMetadata(const std::filesystem::path& path);

// Writes CPU-contiguous copies atomically. Throws EngineError{Unsupported} for dtypes safetensors
// cannot hold here (complex, quantised).
void saveTensorFile(const std::filesystem::path& path,
                    const NamedTensors& tensors,
                    const std::map<std::string, std::string>& metadata = {});

}  // namespace mp
