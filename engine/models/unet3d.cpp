#include "models/unet3d.h"

#include "nn/checkpoint.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/layout.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>

#include <sstream>

namespace mp::models {

namespace {

// (B·F, C, H, W) → (B, C, F, H, W) for `frames` frames per item.
at::Tensor toVideo(const at::Tensor& x, std::int64_t frames) {
    return nn::unfoldFrames(x, x.size(0) / frames);
}

}  // namespace

// ---- config ---------------------------------------------------------------------------------

UNet3DConfig UNet3DConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    json.requireClass("_class_name", {"UNet3DConditionModel"}, "a ModelScope UNet3DConditionModel");
    UNet3DConfig c;
    if (const auto& s = json.raw("sample_size"); !s.is_null())
        c.sampleSize = json.getInt("sample_size", c.sampleSize);
    c.inChannels = json.getInt("in_channels", c.inChannels);
    c.outChannels = json.getInt("out_channels", c.outChannels);
    c.downBlockTypes = json.getStringList("down_block_types", c.downBlockTypes);
    c.upBlockTypes = json.getStringList("up_block_types", c.upBlockTypes);
    c.blockOutChannels = json.getIntList("block_out_channels", c.blockOutChannels);
    c.layersPerBlock = json.getInt("layers_per_block", c.layersPerBlock);
    c.downsamplePadding = json.getInt("downsample_padding", c.downsamplePadding);
    c.midBlockScaleFactor = json.getDouble("mid_block_scale_factor", c.midBlockScaleFactor);
    c.act =
        nn::activationFromName(json.getString("act_fn", "silu"), json.label() + ": key 'act_fn'");
    c.normNumGroups = json.getInt("norm_num_groups", c.normNumGroups);
    c.normEps = json.getDouble("norm_eps", c.normEps);
    c.crossAttentionDim = json.getInt("cross_attention_dim", c.crossAttentionDim);
    const auto levels = c.blockOutChannels.size();
    if (json.raw("attention_head_dim").is_array())
        c.attentionHeadDim = json.requireIntList("attention_head_dim");
    else
        c.attentionHeadDim.assign(levels, json.getInt("attention_head_dim", 64));
    if (!json.raw("num_attention_heads").is_null())
        json.fail("num_attention_heads",
                  "must be null: UNet3DConditionModel takes its head size from "
                  "attention_head_dim (diffusers refuses this key too)");
    if (!json.raw("time_cond_proj_dim").is_null())
        json.fail("time_cond_proj_dim", "is not supported (no ModelScope checkpoint sets it)");
    c.unknownKeys = json.unreadKeys();

    if (levels < 1 || levels > 8)
        json.fail("block_out_channels", "must list 1 to 8 levels");
    if (c.downBlockTypes.size() != levels || c.upBlockTypes.size() != levels)
        json.fail("down_block_types",
                  "down_block_types, up_block_types and block_out_channels must have the same "
                  "length (got " +
                      std::to_string(c.downBlockTypes.size()) + ", " +
                      std::to_string(c.upBlockTypes.size()) + ", " + std::to_string(levels) + ")");
    if (c.attentionHeadDim.size() != levels)
        json.fail("attention_head_dim", "must be one number or one per level");
    for (const auto& t : c.downBlockTypes)
        if (t != "CrossAttnDownBlock3D" && t != "DownBlock3D")
            json.fail("down_block_types", "'" + t +
                                              "' is not a UNet3D down block "
                                              "(CrossAttnDownBlock3D or DownBlock3D)");
    for (const auto& t : c.upBlockTypes)
        if (t != "CrossAttnUpBlock3D" && t != "UpBlock3D")
            json.fail("up_block_types",
                      "'" + t + "' is not a UNet3D up block (CrossAttnUpBlock3D or UpBlock3D)");
    json.checkRange("in_channels", c.inChannels, 1, 4096);
    json.checkRange("out_channels", c.outChannels, 1, 4096);
    json.checkRange("layers_per_block", c.layersPerBlock, 1, 64);
    json.checkRange("norm_num_groups", c.normNumGroups, 1, 4096);
    json.checkRange("cross_attention_dim", c.crossAttentionDim, 1, 65536);
    if (c.downsamplePadding < 0 || c.downsamplePadding > 1)
        json.fail("downsample_padding", "must be 0 or 1");
    if (!(c.normEps > 0))
        json.fail("norm_eps", "must be positive");
    for (std::size_t i = 0; i < levels; ++i) {
        const auto ch = c.blockOutChannels[i], hd = c.attentionHeadDim[i];
        json.checkRange("block_out_channels", ch, 1, 65536);
        json.checkRange("attention_head_dim", hd, 1, 4096);
        if (ch % c.normNumGroups != 0)
            json.fail("block_out_channels", std::to_string(ch) + " channels do not split into " +
                                                std::to_string(c.normNumGroups) + " groups");
        if (ch % hd != 0)
            json.fail("attention_head_dim", std::to_string(ch) +
                                                " channels are not a whole number of heads of " +
                                                std::to_string(hd));
    }
    return c;
}

