#include "io/tensor_io.h"

#include "core/error.h"
#include "io/file_util.h"

namespace mp {

c10::ScalarType toScalarType(DType d) {
    switch (d) {
        case DType::F64:
            return at::kDouble;
        case DType::F32:
            return at::kFloat;
        case DType::F16:
            return at::kHalf;
        case DType::BF16:
            return at::kBFloat16;
        case DType::I64:
            return at::kLong;
        case DType::I32:
            return at::kInt;
        case DType::I16:
            return at::kShort;
        case DType::I8:
            return at::kChar;
        case DType::U8:
            return at::kByte;
        case DType::Bool:
            return at::kBool;
    }
    return at::kFloat;
}

std::optional<DType> fromScalarType(c10::ScalarType t) {
    switch (t) {
        case at::kDouble:
            return DType::F64;
        case at::kFloat:
            return DType::F32;
        case at::kHalf:
            return DType::F16;
        case at::kBFloat16:
            return DType::BF16;
        case at::kLong:
            return DType::I64;
        case at::kInt:
            return DType::I32;
        case at::kShort:
            return DType::I16;
        case at::kChar:
            return DType::I8;
        case at::kByte:
            return DType::U8;
        case at::kBool:
            return DType::Bool;
        default:
            return std::nullopt;
    }
}

at::Tensor viewTensor(const SafetensorsFile& file, const TensorEntry& entry) {
    const auto bytes = file.bytes(entry);
    const auto options = at::TensorOptions().dtype(toScalarType(entry.dtype)).device(at::kCPU);
    const auto elem = dtypeSize(entry.dtype);
    auto* data = const_cast<std::byte*>(bytes.data());
    if (entry.numel() == 0)
        return at::empty(entry.shape, options);
    if (reinterpret_cast<std::uintptr_t>(data) % elem == 0) {
        auto keep = file.mapping();
        return at::from_blob(
            data, entry.shape, [keep](void*) {}, options);
    }
    auto out = at::empty(entry.shape, options);
    std::memcpy(out.data_ptr(), data, bytes.size());
    return out;
}

at::Tensor viewTensor(const WeightSet& weights, std::string_view name) {
    return viewTensor(weights.fileOf(name), weights.entry(name));
}

NamedTensors loadTensorFile(const std::filesystem::path& path) {
    const auto file = SafetensorsFile::open(path);
    NamedTensors out;
    for (const auto& e : file.header().tensors)
        out.emplace_back(e.name, viewTensor(file, e).clone());
    return out;
}

std::map<std::string, std::string> loadTensorFileMetadata(const std::filesystem::path& path) {
    return SafetensorsFile::open(path).header().metadata;
}

void saveTensorFile(const std::filesystem::path& path,
                    const NamedTensors& tensors,
                    const std::map<std::string, std::string>& metadata) {
    std::vector<at::Tensor> keep;
    std::vector<TensorWrite> writes;
    keep.reserve(tensors.size());
    for (const auto& [name, t] : tensors) {
        const auto dtype = fromScalarType(t.scalar_type());
        if (!dtype)
            throw EngineError(ErrorCode::Unsupported,
                              path.string() + ": tensor '" + name + "' has dtype " +
                                  c10::toString(t.scalar_type()) +
                                  ", which safetensors files here cannot hold");
        keep.push_back(t.detach().to(at::kCPU).contiguous());
        const auto& c = keep.back();
        writes.push_back({name,
                          *dtype,
                          c.sizes().vec(),
                          {static_cast<const std::byte*>(c.data_ptr()),
                           static_cast<std::size_t>(c.numel()) * dtypeSize(*dtype)}});
    }
    writeSafetensors(path, writes, metadata);
}

}  // namespace mp
