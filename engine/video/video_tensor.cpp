#include "video/video_tensor.h"

#include "core/error.h"
#include "core/strings.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cstring>

namespace mp::video {

at::Tensor clipToTensor(const Clip& clip, TensorLayout layout, ValueRange range) {
    auto floats = clipToFloats(clip, layout, range);
    return at::from_blob(floats.values.data(), floats.shape, at::kFloat).clone();
}

Clip tensorToClip(const at::Tensor& tensor,
                  TensorLayout layout,
                  ValueRange range,
                  double fps,
                  int batchIndex) {
    if (!tensor.defined())
        throw EngineError(ErrorCode::InvalidArgument, "tensorToClip: undefined tensor");
    if (!at::isFloatingType(tensor.scalar_type()))
        throw EngineError(ErrorCode::InvalidArgument,
                          "tensorToClip: expected a float tensor, got " +
                              std::string(c10::toString(tensor.scalar_type())));
    at::Tensor x = tensor;
    if (x.dim() == 5) {
        if (batchIndex < 0 || batchIndex >= x.size(0))
            throw EngineError(ErrorCode::InvalidArgument,
                              "tensorToClip: batch index " + std::to_string(batchIndex) +
                                  " outside the tensor's " + std::to_string(x.size(0)));
        x = x.select(0, batchIndex);
    } else if (x.dim() != 4) {
        throw EngineError(
            ErrorCode::InvalidArgument,
            "tensorToClip: expected 5 dims (" +
                std::string(layout == TensorLayout::BCFHW ? "B, C, F, H, W" : "B, F, C, H, W") +
                ") or 4 without the batch, got " + str::shape(tensor.sizes().vec()));
    }
    // -> [F, H, W, C]
    x = layout == TensorLayout::BCFHW ? x.permute({1, 2, 3, 0}) : x.permute({0, 2, 3, 1});
    if (x.size(3) != 3 || x.size(0) < 1 || x.size(1) < 1 || x.size(2) < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          "tensorToClip: a " + std::string(layoutName(layout)) +
                              " video needs 3 channels and at least one frame of positive size, "
                              "got " +
                              str::shape(tensor.sizes().vec()));
    x = x.to(at::kCPU, at::kFloat);
    x = range == ValueRange::MinusOneToOne ? (x + 1.0) * 127.5 : x * 255.0;
    x = at::nan_to_num(x, 0.0).round().clamp(0, 255).to(at::kByte).contiguous();
    Clip clip;
    clip.width = static_cast<int>(x.size(2));
    clip.height = static_cast<int>(x.size(1));
    clip.fps = fps;
    const auto* src = x.data_ptr<std::uint8_t>();
    clip.frames.resize(static_cast<std::size_t>(x.size(0)));
    for (std::size_t i = 0; i < clip.frames.size(); ++i)
        clip.frames[i].assign(src + i * clip.frameBytes(), src + (i + 1) * clip.frameBytes());
    return clip;
}

}  // namespace mp::video