std::string UNet3DConfig::toString() const {
    std::ostringstream s;
    s << "UNet3D: channels [" << str::join(blockOutChannels) << "], " << layersPerBlock
      << " layers per block, head size [" << str::join(attentionHeadDim) << "], cross-attention "
      << crossAttentionDim << ", " << normNumGroups << " groups, in " << inChannels << " out "
      << outChannels;
    return s.str();
}

std::int64_t UNet3DConfig::downFactor() const {
    return std::int64_t{1} << (blockOutChannels.size() - 1);
}

// ---- temporal convolution -------------------------------------------------------------------

TemporalConvLayerImpl::TemporalConvLayerImpl(std::int64_t channels, std::int64_t groups) {
    auto stage = [&](const char* name, bool dropout) {
        torch::nn::Sequential seq;
        Stage s;
        // GroupNorm at its default eps (1e-5), as diffusers builds it here.
        s.norm = nn::groupNorm(groups, channels, 1e-5);
        s.conv = nn::Conv3d(channels, channels, std::vector<std::int64_t>{3, 1, 1},
                            std::vector<std::int64_t>{1, 0, 0});
        seq->push_back(s.norm);
        seq->push_back(torch::nn::SiLU());
        if (dropout)
            seq->push_back(torch::nn::Dropout(0.0));
        seq->push_back(s.conv);
        m_stages.push_back(s);
        return register_module(name, seq);
    };
    conv1 = stage("conv1", false);
    conv2 = stage("conv2", true);
    conv3 = stage("conv3", true);
    conv4 = stage("conv4", true);
}

at::Tensor TemporalConvLayerImpl::forward(const at::Tensor& x, std::int64_t frames) {
    const auto video = toVideo(x, frames);
    auto h = video;
    for (auto& s : m_stages)
        h = s.conv(nn::groupNormAct(s.norm, h, nn::Activation::Silu));
    return nn::addFolded(video, h);
}

// ---- spatial and temporal transformers ------------------------------------------------------

Transformer2DModelImpl::Transformer2DModelImpl(std::int64_t channels,
                                               std::int64_t heads,
                                               std::int64_t crossAttentionDim,
                                               std::int64_t groups) {
    norm = register_module("norm", nn::groupNorm(groups, channels, 1e-6));
    proj_in = register_module("proj_in", nn::linear(channels, channels));
    nn::TransformerBlockOptions o;
    o.dim = channels;
    o.heads = heads;
    o.headDim = channels / heads;
    o.crossAttentionDim = crossAttentionDim;
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    m_blocks.emplace_back(o);
    transformer_blocks->push_back(m_blocks.back());
    proj_out = register_module("proj_out", nn::linear(channels, channels));
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x,
                                           const at::Tensor& context,
                                           std::int64_t frames) {
    const auto N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    auto h = norm(x).permute({0, 2, 3, 1}).reshape({N, H * W, C});
    h = proj_in(h);
    // One context row per video item; each item's frames share it.
    const bool perFrame = context.size(0) == N;
    for (auto& block : m_blocks)
        h = block->forward(h, context, perFrame ? 1 : frames);
    h = proj_out(h);
    return h.view({N, H, W, C}).permute({0, 3, 1, 2}) + x;
}

TransformerTemporalModelImpl::TransformerTemporalModelImpl(std::int64_t channels,
                                                           std::int64_t heads,
                                                           std::int64_t headDim,
                                                           std::int64_t groups) {
    const auto inner = heads * headDim;
    norm = register_module("norm", nn::groupNorm(groups, channels, 1e-6));
    proj_in = register_module("proj_in", nn::linear(channels, inner));
    nn::TransformerBlockOptions o;
    o.dim = inner;
    o.heads = heads;
    o.headDim = headDim;
    o.doubleSelfAttention = true;
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    m_blocks.emplace_back(o);
    transformer_blocks->push_back(m_blocks.back());
    proj_out = register_module("proj_out", nn::linear(inner, channels));
}

