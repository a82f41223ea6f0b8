#pragma once
// diffusers' AutoencoderKLCogVideoX (THUDM/CogVideoX-2b and -5b `vae/`), driven by its
// config.json. Module names equal checkpoint keys (encoder.down_blocks.0.resnets.1.conv1.conv
// .weight, decoder.up_blocks.2.resnets.0.norm1.conv_y.conv.weight, ...), so weights bind
// strictly by name.
//
// A causal 3-D VAE: every 3×3×3 convolution pads time on the past side only, with copies of the
// first frame, or with the last two (padded) input frames of the previous batch of frames
// (the "conv cache"); space is zero-padded inside the convolution. GroupNorms normalise over a
// whole batch of frames at once, so how a video is cut into batches changes the numbers, and this
// port cuts it exactly as diffusers does: the encoder takes 8 frames at a time (the first batch
// also takes the F mod 8 extra frames), the decoder 2 latent frames at a time (the first batch
// also takes the odd one), caches carried from batch to batch. Time is halved by the first
// log2(temporal_compression_ratio) downsamplers, keeping frame 0 apart when the count is odd, and
// doubled back by as many upsamplers, frame 0 again apart: 1 + 4k frames give 1 + k latent
// frames, and latent batches of 3 and 2 frames decode to 9 and 8 frames.
//
// The decoder's norms are SpatialNorm3D: GroupNorm(f) · conv_y(z') + conv_b(z'), z' the decoder's
// input latents nearest-resized to f (frame 0 resized separately when f has an odd count > 1).

#include "nn/functional.h"
#include "nn/layers.h"
#include "runtime/device.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mp::models {

struct CogVideoXVaeConfig {
    std::int64_t inChannels = 3;
    std::int64_t outChannels = 3;
    std::vector<std::string> downBlockTypes = std::vector<std::string>(4, "CogVideoXDownBlock3D");
    std::vector<std::string> upBlockTypes = std::vector<std::string>(4, "CogVideoXUpBlock3D");
    std::vector<std::int64_t> blockOutChannels{128, 256, 256, 512};
    std::int64_t latentChannels = 16;
    std::int64_t layersPerBlock = 3;
    std::string actFn = "silu";  // the resnets'; the encoder's and decoder's conv_act is SiLU
    nn::Activation act = nn::Activation::Silu;
    double normEps = 1e-6;  // the resnets' GroupNorms; the other norms use 1e-6 whatever this is
    std::int64_t normNumGroups = 32;
    double temporalCompressionRatio = 4;
    std::int64_t sampleHeight = 480;
    std::int64_t sampleWidth = 720;
    double scalingFactor = 1.15258426;
    std::optional<double> shiftFactor;
    std::vector<double> latentsMean, latentsStd;  // empty when the config has none (CogVideoX's)
    bool forceUpcast = true;
    bool useQuantConv = false;
    bool usePostQuantConv = false;
    bool invertScaleLatents = false;
    std::vector<std::string> unknownKeys;

    // vae/config.json of an AutoencoderKLCogVideoX. Absent keys take diffusers' defaults, as
    // diffusers does. Throws EngineError{Unsupported} for another _class_name, EngineError{Config}
    // naming the file and key for values this port does not build.
    static CogVideoXVaeConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    std::int64_t spatialFactor() const;           // 2^(levels − 1): pixels per latent
    std::int64_t temporalFactor() const;          // 2^temporalCompressLevels()
    std::int64_t temporalCompressLevels() const;  // int(log2(temporal_compression_ratio))
    // Frame counts as the batching above gives them: 1 + 4k frames → 1 + k latents;
    // latents f → frames 1 + 4(f − 1) for odd f, 4f for even f (diffusers' 2-frame batches).
    std::int64_t latentFrames(std::int64_t frames) const;
    std::int64_t decodedFrames(std::int64_t latentFrames) const;
};

// diffusers' enable_tiling(): frames are cut spatially into overlapping tiles, each encoded or
// decoded on its own (with the frame batching above), and the overlaps blended linearly. The
// tile sizes are in pixels; the latent tile is that / spatialFactor(). 0 for a field takes
// diffusers' default: sample_height / 2 by sample_width / 2 pixels, overlap factors 1/6 (height)
// and 1/5 (width). Tiling applies only to inputs larger than one tile.
struct CogVideoXVaeTiling {
    bool enabled = false;
    std::int64_t tileSampleMinHeight = 0;
    std::int64_t tileSampleMinWidth = 0;
    double tileOverlapFactorHeight = 0;
    double tileOverlapFactorWidth = 0;
};

// The caches of one pass through an encoder or a decoder over consecutive batches of frames:
// one slot per causal convolution with a temporal kernel > 1, empty for the first batch.
struct CausalConvCache {
    std::vector<at::Tensor> slots;
};

