#include "models/latte.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/checkpoint.h"

#include <ATen/ATen.h>
#include <c10/util/irange.h>

#include <cmath>
#include <sstream>

namespace mp::models {

// ---- config ---------------------------------------------------------------------------------

LatteConfig LatteConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    json.requireClass("_class_name", {"LatteTransformer3DModel"}, "a LatteTransformer3DModel");
    LatteConfig c;
    c.numAttentionHeads = json.getInt("num_attention_heads", c.numAttentionHeads);
    c.attentionHeadDim = json.getInt("attention_head_dim", c.attentionHeadDim);
    c.inChannels = json.getInt("in_channels", c.inChannels);
    c.outChannels = json.isNull("out_channels") ? c.inChannels : json.requireInt("out_channels");
    c.numLayers = json.getInt("num_layers", c.numLayers);
    c.crossAttentionDim = json.getInt("cross_attention_dim", c.crossAttentionDim);
    c.attentionBias = json.getBool("attention_bias", c.attentionBias);
    c.sampleSize = json.getInt("sample_size", c.sampleSize);
    c.patchSize = json.getInt("patch_size", c.patchSize);
    c.activationFn = json.getString("activation_fn", c.activationFn);
    c.normType = json.getString("norm_type", c.normType);
    c.normElementwiseAffine = json.getBool("norm_elementwise_affine", c.normElementwiseAffine);
    c.normEps = json.getDouble("norm_eps", c.normEps);
    c.captionChannels = json.getInt("caption_channels", c.captionChannels);
    c.videoLength = json.getInt("video_length", c.videoLength);
    json.checkRange("num_attention_heads", c.numAttentionHeads, 1, 1024);
    json.checkRange("attention_head_dim", c.attentionHeadDim, 1, 4096);
    json.checkRange("in_channels", c.inChannels, 1, 4096);
    json.checkRange("out_channels", c.outChannels, 1, 4096);
    json.checkRange("num_layers", c.numLayers, 1, 1024);
    json.checkRange("sample_size", c.sampleSize, 1, 65536);
    json.checkRange("patch_size", c.patchSize, 1, 64);
    json.checkRange("caption_channels", c.captionChannels, 1, 65536);
    json.checkRange("video_length", c.videoLength, 1, 4096);
    if (c.crossAttentionDim != c.innerDim())
        json.fail("cross_attention_dim", "must equal num_attention_heads × attention_head_dim (" +
                                             std::to_string(c.innerDim()) +
                                             "): the caption is projected to that width");
    if (c.normType != "ada_norm_single")
        json.fail("norm_type", "expected 'ada_norm_single' (Latte's), got '" + c.normType + "'");
    if (c.activationFn != "gelu-approximate" && c.activationFn != "gelu")
        json.fail("activation_fn",
                  "expected 'gelu-approximate' (Latte's) or 'gelu', got '" + c.activationFn + "'");
    if (c.innerDim() % 4 != 0)
        json.fail("attention_head_dim", "the width " + std::to_string(c.innerDim()) +
                                            " must be a multiple of 4 (the 2-D sin-cos table)");
    if (!(c.normEps > 0))
        json.fail("norm_eps", "must be positive");
    return c;
}

std::string LatteConfig::toString() const {
    std::ostringstream s;
    s << "Latte: " << numLayers << " × (spatial, temporal) blocks, width " << innerDim() << " ("
      << numAttentionHeads << " heads of " << attentionHeadDim << "), patch " << patchSize
      << ", in " << inChannels << " out " << outChannels << ", caption " << captionChannels << ", "
      << videoLength << " frames";
    return s.str();
}

double LatteConfig::interpolationScale() const {
    return static_cast<double>(std::max<std::int64_t>(sampleSize / 64, 1));
}

// ---- positional tables ----------------------------------------------------------------------

at::Tensor sincos1d(std::int64_t dim, const at::Tensor& positions) {
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    auto omega = at::arange(dim / 2, f64) / (static_cast<double>(dim) / 2.0);
    omega = 1.0 / at::pow(10000.0, omega);
    const auto out = at::outer(positions.reshape({-1}).to(at::kDouble), omega);
    return at::cat({out.sin(), out.cos()}, 1).to(at::kFloat);
}