at::Tensor TransformerTemporalModelImpl::forward(const at::Tensor& x, std::int64_t frames) {
    const auto BF = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const auto B = BF / frames;
    // The norm's statistics span the frames of an item: normalise the (B, C, F, H, W) video.
    auto h = norm(toVideo(x, frames));
    h = h.permute({0, 3, 4, 2, 1}).reshape({B * H * W, frames, C});
    h = proj_in(h);
    for (auto& block : m_blocks)
        h = block->forward(h);
    h = proj_out(h);
    // Back to (B·F, C, H, W) in the residual sum itself: (B, C, F, H, W) views of both.
    return nn::addFolded(x.view({B, frames, C, H, W}).permute({0, 2, 1, 3, 4}),
                         h.view({B, H, W, frames, C}).permute({0, 4, 3, 1, 2}));
}

// ---- blocks ---------------------------------------------------------------------------------

UNet3DBlockImpl::UNet3DBlockImpl(const UNet3DBlockOptions& o) : m_kind(o.kind) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    temp_convs = register_module("temp_convs", torch::nn::ModuleList());
    if (o.crossAttention) {
        attentions = register_module("attentions", torch::nn::ModuleList());
        temp_attentions = register_module("temp_attentions", torch::nn::ModuleList());
    }
    const auto layers = o.kind == UNet3DBlockKind::Mid ? o.layers + 1 : o.layers;
    for (std::int64_t i = 0; i < layers; ++i) {
        nn::ResnetBlockOptions r;
        r.out = o.out;
        r.tembChannels = o.tembChannels;
        r.groups = o.groups;
        r.eps = o.eps;
        r.act = o.act;
        r.outputScaleFactor = o.outputScaleFactor;
        switch (o.kind) {
            case UNet3DBlockKind::Down:
                r.in = i == 0 ? o.in : o.out;
                break;
            case UNet3DBlockKind::Mid:
                r.in = o.in;
                break;
            case UNet3DBlockKind::Up: {
                const auto skip = i == layers - 1 ? o.in : o.out;
                r.in = (i == 0 ? o.prevOut : o.out) + skip;
                break;
            }
        }
        m_resnets.emplace_back(r);
        resnets->push_back(m_resnets.back());
        m_tempConvs.emplace_back(o.out, o.groups);
        temp_convs->push_back(m_tempConvs.back());
        // The mid block's attentions sit between its resnets: one fewer than resnets.
        const bool withAttention =
            o.crossAttention && !(o.kind == UNet3DBlockKind::Mid && i == layers - 1);
        if (withAttention) {
            const auto heads = o.out / o.headDim;
            m_attentions.emplace_back(o.out, heads, o.crossAttentionDim, o.groups);
            attentions->push_back(m_attentions.back());
            m_tempAttentions.emplace_back(o.out, heads, o.headDim, o.groups);
            temp_attentions->push_back(m_tempAttentions.back());
        }
    }
    if (o.resample && o.kind == UNet3DBlockKind::Down) {
        downsamplers = register_module("downsamplers", torch::nn::ModuleList());
        m_down = nn::Downsample2D(o.out, o.downsamplePadding);
        downsamplers->push_back(m_down);
    }
    if (o.resample && o.kind == UNet3DBlockKind::Up) {
        upsamplers = register_module("upsamplers", torch::nn::ModuleList());
        m_up = nn::Upsample2D(o.out);
        upsamplers->push_back(m_up);
    }
}

at::Tensor UNet3DBlockImpl::layer(std::size_t i,
                                  at::Tensor x,
                                  const at::Tensor& temb,
                                  const at::Tensor& context,
                                  std::int64_t frames) {
    x = m_resnets[i]->forward(x, temb);
    x = m_tempConvs[i]->forward(x, frames);
    if (i < m_attentions.size()) {
        x = m_attentions[i]->forward(x, context, frames);
        x = m_tempAttentions[i]->forward(x, frames);
    }
    return x;
}

at::Tensor UNet3DBlockImpl::checkpointedLayer(std::size_t i,
                                              const at::Tensor& x,
                                              const at::Tensor& temb,
                                              const at::Tensor& context,
                                              std::int64_t frames) {
    if (!m_checkpoint)
        return layer(i, x, temb, context, frames);
    return nn::checkpoint(
        [this, i, frames](const std::vector<at::Tensor>& in) {
            return layer(i, in[0], in[1], in[2], frames);
        },
        {x, temb, context});
}

