#include "models/cogvideox.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "models/latte.h"
#include "nn/checkpoint.h"
#include "runtime/torch_shim.h"

#include <ATen/ATen.h>
#include <c10/util/irange.h>

#include <cmath>
#include <sstream>

namespace mp::models {

// ---- config ---------------------------------------------------------------------------------

CogVideoXConfig CogVideoXConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    json.requireClass("_class_name", {"CogVideoXTransformer3DModel"},
                      "a CogVideoXTransformer3DModel");
    CogVideoXConfig c;
    c.numAttentionHeads = json.getInt("num_attention_heads", c.numAttentionHeads);
    c.attentionHeadDim = json.getInt("attention_head_dim", c.attentionHeadDim);
    c.inChannels = json.getInt("in_channels", c.inChannels);
    c.outChannels = json.isNull("out_channels") ? c.inChannels : json.requireInt("out_channels");
    c.flipSinToCos = json.getBool("flip_sin_to_cos", c.flipSinToCos);
    c.freqShift = json.getDouble("freq_shift", c.freqShift);
    c.timeEmbedDim = json.getInt("time_embed_dim", c.timeEmbedDim);
    c.textEmbedDim = json.getInt("text_embed_dim", c.textEmbedDim);
    c.numLayers = json.getInt("num_layers", c.numLayers);
    c.attentionBias = json.getBool("attention_bias", c.attentionBias);
    c.sampleWidth = json.getInt("sample_width", c.sampleWidth);
    c.sampleHeight = json.getInt("sample_height", c.sampleHeight);
    c.sampleFrames = json.getInt("sample_frames", c.sampleFrames);
    c.patchSize = json.getInt("patch_size", c.patchSize);
    c.temporalCompressionRatio =
        json.getInt("temporal_compression_ratio", c.temporalCompressionRatio);
    c.maxTextSeqLength = json.getInt("max_text_seq_length", c.maxTextSeqLength);
    c.activationFn = json.getString("activation_fn", c.activationFn);
    c.timestepActivationFn = json.getString("timestep_activation_fn", c.timestepActivationFn);
    c.normElementwiseAffine = json.getBool("norm_elementwise_affine", c.normElementwiseAffine);
    c.normEps = json.getDouble("norm_eps", c.normEps);
    c.spatialInterpolationScale =
        json.getDouble("spatial_interpolation_scale", c.spatialInterpolationScale);
    c.temporalInterpolationScale =
        json.getDouble("temporal_interpolation_scale", c.temporalInterpolationScale);
    c.useRotaryPositionalEmbeddings =
        json.getBool("use_rotary_positional_embeddings", c.useRotaryPositionalEmbeddings);
    c.patchBias = json.getBool("patch_bias", c.patchBias);

    if (!json.isNull("patch_size_t"))
        json.fail("patch_size_t",
                  "is set: this is a CogVideoX 1.5 model (temporal patches), which this build does "
                  "not run yet; CogVideoX 1.0 (2b, 5b) has patch_size_t null");
    if (json.getBool("use_learned_positional_embeddings", false))
        json.fail("use_learned_positional_embeddings",
                  "is true (CogVideoX-5b-I2V, image-to-video), which this build does not run; "
                  "the text-to-video models have it false");
    if (!json.isNull("ofs_embed_dim"))
        json.fail("ofs_embed_dim",
                  "is set (CogVideoX 1.5 image-to-video), which this build does not run");
    json.checkRange("num_attention_heads", c.numAttentionHeads, 1, 1024);
    json.checkRange("attention_head_dim", c.attentionHeadDim, 1, 4096);
    json.checkRange("in_channels", c.inChannels, 1, 4096);
    json.checkRange("out_channels", c.outChannels, 1, 4096);
    json.checkRange("time_embed_dim", c.timeEmbedDim, 1, 65536);
    json.checkRange("text_embed_dim", c.textEmbedDim, 1, 65536);
    json.checkRange("num_layers", c.numLayers, 1, 1024);
    json.checkRange("sample_width", c.sampleWidth, 1, 65536);
    json.checkRange("sample_height", c.sampleHeight, 1, 65536);
    json.checkRange("sample_frames", c.sampleFrames, 1, 65536);
    json.checkRange("patch_size", c.patchSize, 1, 64);
    json.checkRange("temporal_compression_ratio", c.temporalCompressionRatio, 1, 64);
    json.checkRange("max_text_seq_length", c.maxTextSeqLength, 0, 65536);
    if (c.activationFn != "gelu-approximate" && c.activationFn != "gelu")
        json.fail("activation_fn", "expected 'gelu-approximate' (CogVideoX's) or 'gelu', got '" +
                                       c.activationFn + "'");
    nn::activationFromName(c.timestepActivationFn, path.string() + ": timestep_activation_fn");
    if (c.useRotaryPositionalEmbeddings) {
        if (c.attentionHeadDim % 8 != 0)
            json.fail(
                "attention_head_dim",
                "must be a multiple of 8 for the 3-D rotary table (t: 1/4, h and w: 3/8 each)");
    } else if (c.innerDim() % 16 != 0) {
        json.fail("attention_head_dim", "the width " + std::to_string(c.innerDim()) +
                                            " must be a multiple of 16 (the 3-D sin-cos table)");
    }
    if (!(c.normEps > 0))
        json.fail("norm_eps", "must be positive");
    if (!(c.spatialInterpolationScale > 0) || !(c.temporalInterpolationScale > 0))
        json.fail("spatial_interpolation_scale", "the interpolation scales must be positive");
    return c;
}

