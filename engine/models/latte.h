#pragma once
// diffusers' LatteTransformer3DModel (maxin-cn/Latte-1), driven by its config.json. Module names
// equal checkpoint keys (pos_embed.proj, transformer_blocks.N.attn1.to_q, temporal_transformer_
// blocks.N.ff.net.0.proj, adaln_single.emb.timestep_embedder.linear_1, caption_projection.linear_1,
// scale_shift_table, proj_out, ...), so weights bind strictly by name.
//
// The forward, as diffusers computes it: frames become (B·F, C, H, W) and are cut into p×p patches
// (a strided convolution) plus a fixed 2-D sin-cos table; the timestep gives, through
// `adaln_single`, six modulation vectors per block (shift, scale and gate of the attention and of
// the feed-forward, added to each block's `scale_shift_table`); the caption goes through
// `caption_projection`. Then num_layers × (a spatial block over the patches of each frame, with
// cross-attention to the caption, and a temporal block over the frames of each patch); the
// temporal table is added once, before temporal block 0, when there is more than one frame. The
// output is modulated by `scale_shift_table` and the embedded timestep, projected to p·p·C_out
// values per patch and unpatchified; C_out is twice the input's channels (learned sigma).

#include "io/config.h"
#include "nn/attention.h"
#include "nn/embeddings.h"
#include "nn/layers.h"
#include "runtime/device.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mp::models {

struct LatteConfig {
    std::int64_t numAttentionHeads = 16;
    std::int64_t attentionHeadDim = 72;
    std::int64_t inChannels = 4;
    std::int64_t outChannels = 8;
    std::int64_t numLayers = 28;
    std::int64_t crossAttentionDim = 1152;
    bool attentionBias = true;
    std::int64_t sampleSize = 64;
    std::int64_t patchSize = 2;
    std::string activationFn = "gelu-approximate";
    std::string normType = "ada_norm_single";
    bool normElementwiseAffine = false;
    double normEps = 1e-6;
    std::int64_t captionChannels = 4096;
    std::int64_t videoLength = 16;

    // config.json of a LatteTransformer3DModel (a pipeline's transformer/). Throws
    // EngineError{Config} naming the file and key.
    static LatteConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    std::int64_t innerDim() const { return numAttentionHeads * attentionHeadDim; }
    // diffusers: max(sample_size // 64, 1).
    double interpolationScale() const;
};

// diffusers' get_1d_sincos_pos_embed_from_grid(dim, positions): (M, dim) float32 of
// [sin(p·ω_k), cos(p·ω_k)], ω_k = 10000^(−k/(dim/2)), computed in float64 as diffusers does.
at::Tensor sincos1d(std::int64_t dim, const at::Tensor& positions);
// get_2d_sincos_pos_embed(dim, (h, w), base_size, interpolation_scale): (h·w, dim) float32; the
// first half of the channels encodes the column (w), the second the row (h).
at::Tensor sincos2d(std::int64_t dim,
                    std::int64_t h,
                    std::int64_t w,
                    std::int64_t baseSize,
                    double interpolationScale);

// PatchEmbed: `proj` (a p×p convolution with stride p) and the fixed 2-D table, recomputed for
// sizes other than the configured one.
class LattePatchEmbedImpl : public torch::nn::Module {
public:
    explicit LattePatchEmbedImpl(const LatteConfig& config);
    at::Tensor forward(const at::Tensor& frames);  // (N, C, H, W) → (N, h·w, D)
    nn::Conv2d proj{nullptr};

private:
    at::Tensor table(std::int64_t h, std::int64_t w, c10::Device device);
    LatteConfig m_config;
    std::map<std::pair<std::int64_t, std::int64_t>, at::Tensor> m_tables;
};
TORCH_MODULE(LattePatchEmbed);

// AdaLayerNormSingle's `emb` (PixArtAlphaCombinedTimestepSizeEmbeddings without the size
// conditions): the 256-channel sinusoid through `timestep_embedder`.
class LatteTimestepEmbImpl : public torch::nn::Module {
public:
    explicit LatteTimestepEmbImpl(std::int64_t dim);
    at::Tensor forward(const at::Tensor& timesteps, c10::ScalarType dtype);
    nn::TimestepEmbedding timestep_embedder{nullptr};
};
TORCH_MODULE(LatteTimestepEmb);