at::Tensor sincos2d(std::int64_t dim,
                    std::int64_t h,
                    std::int64_t w,
                    std::int64_t baseSize,
                    double interpolationScale) {
    // float32 coordinates, as diffusers makes them: index / (n / base_size) / scale.
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const auto rows = at::arange(h, f32) /
                      (static_cast<double>(h) / static_cast<double>(baseSize)) / interpolationScale;
    const auto cols = at::arange(w, f32) /
                      (static_cast<double>(w) / static_cast<double>(baseSize)) / interpolationScale;
    // Token n = row·w + col; the first half of the channels from the column.
    const auto colOf = cols.unsqueeze(0).expand({h, w}).reshape({-1});
    const auto rowOf = rows.unsqueeze(1).expand({h, w}).reshape({-1});
    return at::cat({sincos1d(dim / 2, colOf), sincos1d(dim / 2, rowOf)}, 1);
}

// ---- embeddings -----------------------------------------------------------------------------

LattePatchEmbedImpl::LattePatchEmbedImpl(const LatteConfig& c) : m_config(c) {
    proj = register_module(
        "proj", nn::Conv2d(c.inChannels, c.innerDim(), c.patchSize, c.patchSize, 0, true));
}

at::Tensor LattePatchEmbedImpl::table(std::int64_t h, std::int64_t w, c10::Device device) {
    auto& t = m_tables[{h, w}];
    if (t.defined() && t.device() != device)
        t = t.to(device);  // made once per device, not copied every forward
    if (!t.defined()) {
        const auto base = m_config.sampleSize / m_config.patchSize;
        // diffusers makes the configured size's table square (int(√patches)) and recomputes
        // others with the same base size: the same numbers either way.
        t = sincos2d(m_config.innerDim(), h, w, base, m_config.interpolationScale())
                .unsqueeze(0)
                .to(device);
    }
    return t;
}

at::Tensor LattePatchEmbedImpl::forward(const at::Tensor& frames) {
    const auto p = m_config.patchSize;
    const auto h = frames.size(2) / p, w = frames.size(3) / p;
    auto tokens = proj(frames).flatten(2).transpose(1, 2);  // (N, h·w, D)
    return (tokens + table(h, w, tokens.device())).to(tokens.scalar_type());
}

LatteTimestepEmbImpl::LatteTimestepEmbImpl(std::int64_t dim) {
    timestep_embedder = register_module("timestep_embedder", nn::TimestepEmbedding(256, dim));
}

at::Tensor LatteTimestepEmbImpl::forward(const at::Tensor& timesteps, c10::ScalarType dtype) {
    nn::SinusoidOptions o;
    o.dim = 256;
    o.flipSinToCos = true;
    o.downscaleFreqShift = 0;
    return timestep_embedder(nn::sinusoidalEmbedding(timesteps, o).to(dtype));
}

LatteAdaLayerNormSingleImpl::LatteAdaLayerNormSingleImpl(std::int64_t dim) {
    emb = register_module("emb", LatteTimestepEmb(dim));
    linear = register_module("linear", nn::Linear(dim, 6 * dim));
}

std::pair<at::Tensor, at::Tensor> LatteAdaLayerNormSingleImpl::forward(const at::Tensor& timesteps,
                                                                       c10::ScalarType dtype) {
    auto embedded = emb(timesteps, dtype);
    return {linear(at::silu(embedded)), embedded};
}

LatteCaptionProjectionImpl::LatteCaptionProjectionImpl(std::int64_t in, std::int64_t hidden) {
    linear_1 = register_module("linear_1", nn::linear(in, hidden));
    linear_2 = register_module("linear_2", nn::linear(hidden, hidden));
}

at::Tensor LatteCaptionProjectionImpl::forward(const at::Tensor& x) {
    return linear_2(at::gelu(linear_1(x), "tanh"));
}

// ---- blocks ---------------------------------------------------------------------------------

LatteBlockImpl::LatteBlockImpl(const LatteConfig& c, bool crossAttention) : m_eps(c.normEps) {
    const auto D = c.innerDim();
    if (c.normElementwiseAffine) {
        norm1 = register_module("norm1", nn::layerNorm(D, c.normEps));
        norm2 = register_module("norm2", nn::layerNorm(D, c.normEps));
    }
    nn::AttentionOptions a;
    a.queryDim = D;
    a.heads = c.numAttentionHeads;
    a.headDim = c.attentionHeadDim;
    a.bias = c.attentionBias;
    a.outBias = true;
    attn1 = register_module("attn1", nn::Attention(a));
    if (crossAttention) {
        a.crossAttentionDim = c.crossAttentionDim;
        attn2 = register_module("attn2", nn::Attention(a));
    }
    ff = register_module(
        "ff", nn::FeedForward(D, c.activationFn == "gelu" ? nn::FeedForwardKind::Gelu
                                                          : nn::FeedForwardKind::GeluTanh));
    scale_shift_table = register_parameter("scale_shift_table", at::empty({6, D}));
    if (nn::initialisesWeights()) {
        at::NoGradGuard noGrad;
        scale_shift_table.normal_().div_(std::sqrt(static_cast<double>(D)));
    }
}

