#pragma once
// Clip <-> at::Tensor. Separate from the torch-free headers (and in its own target,
// mp_engine_video_tensor) so that mp_engine_video never reaches LibTorch.

#include "video/clip.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <string_view>

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

// A float32 CPU tensor [1, 3, F, H, W] (BCFHW) or [1, F, 3, H, W] (BFCHW), RGB channel order,
// each byte v mapped to v / 127.5 - 1 (or v / 255 for ZeroToOne), so 0 -> -1 and 255 -> 1.
at::Tensor clipToTensor(const Clip& clip,
                        TensorLayout layout,
                        ValueRange range = ValueRange::MinusOneToOne);

// The inverse: a float tensor of 5 dims in `layout` (batch `batchIndex` is taken) or 4 dims
// without the batch. Values are mapped back with rounding to nearest and clamped to 0..255;
// NaN becomes 0. Any float dtype and device; the channel dim must be 3. Throws
// EngineError{InvalidArgument} naming the shape when it does not fit.
Clip tensorToClip(const at::Tensor& tensor,
                  TensorLayout layout,
                  ValueRange range = ValueRange::MinusOneToOne,
                  double fps = kDefaultFps,
                  int batchIndex = 0);

}  // namespace mp::video