class LatteAdaLayerNormSingleImpl : public torch::nn::Module {
public:
    explicit LatteAdaLayerNormSingleImpl(std::int64_t dim);
    // (the six modulation vectors (B, 6·D), the embedded timestep (B, D))
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& timesteps, c10::ScalarType dtype);
    LatteTimestepEmb emb{nullptr};
    nn::Linear linear{nullptr};
};
TORCH_MODULE(LatteAdaLayerNormSingle);

// PixArtAlphaTextProjection: linear_1, tanh-GELU, linear_2.
class LatteCaptionProjectionImpl : public torch::nn::Module {
public:
    LatteCaptionProjectionImpl(std::int64_t in, std::int64_t hidden);
    at::Tensor forward(const at::Tensor& x);
    nn::AdaptableLinear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(LatteCaptionProjection);

// BasicTransformerBlock with norm_type "ada_norm_single" (Latte's and PixArt's):
//   (shift, scale, gate)_{msa, mlp} = scale_shift_table + modulation
//   x += gate_msa · attn1(norm1(x)·(1 + scale_msa) + shift_msa)
//   x += attn2(x, caption)                       (spatial blocks: no norm, no gate)
//   x += gate_mlp · ff(norm2(x)·(1 + scale_mlp) + shift_mlp)
class LatteBlockImpl : public torch::nn::Module {
public:
    LatteBlockImpl(const LatteConfig& config, bool crossAttention);
    // x (N, L, D); modulation (N, 6·D); context (N', Lc, D) with N = N'·contextRepeat.
    at::Tensor forward(const at::Tensor& x,
                       const at::Tensor& modulation,
                       const std::optional<at::Tensor>& context = std::nullopt,
                       std::int64_t contextRepeat = 1,
                       const std::optional<at::Tensor>& contextMask = std::nullopt);
    nn::LayerNorm norm1{nullptr}, norm2{nullptr};  // only with elementwise-affine norms
    nn::Attention attn1{nullptr}, attn2{nullptr};
    nn::FeedForward ff{nullptr};
    at::Tensor scale_shift_table;  // (6, D)

private:
    at::Tensor norm(const nn::LayerNorm& module, const at::Tensor& x) const;
    double m_eps;
};
TORCH_MODULE(LatteBlock);

class LatteTransformer3DModelImpl : public torch::nn::Module {
public:
    explicit LatteTransformer3DModelImpl(const LatteConfig& config);
    // sample (B, C, F, H, W) latents; timesteps (B,) or a scalar; captionStates (B, L,
    // caption_channels) (T5's last hidden state). Returns (B, out_channels, F, H, W): noise in the
    // first C channels, the learned variance in the rest. F must be the config's video_length or
    // 1 (the temporal table is fixed to video_length); H and W multiples of the patch size.
    // `captionMask` (B, L), true for the caption's tokens, leaves padding out of the
    // cross-attention (diffusers' pipeline cuts each caption to its tokens instead; batched
    // captions of different lengths need the mask to give the same result).
    at::Tensor forward(const at::Tensor& sample,
                       const at::Tensor& timesteps,
                       const at::Tensor& captionStates,
                       bool temporalAttention = true,
                       const std::optional<at::Tensor>& captionMask = std::nullopt);
    const LatteConfig& config() const { return m_config; }
    void setGradientCheckpointing(bool on) { m_checkpointing = on; }

    LattePatchEmbed pos_embed{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr}, temporal_transformer_blocks{nullptr};
    at::Tensor scale_shift_table;  // (2, D)
    nn::AdaptableLinear proj_out{nullptr};
    LatteAdaLayerNormSingle adaln_single{nullptr};
    LatteCaptionProjection caption_projection{nullptr};

private:
    LatteConfig m_config;
    std::vector<LatteBlock> m_spatial, m_temporal;
    at::Tensor m_temporalMaster;  // (1, video_length, D) float32 on the CPU
    at::Tensor m_temporalTable;   // the same in the device and dtype of use, converted once
    bool m_checkpointing = false;
};
TORCH_MODULE(LatteTransformer3DModel);

// Builds the model from a folder (config.json + diffusion_pytorch_model.safetensors, sharded or a
// variant: a Latte pipeline's transformer/, or the pipeline folder) and binds the weights
// strictly; uninitialised, onto target's device and dtype, as loadUNet3D.
LatteTransformer3DModel loadLatteTransformer(const std::filesystem::path& dir,
                                             const std::string& variant = {},
                                             const DeviceChoice& target = {});

}  // namespace mp::models
