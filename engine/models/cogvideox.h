#pragma once
// diffusers' CogVideoXTransformer3DModel (THUDM/CogVideoX-2b and -5b, version 1.0), driven by its
// config.json. Module names equal checkpoint keys (patch_embed.proj, patch_embed.text_proj,
// time_embedding.linear_1, transformer_blocks.N.norm1.linear, transformer_blocks.N.attn1.norm_q,
// transformer_blocks.N.ff.net.0.proj, norm_final, norm_out.linear, proj_out, ...), so weights
// bind strictly by name.
//
// The forward, as diffusers computes it: latents (B, F, C, H, W) are cut per frame into p×p
// patches (a strided convolution), the caption (T5 states) is projected to the model's width,
// and one sequence [caption; video patches] runs through num_layers blocks of full 3-D attention.
// Each block modulates the shared LayerNorm separately for the two streams (shift, scale, gate
// for the video and for the caption, from the timestep embedding), attends over the whole
// sequence with per-head LayerNorms on q and k, and runs one feed-forward over both streams with
// their own gates. Positions: 2b adds a fixed 3-D sin-cos table to the video tokens; 5b rotates
// the video tokens' q and k (3-D RoPE). The output takes the video tokens through `norm_final`,
// the timestep-modulated `norm_out` and `proj_out`, unpatchified to (B, F, C_out, H, W).

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
#include <tuple>
#include <utility>
#include <vector>

namespace mp::models {

struct CogVideoXConfig {
    std::int64_t numAttentionHeads = 30;
    std::int64_t attentionHeadDim = 64;
    std::int64_t inChannels = 16;
    std::int64_t outChannels = 16;
    bool flipSinToCos = true;
    double freqShift = 0;
    std::int64_t timeEmbedDim = 512;
    std::int64_t textEmbedDim = 4096;
    std::int64_t numLayers = 30;
    bool attentionBias = true;
    std::int64_t sampleWidth = 90;
    std::int64_t sampleHeight = 60;
    std::int64_t sampleFrames = 49;
    std::int64_t patchSize = 2;
    std::int64_t temporalCompressionRatio = 4;
    std::int64_t maxTextSeqLength = 226;
    std::string activationFn = "gelu-approximate";
    std::string timestepActivationFn = "silu";
    bool normElementwiseAffine = true;
    double normEps = 1e-5;
    double spatialInterpolationScale = 1.875;
    double temporalInterpolationScale = 1.0;
    bool useRotaryPositionalEmbeddings = false;
    bool patchBias = true;