at::Tensor UNet3DBlockImpl::forward(at::Tensor x,
                                    const at::Tensor& temb,
                                    const at::Tensor& context,
                                    std::int64_t frames,
                                    std::vector<at::Tensor>& skips,
                                    const std::vector<std::int64_t>& upsampleSize) {
    switch (m_kind) {
        case UNet3DBlockKind::Down:
            for (std::size_t i = 0; i < m_resnets.size(); ++i) {
                x = checkpointedLayer(i, x, temb, context, frames);
                skips.push_back(x);
            }
            if (!m_down.is_empty()) {
                x = m_down(x);
                skips.push_back(x);
            }
            return x;
        case UNet3DBlockKind::Mid: {
            const auto mid = [this, frames](const std::vector<at::Tensor>& in) {
                auto h = m_resnets[0]->forward(in[0], in[1]);
                h = m_tempConvs[0]->forward(h, frames);
                for (std::size_t i = 0; i < m_attentions.size(); ++i) {
                    h = m_attentions[i]->forward(h, in[2], frames);
                    h = m_tempAttentions[i]->forward(h, frames);
                    h = m_resnets[i + 1]->forward(h, in[1]);
                    h = m_tempConvs[i + 1]->forward(h, frames);
                }
                return h;
            };
            return m_checkpoint ? nn::checkpoint(mid, {x, temb, context}) : mid({x, temb, context});
        }
        case UNet3DBlockKind::Up:
            for (std::size_t i = 0; i < m_resnets.size(); ++i) {
                if (skips.empty())
                    throw EngineError(ErrorCode::Internal, "UNet3D: up block ran out of skips");
                x = at::cat({x, skips.back()}, 1);
                skips.pop_back();
                x = checkpointedLayer(i, x, temb, context, frames);
            }
            if (!m_up.is_empty())
                x = m_up->forward(x, upsampleSize);
            return x;
    }
    return x;
}

// ---- the model ------------------------------------------------------------------------------

UNet3DConditionModelImpl::UNet3DConditionModelImpl(const UNet3DConfig& config) : m_config(config) {
    const auto& ch = config.blockOutChannels;
    const auto levels = static_cast<std::int64_t>(ch.size());
    const auto temb = ch[0] * 4;
    conv_in = register_module("conv_in", nn::conv2d(config.inChannels, ch[0], 3, 1, 1));
    time_embedding =
        register_module("time_embedding", nn::TimestepEmbedding(ch[0], temb, config.act));
    transformer_in = register_module(
        "transformer_in",
        TransformerTemporalModel(ch[0], 8, config.attentionHeadDim[0], config.normNumGroups));

    UNet3DBlockOptions base;
    base.tembChannels = temb;
    base.crossAttentionDim = config.crossAttentionDim;
    base.groups = config.normNumGroups;
    base.eps = config.normEps;
    base.act = config.act;
    base.downsamplePadding = config.downsamplePadding;

    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < levels; ++i) {
        auto o = base;
        o.kind = UNet3DBlockKind::Down;
        o.crossAttention = config.downBlockTypes[i] == "CrossAttnDownBlock3D";
        o.layers = config.layersPerBlock;
        o.in = ch[std::max<std::int64_t>(i - 1, 0)];
        o.out = ch[i];
        o.resample = i != levels - 1;
        o.headDim = config.attentionHeadDim[i];
        m_down.emplace_back(o);
        down_blocks->push_back(m_down.back());
    }

    auto mid = base;
    mid.kind = UNet3DBlockKind::Mid;
    mid.layers = 1;
    mid.in = mid.out = ch.back();
    mid.resample = false;
    mid.headDim = config.attentionHeadDim.back();
    mid.outputScaleFactor = config.midBlockScaleFactor;
    mid_block = register_module("mid_block", UNet3DBlock(mid));

    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    std::int64_t out = ch.back();
    for (std::int64_t i = 0; i < levels; ++i) {
        const auto level = levels - 1 - i;
        auto o = base;
        o.kind = UNet3DBlockKind::Up;
        o.crossAttention = config.upBlockTypes[i] == "CrossAttnUpBlock3D";
        o.layers = config.layersPerBlock + 1;
        o.prevOut = out;
        o.out = ch[level];
        o.in = ch[std::max<std::int64_t>(level - 1, 0)];
        o.resample = i != levels - 1;
        o.headDim = config.attentionHeadDim[level];
        m_up.emplace_back(o);
        up_blocks->push_back(m_up.back());
        out = o.out;
    }
    conv_norm_out = register_module("conv_norm_out",
                                    nn::groupNorm(config.normNumGroups, ch[0], config.normEps));
    conv_out = register_module("conv_out", nn::conv2d(ch[0], config.outChannels, 3, 1, 1));
}

