#pragma once
// diffusers' UNet3DConditionModel (ModelScope text-to-video-ms-1.7b), driven by its config.json.
// Module names equal checkpoint keys (down_blocks.0.temp_attentions.1.transformer_blocks.0.attn1
// .to_q.weight, ...), so weights bind strictly by name.
//
// The `attention_head_dim` quirk: diffusers passes the config's attention_head_dim where blocks
// expect a head count, and the blocks build their transformers as (C / that, that). So every
// spatial and temporal attention of a level with C channels has C / attention_head_dim heads of
// size attention_head_dim (published: 64, so heads = C/64). `transformer_in` has 8 heads of
// attention_head_dim, i.e. 512 inner channels on the first level's 320.

#include "nn/attention.h"
#include "nn/embeddings.h"
#include "nn/layers.h"
#include "nn/resnet.h"
#include "runtime/cuda_graph.h"
#include "runtime/device.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mp::models {

struct UNet3DConfig {
    std::int64_t sampleSize = 32;
    std::int64_t inChannels = 4;
    std::int64_t outChannels = 4;
    std::vector<std::string> downBlockTypes{"CrossAttnDownBlock3D", "CrossAttnDownBlock3D",
                                            "CrossAttnDownBlock3D", "DownBlock3D"};
    std::vector<std::string> upBlockTypes{"UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D",
                                          "CrossAttnUpBlock3D"};
    std::vector<std::int64_t> blockOutChannels{320, 640, 1280, 1280};
    std::int64_t layersPerBlock = 2;
    std::int64_t downsamplePadding = 1;
    double midBlockScaleFactor = 1.0;
    nn::Activation act = nn::Activation::Silu;
    std::int64_t normNumGroups = 32;
    double normEps = 1e-5;
    std::int64_t crossAttentionDim = 1024;
    std::vector<std::int64_t> attentionHeadDim{64, 64, 64, 64};  // per level (the quirk above)
    std::vector<std::string> unknownKeys;

    // unet/config.json. Throws EngineError{Config} naming the file and key.
    static UNet3DConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    // 2^(levels − 1): the latent size must be a positive integer; other sizes are forwarded.
    std::int64_t downFactor() const;
};

// temp_convs.N: four GroupNorm → SiLU → [Dropout] → Conv3d (3,1,1) stages over frames with an
// identity residual. Keys conv1.{0,2}, conv2..4.{0,3}.
class TemporalConvLayerImpl : public torch::nn::Module {
public:
    TemporalConvLayerImpl(std::int64_t channels, std::int64_t groups);
    // x (B·F, C, H, W) → same.
    at::Tensor forward(const at::Tensor& x, std::int64_t frames);
    torch::nn::Sequential conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr};

private:
    struct Stage {
        nn::GroupNorm norm{nullptr};
        nn::Conv3d conv{nullptr};
    };
    std::vector<Stage> m_stages;
};
TORCH_MODULE(TemporalConvLayer);

// Transformer2DModel with linear projections: GroupNorm(eps 1e-6) → proj_in → blocks over H·W
// tokens (cross-attention to the text) → proj_out → + input.
class Transformer2DModelImpl : public torch::nn::Module {
public:
    Transformer2DModelImpl(std::int64_t channels,
                           std::int64_t heads,
                           std::int64_t crossAttentionDim,
                           std::int64_t groups);
    // x (B·F, C, H, W); context (B, L, D), shared by the F frames of each item.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, std::int64_t frames);
    nn::GroupNorm norm{nullptr};
    nn::AdaptableLinear proj_in{nullptr}, proj_out{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};

private:
    std::vector<nn::BasicTransformerBlock> m_blocks;
};
TORCH_MODULE(Transformer2DModel);

// TransformerTemporalModel: GroupNorm over (C, F, H, W) per item → tokens (B·H·W, F, C) → proj_in
// → blocks whose two attentions are both self-attention over frames (no positional embedding)
// → proj_out → + input.
class TransformerTemporalModelImpl : public torch::nn::Module {
public:
    TransformerTemporalModelImpl(std::int64_t channels,
                                 std::int64_t heads,
                                 std::int64_t headDim,
                                 std::int64_t groups);
    at::Tensor forward(const at::Tensor& x, std::int64_t frames);
    nn::GroupNorm norm{nullptr};
    nn::AdaptableLinear proj_in{nullptr}, proj_out{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};

private:
    std::vector<nn::BasicTransformerBlock> m_blocks;
};
TORCH_MODULE(TransformerTemporalModel);

// One of CrossAttnDownBlock3D / DownBlock3D / UNetMidBlock3DCrossAttn / UpBlock3D /
// CrossAttnUpBlock3D: the same four lists of layers (attentions only with cross-attention) and a
// down- or upsampler.
enum class UNet3DBlockKind { Down, Mid, Up };