at::Tensor LatteBlockImpl::norm(const nn::LayerNorm& module, const at::Tensor& x) const {
    if (!module.is_empty())
        return at::layer_norm(x, {x.size(-1)}, module->weight, module->bias, m_eps);
    return at::layer_norm(x, {x.size(-1)}, {}, {}, m_eps);
}

at::Tensor LatteBlockImpl::forward(const at::Tensor& x,
                                   const at::Tensor& modulation,
                                   const std::optional<at::Tensor>& context,
                                   std::int64_t contextRepeat,
                                   const std::optional<at::Tensor>& contextMask) {
    const auto N = x.size(0);
    // (N, 6, D) → shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp, each (N, 1, D).
    const auto m = (scale_shift_table.unsqueeze(0) + modulation.reshape({N, 6, -1})).chunk(6, 1);
    auto h = attn1->forward(norm(norm1, x) * (1 + m[1]) + m[0]);
    auto out = m[2] * h + x;
    if (!attn2.is_empty()) {
        if (!context)
            throw EngineError(ErrorCode::InvalidArgument,
                              "Latte: a spatial block needs the caption states");
        out = attn2->forward(out, context, contextRepeat, contextMask) + out;
    }
    return m[5] * ff(norm(norm2, out) * (1 + m[4]) + m[3]) + out;
}

// ---- the model ------------------------------------------------------------------------------

LatteTransformer3DModelImpl::LatteTransformer3DModelImpl(const LatteConfig& c) : m_config(c) {
    const auto D = c.innerDim();
    pos_embed = register_module("pos_embed", LattePatchEmbed(c));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    temporal_transformer_blocks =
        register_module("temporal_transformer_blocks", torch::nn::ModuleList());
    for (const auto i : c10::irange(c.numLayers)) {
        (void)i;
        m_spatial.emplace_back(c, true);
        transformer_blocks->push_back(m_spatial.back());
        m_temporal.emplace_back(c, false);
        temporal_transformer_blocks->push_back(m_temporal.back());
    }
    scale_shift_table = register_parameter("scale_shift_table", at::empty({2, D}));
    if (nn::initialisesWeights()) {
        at::NoGradGuard noGrad;
        scale_shift_table.normal_().div_(std::sqrt(static_cast<double>(D)));
    }
    proj_out =
        register_module("proj_out", nn::linear(D, c.patchSize * c.patchSize * c.outChannels));
    adaln_single = register_module("adaln_single", LatteAdaLayerNormSingle(D));
    caption_projection =
        register_module("caption_projection", LatteCaptionProjection(c.captionChannels, D));
    m_temporalMaster = sincos1d(D, at::arange(c.videoLength, at::kLong)).unsqueeze(0);
    m_temporalTable = m_temporalMaster;
}