at::Tensor UNet3DConditionModelImpl::forward(const at::Tensor& sample,
                                             const at::Tensor& timesteps,
                                             const at::Tensor& context,
                                             at::Tensor* midFeatures) {
    if (sample.dim() != 5 || sample.size(1) != m_config.inChannels)
        throw EngineError(ErrorCode::InvalidArgument, "UNet3D: sample must be (batch, " +
                                                          std::to_string(m_config.inChannels) +
                                                          ", frames, height, width)");
    const auto B = sample.size(0), F = sample.size(2), H = sample.size(3), W = sample.size(4);
    if (B < 1 || F < 1 || H < 1 || W < 1)
        throw EngineError(ErrorCode::InvalidArgument, "UNet3D: sample has an empty dimension");
    if (context.dim() != 3 || context.size(2) != m_config.crossAttentionDim ||
        (context.size(0) != B && context.size(0) != 1))
        throw EngineError(ErrorCode::InvalidArgument,
                          "UNet3D: encoder_hidden_states must be (batch, tokens, " +
                              std::to_string(m_config.crossAttentionDim) + ")");
    auto t = timesteps.dim() == 0 ? timesteps.view({1}) : timesteps;
    if (t.dim() != 1 || (t.size(0) != B && t.size(0) != 1))
        throw EngineError(ErrorCode::InvalidArgument,
                          "UNet3D: timestep must be a scalar or one per batch item");
    const auto dtype = conv_in->weight.scalar_type();
    const auto device = conv_in->weight.device();

    nn::SinusoidOptions sinusoid;
    sinusoid.dim = m_config.blockOutChannels[0];
    auto emb = nn::sinusoidalEmbedding(t.to(device).expand({B}), sinusoid).to(dtype);
    emb = nn::repeatRows(time_embedding(emb), F);
    auto ctx = context.to(device, dtype);
    if (ctx.size(0) != B)
        ctx = ctx.expand({B, ctx.size(1), ctx.size(2)});

    auto x = nn::foldFrames(sample.to(device, dtype));
    x = conv_in(x);
    x = transformer_in->forward(x, F);

    std::vector<at::Tensor> skips{x};
    for (auto& block : m_down)
        x = block->forward(x, emb, ctx, F, skips);
    x = mid_block->forward(x, emb, ctx, F, skips);
    if (midFeatures)
        *midFeatures = x;
    // Latents that are not a multiple of the overall factor upsample to the skips' sizes.
    const auto factor = m_config.downFactor();
    const bool forwardSize = H % factor != 0 || W % factor != 0;
    for (std::size_t i = 0; i < m_up.size(); ++i) {
        std::vector<std::int64_t> size;
        const auto n = static_cast<std::size_t>(m_up[i]->layerCount());
        if (forwardSize && i + 1 < m_up.size() && skips.size() > n) {
            const auto& next = skips[skips.size() - n - 1];
            size = {next.size(2), next.size(3)};
        }
        x = m_up[i]->forward(x, emb, ctx, F, skips, size);
    }
    x = conv_out(nn::groupNormAct(conv_norm_out, x, nn::Activation::Silu));
    return toVideo(x, F);
}

void UNet3DConditionModelImpl::setGradientCheckpointing(bool on) {
    for (auto& b : m_down)
        b->setGradientCheckpointing(on);
    mid_block->setGradientCheckpointing(on);
    for (auto& b : m_up)
        b->setGradientCheckpointing(on);
}

UNet3DConditionModel loadUNet3D(const std::filesystem::path& path,
                                const std::string& variant,
                                const DeviceChoice& target) {
    const auto dir = componentFolder(path, "unet");
    const auto config = UNet3DConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<UNet3DConditionModel>(config);
    auto options = BindOptions::onto(target.device, target.dtype);
    bindWeights(*model, weights, options);
    model->eval();
    return model;
}

GraphedFunction graphedForward(UNet3DConditionModel unet, bool cudaGraphs) {
    return GraphedFunction(
        [unet](const std::vector<at::Tensor>& x) mutable {
            return unet->forward(x[0], x[1], x[2]);
        },
        cudaGraphs);
}

}  // namespace mp::models
