#pragma once
// diffusers' ResnetBlock2D (norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut),
// Downsample2D and Upsample2D (`conv`), shared by the UNets and the SD VAE.

#include "nn/functional.h"
#include "nn/layers.h"

#include <torch/nn/module.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace mp::nn {

// GroupNorm followed by the activation, in place on the normalised tensor (one buffer less).
// (The holder is a shared pointer: passing it by value is cheap and gives non-const access.)
at::Tensor groupNormAct(GroupNorm norm, const at::Tensor& x, nn::Activation act);

struct ResnetBlockOptions {
    std::int64_t in = 0;
    std::int64_t out = 0;           // 0: same as in
    std::int64_t tembChannels = 0;  // 0: no time embedding (the VAE)
    std::int64_t groups = 32;
    double eps = 1e-6;
    nn::Activation act = nn::Activation::Silu;
    double outputScaleFactor = 1.0;
};

class ResnetBlock2DImpl : public torch::nn::Module {
public:
    explicit ResnetBlock2DImpl(const ResnetBlockOptions& options);
    // temb: (N, tembChannels), already the block-level embedding (the activation is applied here).
    at::Tensor forward(const at::Tensor& x, const std::optional<at::Tensor>& temb = std::nullopt);

    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
    Linear time_emb_proj{nullptr};

private:
    nn::Activation m_act;
    double m_outputScale;
};
TORCH_MODULE(ResnetBlock2D);

class Downsample2DImpl : public torch::nn::Module {
public:
    // padding 1: a 3×3 stride-2 conv with padding 1 (UNets); padding 0: zero-pad right and bottom
    // by one, then the conv without padding (the SD VAE).
    Downsample2DImpl(std::int64_t channels, std::int64_t padding);
    at::Tensor forward(const at::Tensor& x);
    Conv2d conv{nullptr};

private:
    std::int64_t m_padding;
};
TORCH_MODULE(Downsample2D);

class Upsample2DImpl : public torch::nn::Module {
public:
    explicit Upsample2DImpl(std::int64_t channels);
    // Nearest ×2, or to `size` (the UNet forwards the skip's size when the latent is not a
    // multiple of its overall factor), then a 3×3 conv.
    at::Tensor forward(const at::Tensor& x, const std::vector<std::int64_t>& size = {});
    Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace mp::nn
