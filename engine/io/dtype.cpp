#include "io/dtype.h"

namespace mp {

namespace {
struct DTypeRow {
    DType dtype;
    const char* name;
    std::size_t size;
};
constexpr DTypeRow kRows[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};
const DTypeRow& row(DType d) {
    return kRows[static_cast<int>(d)];
}
}  // namespace

std::optional<DType> dtypeFromName(std::string_view name) {
    for (const auto& r : kRows)
        if (name == r.name)
            return r.dtype;
    return std::nullopt;
}

const char* dtypeName(DType dtype) {
    return row(dtype).name;
}
std::size_t dtypeSize(DType dtype) {
    return row(dtype).size;
}
bool isFloating(DType d) {
    return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16;
}
const char* supportedDTypeNames() {
    return "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";
}

}  // namespace mp