std::string CogVideoXConfig::toString() const {
    std::ostringstream s;
    s << "CogVideoX: " << numLayers << " blocks, width " << innerDim() << " (" << numAttentionHeads
      << " heads of " << attentionHeadDim << "), patch " << patchSize << ", " << inChannels << "→"
      << outChannels << " channels, positions "
      << (useRotaryPositionalEmbeddings ? "3-D RoPE" : "3-D sin-cos") << ", caption "
      << textEmbedDim << " wide";
    return s.str();
}

std::string CogVideoXConfig::positionScheme() const {
    return useRotaryPositionalEmbeddings ? "5b" : "2b";
}

// ---- positional tables ----------------------------------------------------------------------

at::Tensor cogVideoXSincos3d(std::int64_t dim,
                             std::int64_t frames,
                             std::int64_t h,
                             std::int64_t w,
                             double spatialScale,
                             double temporalScale) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const auto spatialDim = 3 * dim / 4, temporalDim = dim / 4;
    // float32 coordinates (index / scale), the sinusoid in float64, as diffusers computes them.
    const auto rows = at::arange(h, f32) / spatialScale;
    const auto cols = at::arange(w, f32) / spatialScale;
    const auto colOf = cols.unsqueeze(0).expand({h, w}).reshape({-1});
    const auto rowOf = rows.unsqueeze(1).expand({h, w}).reshape({-1});
    const auto spatial =
        at::cat({sincos1d(spatialDim / 2, colOf), sincos1d(spatialDim / 2, rowOf)}, 1);
    const auto temporal = sincos1d(temporalDim, at::arange(frames, f32) / temporalScale);
    return at::cat({temporal.unsqueeze(1).expand({frames, h * w, temporalDim}),
                    spatial.unsqueeze(0).expand({frames, h * w, spatialDim})},
                   2)
        .reshape({frames * h * w, dim});
}

namespace {

// get_1d_rotary_pos_embed(dim, positions, theta 1e4, use_real, repeat_interleave_real): float32
// frequencies 1/θ^(2i/dim), cos and sin of position × frequency, each channel twice.
std::pair<at::Tensor, at::Tensor> rotary1d(std::int64_t dim, const at::Tensor& positions) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const auto freqs = 1.0 / at::pow(at::scalar_tensor(10000.0, f32),
                                     at::arange(0, dim, 2, f32) / static_cast<double>(dim));
    const auto angles = at::outer(positions, freqs);
    return {angles.cos().repeat_interleave(2, 1), angles.sin().repeat_interleave(2, 1)};
}

