#pragma once
// Clip <-> at::Tensor. Separate from the torch-free headers (and in its own target,
// mp_engine_video_tensor) so that mp_engine_video never reaches LibTorch.

#include "video/clip.h"
#include "video/video_layout.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <string_view>

namespace mp::video {

// clipToFloats() (video_layout.h) as a float32 CPU tensor [1, 3, F, H, W] (BCFHW) or
// [1, F, 3, H, W] (BFCHW).
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
