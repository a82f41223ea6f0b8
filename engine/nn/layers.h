#pragma once
// Factories for the torch layers every family builds, with the options diffusers and
// transformers use, so that a model file says what a layer is, not how LibTorch spells it.

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cstdint>
#include <functional>

namespace mp::nn {

// torch's Linear with one addition: while `branch` is set, forward returns W x + b + branch(x).
// An adapter applied unmerged (a LoRA with dropout on its input, as peft computes it) lives
// there; merged adapters rewrite the weight instead. The weight keeps its checkpoint name.
class AdaptableLinearImpl : public torch::nn::LinearImpl {
public:
    explicit AdaptableLinearImpl(const torch::nn::LinearOptions& options)
        : torch::nn::LinearImpl(options) {}
    at::Tensor forward(const at::Tensor& x);
    std::function<at::Tensor(const at::Tensor&)> branch;
};
TORCH_MODULE(AdaptableLinear);

AdaptableLinear linear(std::int64_t in, std::int64_t out, bool bias = true);
torch::nn::LayerNorm layerNorm(std::int64_t width, double eps);  // with weight and bias
torch::nn::GroupNorm groupNorm(std::int64_t groups, std::int64_t channels, double eps);
torch::nn::Conv2d conv2d(std::int64_t in,
                         std::int64_t out,
                         std::int64_t kernel,
                         std::int64_t stride = 1,
                         std::int64_t padding = 0);

}  // namespace mp::nn