// get_resize_crop_region_for_grid: the grid fitted into the base size, centred.
std::pair<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, std::int64_t>>
cropRegion(std::int64_t h, std::int64_t w, std::int64_t baseWidth, std::int64_t baseHeight) {
    const double tw = static_cast<double>(baseWidth), th = static_cast<double>(baseHeight);
    const double r = static_cast<double>(h) / static_cast<double>(w);
    std::int64_t resizeHeight = 0, resizeWidth = 0;
    // Python's round() rounds halves to even, as std::nearbyint does in the default mode.
    if (r > th / tw) {
        resizeHeight = baseHeight;
        resizeWidth = static_cast<std::int64_t>(
            std::nearbyint(th / static_cast<double>(h) * static_cast<double>(w)));
    } else {
        resizeWidth = baseWidth;
        resizeHeight = static_cast<std::int64_t>(
            std::nearbyint(tw / static_cast<double>(w) * static_cast<double>(h)));
    }
    const auto top =
        static_cast<std::int64_t>(std::nearbyint((th - static_cast<double>(resizeHeight)) / 2.0));
    const auto left =
        static_cast<std::int64_t>(std::nearbyint((tw - static_cast<double>(resizeWidth)) / 2.0));
    return {{top, left}, {top + resizeHeight, left + resizeWidth}};
}

}  // namespace

std::pair<at::Tensor, at::Tensor> cogVideoXRotaryTable(std::int64_t headDim,
                                                       std::int64_t frames,
                                                       std::int64_t h,
                                                       std::int64_t w,
                                                       std::int64_t baseHeight,
                                                       std::int64_t baseWidth) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const auto [start, stop] = cropRegion(h, w, baseWidth, baseHeight);
    // linspace(start, stop·(n − 1)/n, n) in float32, as the "linspace" grid type makes them.
    const auto axis = [&](std::int64_t from, std::int64_t to, std::int64_t n) {
        return at::linspace(
            static_cast<double>(from),
            static_cast<double>(to) * static_cast<double>(n - 1) / static_cast<double>(n), n, f32);
    };
    const auto gridH = axis(start.first, stop.first, h);
    const auto gridW = axis(start.second, stop.second, w);
    const auto gridT = axis(0, frames, frames);
    const auto dimT = headDim / 4, dimH = headDim / 8 * 3, dimW = headDim / 8 * 3;
    const auto [tc, ts] = rotary1d(dimT, gridT);
    const auto [hc, hs] = rotary1d(dimH, gridH);
    const auto [wc, ws] = rotary1d(dimW, gridW);
    const auto combine = [&](const at::Tensor& t, const at::Tensor& hh, const at::Tensor& ww) {
        return at::cat({t.view({frames, 1, 1, dimT}).expand({frames, h, w, dimT}),
                        hh.view({1, h, 1, dimH}).expand({frames, h, w, dimH}),
                        ww.view({1, 1, w, dimW}).expand({frames, h, w, dimW})},
                       3)
            .reshape({frames * h * w, dimT + dimH + dimW});
    };
    return {combine(tc, hc, wc), combine(ts, hs, ws)};
}

// ---- embeddings -----------------------------------------------------------------------------

CogVideoXPatchEmbedImpl::CogVideoXPatchEmbedImpl(const CogVideoXConfig& c) : m_config(c) {
    proj = register_module(
        "proj", nn::Conv2d(c.inChannels, c.innerDim(), c.patchSize, c.patchSize, 0, c.patchBias));
    text_proj = register_module("text_proj", nn::linear(c.textEmbedDim, c.innerDim()));
}

const at::Tensor& CogVideoXPatchEmbedImpl::table(std::int64_t frames,
                                                 std::int64_t h,
                                                 std::int64_t w,
                                                 const at::Tensor& like) {
    auto& t = m_tables[{frames, h, w}];
    if (!t.defined() || t.device() != like.device() || t.scalar_type() != like.scalar_type())
        t = cogVideoXSincos3d(m_config.innerDim(), frames, h, w, m_config.spatialInterpolationScale,
                              m_config.temporalInterpolationScale)
                .unsqueeze(0)
                .to(like.device(), like.scalar_type());
    return t;
}

at::Tensor CogVideoXPatchEmbedImpl::forward(const at::Tensor& caption, const at::Tensor& latents) {
    const auto B = latents.size(0), F = latents.size(1), C = latents.size(2), H = latents.size(3),
               W = latents.size(4);
    auto text = text_proj(caption);
    // (B·F, D, h, w) → (B, F·h·w, D), frames outermost, then rows.
    auto video = proj(latents.reshape({B * F, C, H, W}));
    const auto D = video.size(1), h = video.size(2), w = video.size(3);
    video = video.view({B, F, D, h * w}).transpose(2, 3).reshape({B, F * h * w, D});
    if (m_config.useRotaryPositionalEmbeddings)
        return at::cat({text, video}, 1);
    if (text.size(1) != m_config.maxTextSeqLength)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX: the caption has " + std::to_string(text.size(1)) +
                              " tokens, but this model's position table is laid out for "
                              "max_text_seq_length " +
                              std::to_string(m_config.maxTextSeqLength));
    // The table's caption rows are zero: only the video tokens get positions.
    video = video + table(F, h, w, video);
    return at::cat({text, video}, 1);
}

