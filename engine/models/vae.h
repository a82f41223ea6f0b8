#pragma once
// diffusers' AutoencoderKL (the SD VAE used by ModelScope and Latte), driven by its config.json.
// Module names equal checkpoint keys (encoder.down_blocks.0.resnets.1.conv2.weight, ...); the
// older mid-attention names (query, key, value, proj_attn) bind too, as diffusers renames them on
// load. Videos go through the 2-D VAE frame by frame, in batches of frames.

#include "nn/attention.h"
#include "nn/layers.h"
#include "nn/resnet.h"
#include "runtime/device.h"

#include <torch/nn/modules/container/modulelist.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mp::models {

struct AutoencoderKLConfig {
    std::int64_t inChannels = 3;
    std::int64_t outChannels = 3;
    std::int64_t latentChannels = 4;
    std::vector<std::int64_t> blockOutChannels{64};
    std::int64_t layersPerBlock = 1;
    nn::Activation act = nn::Activation::Silu;
    std::int64_t normNumGroups = 32;
    std::int64_t sampleSize = 32;
    double scalingFactor = 0.18215;
    std::optional<double> shiftFactor;
    bool useQuantConv = true;
    bool usePostQuantConv = true;
    bool midBlockAddAttention = true;
    bool forceUpcast = true;
    std::vector<std::string> unknownKeys;

    static AutoencoderKLConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    std::int64_t spatialFactor() const;  // 2^(levels − 1): pixels per latent
};

// UNetMidBlock2D without a time embedding: resnet, [attention (1 head per attention_head_dim
// channels, group_norm, residual), resnet].
class VaeMidBlockImpl : public torch::nn::Module {
public:
    VaeMidBlockImpl(std::int64_t channels, const AutoencoderKLConfig& config);
    at::Tensor forward(const at::Tensor& x);
    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

private:
    std::vector<nn::ResnetBlock2D> m_resnets;
    nn::Attention m_attention{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// DownEncoderBlock2D / UpDecoderBlock2D: resnets, then a down- or upsampler.
class VaeSampleBlockImpl : public torch::nn::Module {
public:
    VaeSampleBlockImpl(std::int64_t in,
                       std::int64_t out,
                       std::int64_t layers,
                       bool down,
                       bool resample,
                       const AutoencoderKLConfig& config);
    at::Tensor forward(at::Tensor x);
    torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr}, upsamplers{nullptr};

private:
    std::vector<nn::ResnetBlock2D> m_resnets;
    nn::Downsample2D m_down{nullptr};
    nn::Upsample2D m_up{nullptr};
};
TORCH_MODULE(VaeSampleBlock);

class VaeEncoderImpl : public torch::nn::Module {
public:
    explicit VaeEncoderImpl(const AutoencoderKLConfig& config);
    at::Tensor forward(const at::Tensor& x);  // (N, in, H, W) → (N, 2·latent, H/f, W/f)
    nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    VaeMidBlock mid_block{nullptr};
    nn::GroupNorm conv_norm_out{nullptr};

private:
    std::vector<VaeSampleBlock> m_blocks;
    nn::Activation m_act;
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
public:
    explicit VaeDecoderImpl(const AutoencoderKLConfig& config);
    at::Tensor forward(const at::Tensor& z);  // (N, latent, h, w) → (N, out, h·f, w·f)
    nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    VaeMidBlock mid_block{nullptr};
    nn::GroupNorm conv_norm_out{nullptr};

private:
    std::vector<VaeSampleBlock> m_blocks;
    nn::Activation m_act;
};
TORCH_MODULE(VaeDecoder);

struct LatentDistribution {
    at::Tensor mean;
    at::Tensor logvar;  // clamped to [−30, 20] as diffusers' DiagonalGaussianDistribution
};

class AutoencoderKLImpl : public torch::nn::Module {
public:
    explicit AutoencoderKLImpl(const AutoencoderKLConfig& config);

    // Images (N, in, H, W) in [−1, 1], or videos (B, in, F, H, W) encoded frame by frame in
    // batches of `frameBatch` frames (0: all at once). Outputs keep the input's layout.
    LatentDistribution encode(const at::Tensor& x, std::int64_t frameBatch = 0);
    // Unscaled latents (as the decoder takes them), 4-D or 5-D like encode.
    at::Tensor decode(const at::Tensor& z, std::int64_t frameBatch = 0);
    const AutoencoderKLConfig& config() const { return m_config; }

    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    at::Tensor encodeImages(const at::Tensor& x);  // the moments: [mean; logvar] on channels
    at::Tensor decodeImages(const at::Tensor& z);
    AutoencoderKLConfig m_config;
};
TORCH_MODULE(AutoencoderKL);

// Built uninitialised and bound onto target's device and dtype, as loadUNet3D.
AutoencoderKL loadAutoencoderKL(const std::filesystem::path& dir,
                                const std::string& variant = {},
                                const DeviceChoice& target = {});

}  // namespace mp::models