    // config.json of a CogVideoXTransformer3DModel (a pipeline's transformer/). Throws
    // EngineError{Config} naming the file and key; CogVideoX 1.5 (patch_size_t), the image-to-video
    // models' learned positions and `ofs` embedding are refused by name.
    static CogVideoXConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    std::int64_t innerDim() const { return numAttentionHeads * attentionHeadDim; }
    // "2b" (sin-cos table) or "5b" (RoPE): the published models the two position schemes belong to.
    std::string positionScheme() const;
};

// get_3d_sincos_pos_embed as CogVideoXPatchEmbed calls it: (frames·h·w, dim) float32, per token
// [temporal (dim/4), spatial (3·dim/4: the column's half, then the row's)], frames outermost.
at::Tensor cogVideoXSincos3d(std::int64_t dim,
                             std::int64_t frames,
                             std::int64_t h,
                             std::int64_t w,
                             double spatialScale,
                             double temporalScale);

// The pipeline's 3-D rotary table for a (frames, h, w) patch grid (get_3d_rotary_pos_embed with
// the crop region of the grid in the configured sample size): (cos, sin), each
// (frames·h·w, headDim) float32, pairs interleaved, channels [t (headDim/4), h, w (3·headDim/8
// each)].
std::pair<at::Tensor, at::Tensor> cogVideoXRotaryTable(std::int64_t headDim,
                                                       std::int64_t frames,
                                                       std::int64_t h,
                                                       std::int64_t w,
                                                       std::int64_t baseHeight,
                                                       std::int64_t baseWidth);

class CogVideoXPatchEmbedImpl : public torch::nn::Module {
public:
    explicit CogVideoXPatchEmbedImpl(const CogVideoXConfig& config);
    // caption (B, L, text_embed_dim), latents (B, F, C, H, W) → [caption; patches] (B, L + F·h·w,
    // D) with the 2-D/3-D sin-cos table added when the model has one.
    at::Tensor forward(const at::Tensor& caption, const at::Tensor& latents);
    nn::Conv2d proj{nullptr};
    nn::AdaptableLinear text_proj{nullptr};

private:
    const at::Tensor& table(std::int64_t frames,
                            std::int64_t h,
                            std::int64_t w,
                            const at::Tensor& like);
    CogVideoXConfig m_config;
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, at::Tensor> m_tables;
};
TORCH_MODULE(CogVideoXPatchEmbed);

// CogVideoXLayerNormZero: `linear` (SiLU(temb) → shift, scale, gate for the video, then for the
// caption) and one shared `norm`.
class CogVideoXNormZeroImpl : public torch::nn::Module {
public:
    explicit CogVideoXNormZeroImpl(const CogVideoXConfig& config, std::int64_t chunks = 6);
    // The shared norm, without affine parameters when the config has none.
    at::Tensor normalise(const at::Tensor& x) const;
    nn::AdaptableLinear linear{nullptr};
    nn::LayerNorm norm{nullptr};  // only with elementwise-affine norms

private:
    double m_eps;
};
TORCH_MODULE(CogVideoXNormZero);

// attn1: q, k, v over the joint sequence, LayerNorm per head on q and k, RoPE on the video
// tokens (5b), SDPA, to_out.0.
class CogVideoXAttentionImpl : public torch::nn::Module {
public:
    explicit CogVideoXAttentionImpl(const CogVideoXConfig& config);
    // x (B, Lt + Lv, D); rope (cos, sin) each (Lv, headDim) or none.
    at::Tensor forward(const at::Tensor& x,
                       std::int64_t textLength,
                       const std::optional<std::pair<at::Tensor, at::Tensor>>& rope);
    nn::AdaptableLinear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    nn::LayerNorm norm_q{nullptr}, norm_k{nullptr};
    torch::nn::ModuleList to_out{nullptr};

private:
    nn::AdaptableLinear m_out{nullptr};
    std::int64_t m_heads;
};
TORCH_MODULE(CogVideoXAttention);

class CogVideoXBlockImpl : public torch::nn::Module {
public:
    explicit CogVideoXBlockImpl(const CogVideoXConfig& config);
    // x (B, Lt + Lv, D), the caption's Lt tokens first; temb (B, time_embed_dim).
    at::Tensor forward(const at::Tensor& x,
                       const at::Tensor& temb,
                       std::int64_t textLength,
                       const std::optional<std::pair<at::Tensor, at::Tensor>>& rope);
    CogVideoXNormZero norm1{nullptr}, norm2{nullptr};
    CogVideoXAttention attn1{nullptr};
    nn::FeedForward ff{nullptr};
};
TORCH_MODULE(CogVideoXBlock);

class CogVideoXTransformer3DModelImpl : public torch::nn::Module {
public:
    explicit CogVideoXTransformer3DModelImpl(const CogVideoXConfig& config);
    // sample (B, F, C, H, W) latent frames; timesteps (B,) or a scalar; captionStates (B, L,
    // text_embed_dim) (T5's last hidden state; with the 2b sin-cos table L must be
    // max_text_seq_length, as diffusers' table is laid out for it). Returns (B, F, C_out, H, W).
    // The 5b's rotary table is built here from the latent grid, as CogVideoXPipeline builds it.
    at::Tensor forward(const at::Tensor& sample,
                       const at::Tensor& timesteps,
                       const at::Tensor& captionStates);
    const CogVideoXConfig& config() const { return m_config; }
    void setGradientCheckpointing(bool on) { m_checkpointing = on; }

    CogVideoXPatchEmbed patch_embed{nullptr};
    nn::TimestepEmbedding time_embedding{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};
    nn::LayerNorm norm_final{nullptr};
    CogVideoXNormZero norm_out{nullptr};  // AdaLayerNorm: (shift, scale) from the timestep
    nn::AdaptableLinear proj_out{nullptr};

private:
    const std::pair<at::Tensor, at::Tensor>& rope(std::int64_t frames,
                                                  std::int64_t h,
                                                  std::int64_t w,
                                                  const at::Tensor& like);
    CogVideoXConfig m_config;
    std::vector<CogVideoXBlock> m_blocks;
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>,
             std::pair<at::Tensor, at::Tensor>>
        m_ropes;
    bool m_checkpointing = false;
};
TORCH_MODULE(CogVideoXTransformer3DModel);

// Builds the model from a folder (config.json + diffusion_pytorch_model.safetensors, sharded or a
// variant: a CogVideoX pipeline's transformer/, or the pipeline folder) and binds the weights
// strictly; uninitialised, onto target's device and dtype, as loadLatteTransformer.
CogVideoXTransformer3DModel loadCogVideoXTransformer(const std::filesystem::path& dir,
                                                     const std::string& variant = {},
                                                     const DeviceChoice& target = {});

}  // namespace mp::models