struct UNet3DBlockOptions {
    UNet3DBlockKind kind = UNet3DBlockKind::Down;
    bool crossAttention = true;
    std::int64_t layers = 2;
    std::int64_t in = 0, out = 0;
    std::int64_t prevOut = 0;   // up blocks: the channels coming from below
    bool resample = true;       // add_downsample / add_upsample
    std::int64_t headDim = 64;  // the config's attention_head_dim for this level
    std::int64_t tembChannels = 1280;
    std::int64_t crossAttentionDim = 1024;
    std::int64_t groups = 32;
    double eps = 1e-5;
    nn::Activation act = nn::Activation::Silu;
    double outputScaleFactor = 1.0;
    std::int64_t downsamplePadding = 1;
};

class UNet3DBlockImpl : public torch::nn::Module {
public:
    explicit UNet3DBlockImpl(const UNet3DBlockOptions& options);

    // Down: returns the output and appends every layer's output (and the downsampled one) to
    // `skips`. Mid: returns the output. Up: pops its skips from the back of `skips`;
    // `upsampleSize` forces the upsampler's output size when not empty.
    at::Tensor forward(at::Tensor x,
                       const at::Tensor& temb,
                       const at::Tensor& context,
                       std::int64_t frames,
                       std::vector<at::Tensor>& skips,
                       const std::vector<std::int64_t>& upsampleSize = {});

    torch::nn::ModuleList resnets{nullptr}, temp_convs{nullptr}, attentions{nullptr},
        temp_attentions{nullptr}, downsamplers{nullptr}, upsamplers{nullptr};
    std::int64_t layerCount() const { return static_cast<std::int64_t>(m_resnets.size()); }
    // Each layer (resnet, temporal conv, attentions) recomputed in the backward instead of kept.
    void setGradientCheckpointing(bool on) { m_checkpoint = on; }

private:
    at::Tensor checkpointedLayer(std::size_t i,
                                 const at::Tensor& x,
                                 const at::Tensor& temb,
                                 const at::Tensor& context,
                                 std::int64_t frames);
    at::Tensor layer(std::size_t i,
                     at::Tensor x,
                     const at::Tensor& temb,
                     const at::Tensor& context,
                     std::int64_t frames);
    UNet3DBlockKind m_kind;
    std::vector<nn::ResnetBlock2D> m_resnets;
    std::vector<TemporalConvLayer> m_tempConvs;
    std::vector<Transformer2DModel> m_attentions;
    std::vector<TransformerTemporalModel> m_tempAttentions;
    nn::Downsample2D m_down{nullptr};
    nn::Upsample2D m_up{nullptr};
    bool m_checkpoint = false;
};
TORCH_MODULE(UNet3DBlock);

class UNet3DConditionModelImpl : public torch::nn::Module {
public:
    explicit UNet3DConditionModelImpl(const UNet3DConfig& config);

    // sample (B, C, F, H, W); timesteps (B,) or (1,) or a 0-d tensor; context (B, L, D).
    // Returns (B, outChannels, F, H, W) in the module's dtype. `midFeatures`, when given,
    // receives the mid block's output (B·F, C, h, w), for training-time auxiliary losses.
    at::Tensor forward(const at::Tensor& sample,
                       const at::Tensor& timesteps,
                       const at::Tensor& context,
                       at::Tensor* midFeatures = nullptr);
    const UNet3DConfig& config() const { return m_config; }
    // Training memory: every block layer's activations recomputed in the backward
    // (nn/checkpoint.h) instead of kept; the gradients are the same.
    void setGradientCheckpointing(bool on);

    nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    nn::TimestepEmbedding time_embedding{nullptr};
    TransformerTemporalModel transformer_in{nullptr};
    torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
    UNet3DBlock mid_block{nullptr};
    nn::GroupNorm conv_norm_out{nullptr};

private:
    UNet3DConfig m_config;
    std::vector<UNet3DBlock> m_down, m_up;
};
TORCH_MODULE(UNet3DConditionModel);

// Builds the model from a pipeline folder's unet/ or a unet folder itself (config.json +
// diffusion_pytorch_model[.variant].safetensors, single or sharded) and binds the weights
// strictly. A config whose _class_name is not UNet3DConditionModel is refused (Unsupported).
// Built uninitialised and bound straight onto target's device and dtype (nn::UninitialisedScope,
// BindOptions::device).
UNet3DConditionModel loadUNet3D(const std::filesystem::path& dir,
                                const std::string& variant = {},
                                const DeviceChoice& target = {});

// The forward as generation, the probe and `bench` run it: inputs {sample, timesteps, context}
// in the model's dtype and device; on CUDA replayed from a captured graph when `cudaGraphs`
// (runtime/cuda_graph.h), else eager.
GraphedFunction graphedForward(UNet3DConditionModel unet, bool cudaGraphs);

}  // namespace mp::models
