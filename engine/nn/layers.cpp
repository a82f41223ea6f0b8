#include "nn/layers.h"

namespace mp::nn {

at::Tensor AdaptableLinearImpl::forward(const at::Tensor& x) {
    auto y = torch::nn::LinearImpl::forward(x);
    if (branch)
        y = y + branch(x);
    return y;
}

AdaptableLinear linear(std::int64_t in, std::int64_t out, bool bias) {
    return AdaptableLinear(torch::nn::LinearOptions(in, out).bias(bias));
}

torch::nn::LayerNorm layerNorm(std::int64_t width, double eps) {
    return torch::nn::LayerNorm(
        torch::nn::LayerNormOptions({width}).eps(eps).elementwise_affine(true));
}

torch::nn::GroupNorm groupNorm(std::int64_t groups, std::int64_t channels, double eps) {
    return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(eps));
}

torch::nn::Conv2d conv2d(std::int64_t in,
                         std::int64_t out,
                         std::int64_t kernel,
                         std::int64_t stride,
                         std::int64_t padding) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding));
}

}  // namespace mp::nn
