#include "nn/layout.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace mp::nn {

at::Tensor foldFrames(const at::Tensor& video) {
    return video.permute({0, 2, 1, 3, 4})
        .reshape({video.size(0) * video.size(2), video.size(1), video.size(3), video.size(4)});
}

at::Tensor unfoldFrames(const at::Tensor& frames, std::int64_t batch) {
    return frames
        .view({batch, frames.size(0) / batch, frames.size(1), frames.size(2), frames.size(3)})
        .permute({0, 2, 1, 3, 4})
        .contiguous();
}

at::Tensor addFolded(const at::Tensor& a, const at::Tensor& b) {
    const bool recording = at::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
    if (recording)
        return foldFrames(a + b);
    const auto B = a.size(0), C = a.size(1), F = a.size(2), H = a.size(3), W = a.size(4);
    auto out = at::empty({B * F, C, H, W}, a.options().dtype(at::result_type(a, b)));
    auto video = out.view({B, F, C, H, W}).permute({0, 2, 1, 3, 4});
    at::add_out(video, a, b);
    return out;
}

}  // namespace mp::nn