CogVideoXNormZeroImpl::CogVideoXNormZeroImpl(const CogVideoXConfig& c, std::int64_t chunks)
    : m_eps(c.normEps) {
    linear = register_module("linear", nn::linear(c.timeEmbedDim, chunks * c.innerDim()));
    if (c.normElementwiseAffine)
        norm = register_module("norm", nn::layerNorm(c.innerDim(), c.normEps));
}

at::Tensor CogVideoXNormZeroImpl::normalise(const at::Tensor& x) const {
    if (!norm.is_empty())
        return at::layer_norm(x, {x.size(-1)}, norm->weight, norm->bias, m_eps);
    return at::layer_norm(x, {x.size(-1)}, {}, {}, m_eps);
}

// ---- attention ------------------------------------------------------------------------------

CogVideoXAttentionImpl::CogVideoXAttentionImpl(const CogVideoXConfig& c)
    : m_heads(c.numAttentionHeads) {
    const auto D = c.innerDim();
    to_q = register_module("to_q", nn::linear(D, D, c.attentionBias));
    to_k = register_module("to_k", nn::linear(D, D, c.attentionBias));
    to_v = register_module("to_v", nn::linear(D, D, c.attentionBias));
    // qk_norm "layer_norm": per head, eps 1e-6, affine.
    norm_q = register_module("norm_q", nn::layerNorm(c.attentionHeadDim, 1e-6));
    norm_k = register_module("norm_k", nn::layerNorm(c.attentionHeadDim, 1e-6));
    to_out = register_module("to_out", torch::nn::ModuleList());
    m_out = nn::linear(D, D, true);
    to_out->push_back(m_out);
}

namespace {

// apply_rotary_emb (use_real, pairs interleaved): x·cos + rot(x)·sin with rot(x0, x1) = (−x1, x0),
// in float32 and back to x's dtype. x (B, heads, L, d); cos, sin (L, d).
at::Tensor rotate(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const auto pairs = x.unflatten(-1, {-1, 2});
    const auto rotated = at::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(-2);
    return (x.to(at::kFloat) * cos + rotated.to(at::kFloat) * sin).to(x.scalar_type());
}

}  // namespace

at::Tensor CogVideoXAttentionImpl::forward(
    const at::Tensor& x,
    std::int64_t textLength,
    const std::optional<std::pair<at::Tensor, at::Tensor>>& rope) {
    const auto B = x.size(0), L = x.size(1), D = x.size(2), d = D / m_heads;
    const auto heads = [&](const at::Tensor& t) {
        return t.view({B, L, m_heads, d}).transpose(1, 2);
    };
    auto q = norm_q(heads(to_q(x)));
    auto k = norm_k(heads(to_k(x)));
    const auto v = heads(to_v(x));
    if (rope) {
        const auto videoLength = L - textLength;
        const auto rotated = [&](at::Tensor t) {
            auto video = t.narrow(2, textLength, videoLength);
            if (!at::GradMode::is_enabled()) {  // into the fresh normed tensor, as diffusers does
                video.copy_(rotate(video, rope->first, rope->second));
                return t;
            }
            return at::cat({t.narrow(2, 0, textLength), rotate(video, rope->first, rope->second)},
                           2);
        };
        q = rotated(q);
        k = rotated(k);
    }
    auto out = shim::sdpa(q, k, v, std::nullopt, false);
    return m_out(out.transpose(1, 2).reshape({B, L, D}));
}

// ---- blocks ---------------------------------------------------------------------------------

CogVideoXBlockImpl::CogVideoXBlockImpl(const CogVideoXConfig& c) {
    norm1 = register_module("norm1", CogVideoXNormZero(c));
    attn1 = register_module("attn1", CogVideoXAttention(c));
    norm2 = register_module("norm2", CogVideoXNormZero(c));
    ff = register_module("ff", nn::FeedForward(c.innerDim(), c.activationFn == "gelu"
                                                                 ? nn::FeedForwardKind::Gelu
                                                                 : nn::FeedForwardKind::GeluTanh));
}

