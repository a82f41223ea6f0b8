#include "nn/layout.h"

#include <ATen/ATen.h>

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

}  // namespace mp::nn
