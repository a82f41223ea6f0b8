#pragma once
// Element types that may appear in a safetensors file we accept.

#include <cstddef>
#include <optional>
#include <string_view>

namespace mp {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::optional<DType> dtypeFromName(std::string_view safetensorsName);
const char* dtypeName(DType dtype);  // safetensors spelling: "F32", "BF16", "BOOL", ...
std::size_t dtypeSize(DType dtype);
bool isFloating(DType dtype);
// Every accepted name, for error messages.
const char* supportedDTypeNames();

}  // namespace mp