namespace {

// Rows [0, Lt) of x (the caption) and [Lt, L) (the video) each through its own function, joined.
template <class Text, class Video>
at::Tensor perStream(const at::Tensor& x, std::int64_t textLength, Text&& text, Video&& video) {
    const auto L = x.size(1);
    return at::cat(
        {text(x.narrow(1, 0, textLength)), video(x.narrow(1, textLength, L - textLength))}, 1);
}

}  // namespace

at::Tensor CogVideoXBlockImpl::forward(
    const at::Tensor& x,
    const at::Tensor& temb,
    std::int64_t textLength,
    const std::optional<std::pair<at::Tensor, at::Tensor>>& rope) {
    const auto L = x.size(1), Lv = L - textLength;
    // Without autograd the two streams are modulated and updated in place, in views of one
    // tensor: the same arithmetic in the same order, without joining copies.
    const bool inPlace = !at::GradMode::is_enabled();
    const auto modulate = [&](at::Tensor n, const std::vector<at::Tensor>& m) {
        // (shift, scale) of the video stream are m[0], m[1]; of the caption m[3], m[4].
        if (inPlace) {
            n.narrow(1, 0, textLength).mul_(1 + m[4]).add_(m[3]);
            n.narrow(1, textLength, Lv).mul_(1 + m[1]).add_(m[0]);
            return n;
        }
        return perStream(
            n, textLength, [&](const at::Tensor& t) { return t * (1 + m[4]) + m[3]; },
            [&](const at::Tensor& v) { return v * (1 + m[1]) + m[0]; });
    };
    // x + gate · y per stream (the video's gate m[2], the caption's m[5]).
    const auto gated = [&](at::Tensor base, const at::Tensor& y, const std::vector<at::Tensor>& m) {
        if (inPlace) {
            base.narrow(1, 0, textLength).add_(m[5] * y.narrow(1, 0, textLength));
            base.narrow(1, textLength, Lv).add_(m[2] * y.narrow(1, textLength, Lv));
            return base;
        }
        return at::cat({base.narrow(1, 0, textLength) + m[5] * y.narrow(1, 0, textLength),
                        base.narrow(1, textLength, Lv) + m[2] * y.narrow(1, textLength, Lv)},
                       1);
    };
    const auto silu = at::silu(temb);
    // shift, scale, gate of the video stream, then of the caption: each (B, 1, D).
    const auto m1 = norm1->linear(silu).unsqueeze(1).chunk(6, 2);
    const auto a = attn1(modulate(norm1->normalise(x), m1), textLength, rope);
    // The caller's x is not used after this block, so it may take the update in place.
    auto h = gated(x, a, m1);
    const auto m2 = norm2->linear(silu).unsqueeze(1).chunk(6, 2);
    const auto f = ff(modulate(norm2->normalise(h), m2));
    return gated(h, f, m2);
}

// ---- the model ------------------------------------------------------------------------------

CogVideoXTransformer3DModelImpl::CogVideoXTransformer3DModelImpl(const CogVideoXConfig& c)
    : m_config(c) {
    const auto D = c.innerDim();
    patch_embed = register_module("patch_embed", CogVideoXPatchEmbed(c));
    time_embedding = register_module(
        "time_embedding",
        nn::TimestepEmbedding(D, c.timeEmbedDim,
                              nn::activationFromName(c.timestepActivationFn, "CogVideoX")));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (const auto i : c10::irange(c.numLayers)) {
        (void)i;
        m_blocks.emplace_back(c);
        transformer_blocks->push_back(m_blocks.back());
    }
    if (c.normElementwiseAffine)
        norm_final = register_module("norm_final", nn::layerNorm(D, c.normEps));
    norm_out = register_module("norm_out", CogVideoXNormZero(c, 2));
    proj_out =
        register_module("proj_out", nn::linear(D, c.patchSize * c.patchSize * c.outChannels));
}

