#pragma once
// How a clip becomes the float video a model takes: the layouts and value ranges, and the
// conversion itself. Torch-free, so that the CLI's torch-free front (video-to-tensor) and
// video_tensor.h (at::Tensor) share one conversion.

#include "video/clip.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace mp::video {

// ModelScope and Latte take [B, C, F, H, W]; CogVideoX takes [B, F, C, H, W].
enum class TensorLayout { BCFHW, BFCHW };

// Value range of float video tensors: models use [-1, 1], images and metrics often [0, 1].
enum class ValueRange { MinusOneToOne, ZeroToOne };

// "bcfhw" / "bfchw" (any case), or a family name: "modelscope"/"latte" -> BCFHW,
// "cogvideox" -> BFCHW. Throws EngineError{InvalidArgument}.
TensorLayout parseLayout(std::string_view text);
const char* layoutName(TensorLayout layout);

// "-1,1" or "0,1". Throws EngineError{InvalidArgument}.
ValueRange parseRange(std::string_view text);
const char* rangeName(ValueRange range);

struct FloatVideo {
    std::vector<std::int64_t> shape;  // [1, 3, F, H, W] or [1, F, 3, H, W]
    std::vector<float> values;        // row-major
};

// The clip as float32 in `layout`, RGB channel order, each byte v mapped to v / 127.5 - 1 (or
// v / 255 for ZeroToOne), so 0 -> -1 and 255 -> 1. Throws EngineError{InvalidArgument} for an
// empty or malformed clip.
FloatVideo clipToFloats(const Clip& clip,
                        TensorLayout layout,
                        ValueRange range = ValueRange::MinusOneToOne);

}  // namespace mp::video