// CogVideoXCausalConv3d: `conv` (k×k×k, spatial zero padding (k − 1)/2) over the frames padded in
// the past by k − 1 frames: copies of frame 0, or the cached last k − 1 padded frames of the
// previous batch. Convolutions of very large inputs run in time slices (CogVideoXSafeConv3d).
class CogVideoXCausalConv3dImpl : public torch::nn::Module {
public:
    CogVideoXCausalConv3dImpl(std::int64_t in, std::int64_t out, std::int64_t kernel);
    at::Tensor forward(const at::Tensor& x, CausalConvCache& cache);
    std::int64_t timeKernel() const { return m_timeKernel; }
    void setCacheSlot(std::size_t slot) { m_slot = slot; }
    nn::Conv3d conv{nullptr};

private:
    std::int64_t m_timeKernel;
    std::size_t m_slot = 0;
};
TORCH_MODULE(CogVideoXCausalConv3d);

// The resnets' norms: a plain GroupNorm over (B, C, F, H, W) (its `weight` and `bias`, the
// encoder), or CogVideoXSpatialNorm3D (`norm_layer`, `conv_y`, `conv_b`, the decoder) when
// zqChannels > 0; its GroupNorm's eps is always 1e-6, as in diffusers.
class CogVideoXNorm3DImpl : public torch::nn::Module {
public:
    CogVideoXNorm3DImpl(std::int64_t channels,
                        std::int64_t groups,
                        double eps,
                        std::int64_t zqChannels = 0);
    // zq: the decoder's input latents (spatial norm only).
    at::Tensor forward(const at::Tensor& f, const at::Tensor& zq, CausalConvCache& cache);
    bool spatial() const { return !norm_layer.is_empty(); }
    at::Tensor weight, bias;  // the plain GroupNorm
    nn::GroupNorm norm_layer{nullptr};
    CogVideoXCausalConv3d conv_y{nullptr}, conv_b{nullptr};

private:
    std::int64_t m_groups;
    double m_eps;
};
TORCH_MODULE(CogVideoXNorm3D);

// CogVideoXResnetBlock3D without a time embedding: norm1, act, conv1, norm2, act, conv2, plus
// the input (through the 1×1×1 conv_shortcut when the width changes).
class CogVideoXResnetBlock3DImpl : public torch::nn::Module {
public:
    CogVideoXResnetBlock3DImpl(std::int64_t in,
                               std::int64_t out,
                               const CogVideoXVaeConfig& config,
                               bool spatialNorm);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& zq, CausalConvCache& cache);
    CogVideoXNorm3D norm1{nullptr}, norm2{nullptr};
    CogVideoXCausalConv3d conv1{nullptr}, conv2{nullptr};
    nn::Conv3d conv_shortcut{nullptr};

private:
    nn::Activation m_act;
};
TORCH_MODULE(CogVideoXResnetBlock3D);

// CogVideoXDownsample3D: with compressTime, frames averaged in pairs (frame 0 kept apart for an
// odd count); then per frame a zero pad of one on the right and bottom and a 3×3 stride-2 conv.
class CogVideoXDownsample3DImpl : public torch::nn::Module {
public:
    CogVideoXDownsample3DImpl(std::int64_t channels, bool compressTime);
    at::Tensor forward(const at::Tensor& x);
    nn::Conv2d conv{nullptr};

private:
    bool m_compressTime;
};
TORCH_MODULE(CogVideoXDownsample3D);

// CogVideoXUpsample3D: nearest ×2 in space and, with compressTime, in time (frame 0 not doubled
// for an odd count > 1); then a 3×3 conv per frame.
class CogVideoXUpsample3DImpl : public torch::nn::Module {
public:
    CogVideoXUpsample3DImpl(std::int64_t channels, bool compressTime);
    at::Tensor forward(const at::Tensor& x);
    nn::Conv2d conv{nullptr};

private:
    bool m_compressTime;
};
TORCH_MODULE(CogVideoXUpsample3D);

// CogVideoXDownBlock3D / CogVideoXMidBlock3D / CogVideoXUpBlock3D: resnets (spatial norms in the
// decoder), then the down- or upsampler if any.
class CogVideoXBlock3DImpl : public torch::nn::Module {
public:
    enum class Sampler { None, Down, Up };
    CogVideoXBlock3DImpl(std::int64_t in,
                         std::int64_t out,
                         std::int64_t layers,
                         bool spatialNorm,
                         Sampler sampler,
                         bool compressTime,
                         const CogVideoXVaeConfig& config);
    at::Tensor forward(at::Tensor x, const at::Tensor& zq, CausalConvCache& cache);
    torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr}, upsamplers{nullptr};