const std::pair<at::Tensor, at::Tensor>& CogVideoXTransformer3DModelImpl::rope(
    std::int64_t frames,
    std::int64_t h,
    std::int64_t w,
    const at::Tensor& like) {
    auto& r = m_ropes[{frames, h, w}];
    if (!r.first.defined() || r.first.device() != like.device()) {
        const auto p = m_config.patchSize;
        auto [cos, sin] = cogVideoXRotaryTable(m_config.attentionHeadDim, frames, h, w,
                                               m_config.sampleHeight / p, m_config.sampleWidth / p);
        r = {cos.to(like.device()), sin.to(like.device())};
    }
    return r;
}

at::Tensor CogVideoXTransformer3DModelImpl::forward(const at::Tensor& sample,
                                                    const at::Tensor& timesteps,
                                                    const at::Tensor& captionStates) {
    const auto& c = m_config;
    if (sample.dim() != 5 || sample.size(2) != c.inChannels)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX: expected latents (batch, frames, " +
                              std::to_string(c.inChannels) + ", height, width), got " +
                              str::shape(sample.sizes().vec()));
    const auto B = sample.size(0), F = sample.size(1), H = sample.size(3), W = sample.size(4),
               p = c.patchSize;
    if (H % p != 0 || W % p != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX: latent size " + std::to_string(H) + "×" + std::to_string(W) +
                              " is not a multiple of the patch size " + std::to_string(p));
    if (captionStates.dim() != 3 || captionStates.size(0) != B ||
        captionStates.size(2) != c.textEmbedDim)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX: expected caption states (" + std::to_string(B) +
                              ", tokens, " + std::to_string(c.textEmbedDim) + "), got " +
                              str::shape(captionStates.sizes().vec()));
    const auto device = proj_out->weight.device();
    const auto dtype = proj_out->weight.scalar_type();
    auto t = timesteps.to(device);
    if (t.dim() == 0 || t.numel() == 1)
        t = t.reshape({1}).expand({B});
    if (t.numel() != B)
        throw EngineError(ErrorCode::InvalidArgument, "CogVideoX: " + std::to_string(t.numel()) +
                                                          " timesteps for a batch of " +
                                                          std::to_string(B));

    nn::SinusoidOptions so;
    so.dim = c.innerDim();
    so.flipSinToCos = c.flipSinToCos;
    so.downscaleFreqShift = c.freqShift;
    const auto temb = time_embedding(nn::sinusoidalEmbedding(t, so).to(dtype));

    auto x = patch_embed(captionStates.to(device, dtype), sample.to(device, dtype));
    const auto textLength = captionStates.size(1);
    const auto h = H / p, w = W / p;
    std::optional<std::pair<at::Tensor, at::Tensor>> rotary;
    if (c.useRotaryPositionalEmbeddings)
        rotary = rope(F, h, w, x);

    const bool checkpointing = m_checkpointing && at::GradMode::is_enabled();
    for (auto& block : m_blocks) {
        if (checkpointing)
            x = nn::checkpoint(
                [block, textLength, rotary](const std::vector<at::Tensor>& in) mutable {
                    return block->forward(in[0], in[1], textLength, rotary);
                },
                {x, temb});
        else
            x = block->forward(x, temb, textLength, rotary);
    }

    auto video = x.narrow(1, textLength, x.size(1) - textLength);
    if (!norm_final.is_empty())
        video = norm_final(video);
    else
        video = at::layer_norm(video, {video.size(-1)}, {}, {}, c.normEps);
    // AdaLayerNorm with chunk_dim 1: shift first, then scale.
    const auto ss = norm_out->linear(at::silu(temb)).unsqueeze(1).chunk(2, 2);
    video = norm_out->normalise(video) * (1 + ss[1]) + ss[0];
    video = proj_out(video);  // (B, F·h·w, C_out·p·p)
    const auto Cout = c.outChannels;
    // (B, F, h, w, C, p, p) → (B, F, C, h, p, w, p)
    return video.reshape({B, F, h, w, Cout, p, p})
        .permute({0, 1, 4, 2, 5, 3, 6})
        .reshape({B, F, Cout, H, W});
}

CogVideoXTransformer3DModel loadCogVideoXTransformer(const std::filesystem::path& path,
                                                     const std::string& variant,
                                                     const DeviceChoice& target) {
    const auto dir = componentFolder(path, "transformer");
    const auto config = CogVideoXConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<CogVideoXTransformer3DModel>(config);
    bindWeights(*model, weights, BindOptions::onto(target.device, target.dtype));
    model->eval();
    return model;
}

}  // namespace mp::models
