#pragma once
// Video tensor layouts, in one place. ModelScope's UNet and the 2-D VAE run spatial layers on
// frames, so a (B, C, F, H, W) video is folded to (B·F, C, H, W) with each item's frames
// adjacent, diffusers' order, and unfolded back after.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace mp::nn {

// (B, C, F, H, W) → (B·F, C, H, W), contiguous.
at::Tensor foldFrames(const at::Tensor& video);
// (B·F, C, H, W) → (B, C, F, H, W), contiguous; `batch` is B.
at::Tensor unfoldFrames(const at::Tensor& frames, std::int64_t batch);

// a + b for operands of one (B, C, F, H, W) shape (any strides), returned folded as
// (B·F, C, H, W), contiguous. The sum is written in its final layout in one pass instead of a
// sum followed by a layout copy (autograd needs the two steps: then it takes them).
at::Tensor addFolded(const at::Tensor& a, const at::Tensor& b);

}  // namespace mp::nn