private:
    std::vector<CogVideoXResnetBlock3D> m_resnets;
    CogVideoXDownsample3D m_down{nullptr};
    CogVideoXUpsample3D m_up{nullptr};
};
TORCH_MODULE(CogVideoXBlock3D);

class CogVideoXEncoder3DImpl : public torch::nn::Module {
public:
    explicit CogVideoXEncoder3DImpl(const CogVideoXVaeConfig& config);
    // One batch of frames (B, in, F, H, W) → moments (B, 2·latent, F', H/8, W/8); `cache` carries
    // the causal convolutions' state from the previous batch (make it with newCache()).
    at::Tensor forward(const at::Tensor& x, CausalConvCache& cache);
    CausalConvCache newCache() const { return {std::vector<at::Tensor>(m_cacheSlots)}; }
    CogVideoXCausalConv3d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    CogVideoXBlock3D mid_block{nullptr};
    nn::GroupNorm norm_out{nullptr};

private:
    std::vector<CogVideoXBlock3D> m_blocks;
    std::size_t m_cacheSlots = 0;
};
TORCH_MODULE(CogVideoXEncoder3D);

class CogVideoXDecoder3DImpl : public torch::nn::Module {
public:
    explicit CogVideoXDecoder3DImpl(const CogVideoXVaeConfig& config);
    // One batch of latent frames (B, latent, f, h, w) → (B, out, F, 8h, 8w).
    at::Tensor forward(const at::Tensor& z, CausalConvCache& cache);
    CausalConvCache newCache() const { return {std::vector<at::Tensor>(m_cacheSlots)}; }
    CogVideoXCausalConv3d conv_in{nullptr}, conv_out{nullptr};
    CogVideoXBlock3D mid_block{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    CogVideoXNorm3D norm_out{nullptr};

private:
    std::vector<CogVideoXBlock3D> m_blocks;
    std::size_t m_cacheSlots = 0;
};
TORCH_MODULE(CogVideoXDecoder3D);

class AutoencoderKLCogVideoXImpl : public torch::nn::Module {
public:
    // diffusers' num_sample_frames_batch_size and num_latent_frames_batch_size.
    static constexpr std::int64_t kEncodeFrameBatch = 8;
    static constexpr std::int64_t kDecodeFrameBatch = 2;

    explicit AutoencoderKLCogVideoXImpl(const CogVideoXVaeConfig& config);

    // video (B, in, F, H, W) in [−1, 1], F = 1 + 4k, H and W multiples of 8 → the posterior's
    // (mean, logvar), each (B, latent, 1 + k, H/8, W/8); logvar clamped to [−30, 20] as
    // DiagonalGaussianDistribution does. diffusers' encode() (tiled_encode when tiling is on
    // and the frames are larger than a tile). The input is moved to the weights' device and dtype.
    std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& video);
    // latents (B, latent, f, h, w), already divided by scaling_factor → (B, out,
    // decodedFrames(f), 8h, 8w), as diffusers' decode() (tiled_decode likewise).
    at::Tensor decode(const at::Tensor& latents);

    // Throws EngineError{InvalidArgument} for tile sizes below one latent pixel or overlap
    // factors that leave no stride.
    void setTiling(const CogVideoXVaeTiling& tiling);
    // The tiling in use, defaults resolved.
    const CogVideoXVaeTiling& tiling() const { return m_tiling; }
    const CogVideoXVaeConfig& config() const { return m_config; }

    CogVideoXEncoder3D encoder{nullptr};
    CogVideoXDecoder3D decoder{nullptr};
    nn::Conv3d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    at::Tensor encodeFrames(const at::Tensor& x);  // _encode without tiling: the moments
    at::Tensor decodeFrames(const at::Tensor& z);  // _decode without tiling
    at::Tensor tiledEncode(const at::Tensor& x);
    at::Tensor tiledDecode(const at::Tensor& z);
    std::int64_t tileLatentMinHeight() const;
    std::int64_t tileLatentMinWidth() const;

    CogVideoXVaeConfig m_config;
    CogVideoXVaeTiling m_tiling;
};
TORCH_MODULE(AutoencoderKLCogVideoX);

// Builds the VAE from a folder (config.json + diffusion_pytorch_model.safetensors, sharded or a
// variant: a CogVideoX pipeline's vae/, or the pipeline folder) and binds the weights strictly;
// uninitialised, onto target's device and dtype, as loadAutoencoderKL. Tiling starts off.
AutoencoderKLCogVideoX loadCogVideoXVae(const std::filesystem::path& dirOrPipeline,
                                        const std::string& variant = {},
                                        const DeviceChoice& target = {});

}  // namespace mp::models