at::Tensor LatteTransformer3DModelImpl::forward(const at::Tensor& sample,
                                                const at::Tensor& timesteps,
                                                const at::Tensor& captionStates,
                                                bool temporalAttention,
                                                const std::optional<at::Tensor>& captionMask) {
    const auto& c = m_config;
    if (sample.dim() != 5 || sample.size(1) != c.inChannels)
        throw EngineError(ErrorCode::InvalidArgument,
                          "Latte: expected latents (batch, " + std::to_string(c.inChannels) +
                              ", frames, height, width), got " + str::shape(sample.sizes().vec()));
    const auto B = sample.size(0), C = sample.size(1), F = sample.size(2), H = sample.size(3),
               W = sample.size(4), p = c.patchSize;
    if (H % p != 0 || W % p != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "Latte: latent size " + std::to_string(H) + "×" + std::to_string(W) +
                              " is not a multiple of the patch size " + std::to_string(p));
    if (temporalAttention && F != 1 && F != c.videoLength)
        throw EngineError(ErrorCode::InvalidArgument, "Latte: " + std::to_string(F) +
                                                          " frames, but this model's temporal "
                                                          "position table holds video_length " +
                                                          std::to_string(c.videoLength) +
                                                          " (1 frame also works)");
    if (captionStates.dim() != 3 || captionStates.size(0) != B ||
        captionStates.size(2) != c.captionChannels)
        throw EngineError(ErrorCode::InvalidArgument,
                          "Latte: expected caption states (" + std::to_string(B) + ", tokens, " +
                              std::to_string(c.captionChannels) + "), got " +
                              str::shape(captionStates.sizes().vec()));
    if (captionMask && (captionMask->dim() != 2 || captionMask->size(0) != B ||
                        captionMask->size(1) != captionStates.size(1)))
        throw EngineError(ErrorCode::InvalidArgument,
                          "Latte: expected a caption mask (" + std::to_string(B) + ", " +
                              std::to_string(captionStates.size(1)) + "), got " +
                              str::shape(captionMask->sizes().vec()));
    const auto device = proj_out->weight.device();
    const auto dtype = proj_out->weight.scalar_type();
    std::optional<at::Tensor> mask;
    if (captionMask)
        mask = captionMask->to(device, at::kBool);
    auto t = timesteps.to(device);
    if (t.dim() == 0 || t.numel() == 1)
        t = t.reshape({1}).expand({B});
    if (t.numel() != B)
        throw EngineError(ErrorCode::InvalidArgument, "Latte: " + std::to_string(t.numel()) +
                                                          " timesteps for a batch of " +
                                                          std::to_string(B));

    const auto h = H / p, w = W / p, patches = h * w;
    const auto frames = sample.to(device, dtype).permute({0, 2, 1, 3, 4}).reshape({B * F, C, H, W});
    auto x = pos_embed(frames);  // (B·F, patches, D)
    const auto D = x.size(2);
    auto [modulation, embedded] = adaln_single(t, x.scalar_type());
    const auto caption = caption_projection(captionStates.to(device, dtype));
    const auto spatialMod = modulation.repeat_interleave(F, 0);
    const auto temporalMod = modulation.repeat_interleave(patches, 0);

    const auto toTemporal = [&](const at::Tensor& s) {  // (B·F, P, D) → (B·P, F, D)
        return s.reshape({B, F, patches, D}).permute({0, 2, 1, 3}).reshape({B * patches, F, D});
    };
    const auto toSpatial = [&](const at::Tensor& s) {  // (B·P, F, D) → (B·F, P, D)
        return s.reshape({B, patches, F, D}).permute({0, 2, 1, 3}).reshape({B * F, patches, D});
    };
    const bool checkpointing = m_checkpointing && at::GradMode::is_enabled();
    for (const auto i : c10::irange(m_spatial.size())) {
        auto spatial = m_spatial[i];
        if (checkpointing)
            x = nn::checkpoint(
                [spatial, F, mask](const std::vector<at::Tensor>& in) mutable {
                    return spatial->forward(in[0], in[1], in[2], F, mask);
                },
                {x, spatialMod, caption});
        else
            x = spatial->forward(x, spatialMod, caption, F, mask);
        if (!temporalAttention)
            continue;
        x = toTemporal(x);
        if (i == 0 && F > 1) {
            if (m_temporalTable.device() != x.device() ||
                m_temporalTable.scalar_type() != x.scalar_type())
                m_temporalTable = m_temporalMaster.to(x.device(), x.scalar_type());
            x = x + m_temporalTable;
        }
        auto temporal = m_temporal[i];
        if (checkpointing)
            x = nn::checkpoint(
                [temporal](const std::vector<at::Tensor>& in) mutable {
                    return temporal->forward(in[0], in[1]);
                },
                {x, temporalMod});
        else
            x = temporal->forward(x, temporalMod);
        x = toSpatial(x);
    }

    const auto ss = (scale_shift_table.unsqueeze(0) + embedded.repeat_interleave(F, 0).unsqueeze(1))
                        .chunk(2, 1);  // shift, scale: (B·F, 1, D)
    x = at::layer_norm(x, {D}, {}, {}, 1e-6) * (1 + ss[1]) + ss[0];
    x = proj_out(x);  // (B·F, patches, p·p·C_out)
    const auto Cout = c.outChannels;
    // nhwpqc → nchpwq, then frames back beside the batch: (B, C_out, F, H, W).
    x = x.reshape({B * F, h, w, p, p, Cout})
            .permute({0, 5, 1, 3, 2, 4})
            .reshape({B, F, Cout, H, W});
    return x.permute({0, 2, 1, 3, 4}).contiguous();
}

LatteTransformer3DModel loadLatteTransformer(const std::filesystem::path& path,
                                             const std::string& variant,
                                             const DeviceChoice& target) {
    const auto dir = componentFolder(path, "transformer");
    const auto config = LatteConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<LatteTransformer3DModel>(config);
    bindWeights(*model, weights, BindOptions::onto(target.device, target.dtype));
    model->eval();
    return model;
}

}  // namespace mp::models
