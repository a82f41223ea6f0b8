#include "models/vae.h"

#include "core/error.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/layout.h"
#include "runtime/cpu_batch.h"

#include <ATen/ATen.h>

#include <sstream>

namespace mp::models {

namespace {

constexpr double kVaeEps = 1e-6;  // every norm of the SD VAE

nn::ResnetBlock2D resnet(std::int64_t in, std::int64_t out, const AutoencoderKLConfig& c) {
    nn::ResnetBlockOptions o;
    o.in = in;
    o.out = out;
    o.groups = c.normNumGroups;
    o.eps = kVaeEps;
    o.act = c.act;
    return nn::ResnetBlock2D(o);
}

// The deprecated attention block's names, renamed as diffusers' _fix_state_dict_keys_on_load does.
std::string renameLegacyAttention(const std::string& key) {
    static const std::pair<const char*, const char*> kNames[] = {
        {".attentions.0.query.", ".attentions.0.to_q."},
        {".attentions.0.key.", ".attentions.0.to_k."},
        {".attentions.0.value.", ".attentions.0.to_v."},
        {".attentions.0.proj_attn.", ".attentions.0.to_out.0."},
    };
    for (const auto& [from, to] : kNames)
        if (auto pos = key.find(from); pos != std::string::npos)
            return key.substr(0, pos) + to + key.substr(pos + std::string_view(from).size());
    return key;
}

template <class Fn>
at::Tensor inChunks(const at::Tensor& frames, std::int64_t chunk, Fn&& fn) {
    const auto n = frames.size(0);
    if (chunk <= 0 || chunk >= n)
        return fn(frames);
    std::vector<at::Tensor> parts;
    for (std::int64_t i = 0; i < n; i += chunk)
        parts.push_back(fn(frames.slice(0, i, std::min(n, i + chunk))));
    return at::cat(parts, 0);
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    json.requireClass("_class_name", {"AutoencoderKL"}, "an AutoencoderKL");
    AutoencoderKLConfig c;
    c.inChannels = json.getInt("in_channels", c.inChannels);
    c.outChannels = json.getInt("out_channels", c.outChannels);
    c.latentChannels = json.getInt("latent_channels", c.latentChannels);
    c.blockOutChannels = json.getIntList("block_out_channels", c.blockOutChannels);
    c.layersPerBlock = json.getInt("layers_per_block", c.layersPerBlock);
    c.act =
        nn::activationFromName(json.getString("act_fn", "silu"), json.label() + ": key 'act_fn'");
    c.normNumGroups = json.getInt("norm_num_groups", c.normNumGroups);
    c.sampleSize = json.getInt("sample_size", c.sampleSize);
    c.scalingFactor = json.getDouble("scaling_factor", c.scalingFactor);
    if (!json.raw("shift_factor").is_null())
        c.shiftFactor = json.getDouble("shift_factor", 0.0);
    c.useQuantConv = json.getBool("use_quant_conv", c.useQuantConv);
    c.usePostQuantConv = json.getBool("use_post_quant_conv", c.usePostQuantConv);
    c.midBlockAddAttention = json.getBool("mid_block_add_attention", c.midBlockAddAttention);
    c.forceUpcast = json.getBool("force_upcast", c.forceUpcast);
    const auto levels = c.blockOutChannels.size();
    const auto down = json.getStringList("down_block_types",
                                         std::vector<std::string>(levels, "DownEncoderBlock2D"));
    const auto up =
        json.getStringList("up_block_types", std::vector<std::string>(levels, "UpDecoderBlock2D"));
    for (const char* key : {"latents_mean", "latents_std"})
        if (!json.raw(key).is_null())
            json.fail(key, "is not supported (an SDXL-style latent normalisation)");
    c.unknownKeys = json.unreadKeys();

    if (levels < 1 || levels > 8)
        json.fail("block_out_channels", "must list 1 to 8 levels");
    if (down.size() != levels || up.size() != levels)
        json.fail("down_block_types", "down/up block types must match block_out_channels (" +
                                          std::to_string(levels) + " levels)");
    for (const auto& t : down)
        if (t != "DownEncoderBlock2D")
            json.fail("down_block_types", "'" + t + "' is not supported (DownEncoderBlock2D)");
    for (const auto& t : up)
        if (t != "UpDecoderBlock2D")
            json.fail("up_block_types", "'" + t + "' is not supported (UpDecoderBlock2D)");
    json.checkRange("in_channels", c.inChannels, 1, 64);
    json.checkRange("out_channels", c.outChannels, 1, 64);
    json.checkRange("latent_channels", c.latentChannels, 1, 4096);
    json.checkRange("layers_per_block", c.layersPerBlock, 1, 64);
    json.checkRange("norm_num_groups", c.normNumGroups, 1, 4096);
    for (auto ch : c.blockOutChannels) {
        json.checkRange("block_out_channels", ch, 1, 65536);
        if (ch % c.normNumGroups != 0)
            json.fail("block_out_channels", std::to_string(ch) + " channels do not split into " +
                                                std::to_string(c.normNumGroups) + " groups");
    }
    if (!(c.scalingFactor > 0))
        json.fail("scaling_factor", "must be positive");
    return c;
}

std::string AutoencoderKLConfig::toString() const {
    std::ostringstream s;
    s << "AutoencoderKL: channels [";
    for (std::size_t i = 0; i < blockOutChannels.size(); ++i)
        s << (i ? ", " : "") << blockOutChannels[i];
    s << "], " << layersPerBlock << " layers per block, latent " << latentChannels << ", ×"
      << spatialFactor() << ", scaling " << scalingFactor;
    return s.str();
}

std::int64_t AutoencoderKLConfig::spatialFactor() const {
    return std::int64_t{1} << (blockOutChannels.size() - 1);
}

VaeMidBlockImpl::VaeMidBlockImpl(std::int64_t channels, const AutoencoderKLConfig& c) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int i = 0; i < 2; ++i) {
        m_resnets.push_back(resnet(channels, channels, c));
        resnets->push_back(m_resnets.back());
    }
    if (c.midBlockAddAttention) {
        nn::AttentionOptions o;
        o.queryDim = channels;
        o.heads = 1;  // attention_head_dim = channels
        o.headDim = channels;
        o.bias = true;
        o.groupNormGroups = c.normNumGroups;
        o.groupNormEps = kVaeEps;
        attentions = register_module("attentions", torch::nn::ModuleList());
        m_attention = nn::Attention(o);
        attentions->push_back(m_attention);
    }
}

at::Tensor VaeMidBlockImpl::forward(const at::Tensor& x) {
    auto h = m_resnets[0]->forward(x);
    if (!m_attention.is_empty())
        h = m_attention->forwardSpatial(h);
    return m_resnets[1]->forward(h);
}

VaeSampleBlockImpl::VaeSampleBlockImpl(std::int64_t in,
                                       std::int64_t out,
                                       std::int64_t layers,
                                       bool down,
                                       bool resample,
                                       const AutoencoderKLConfig& c) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < layers; ++i) {
        m_resnets.push_back(resnet(i == 0 ? in : out, out, c));
        resnets->push_back(m_resnets.back());
    }
    if (resample && down) {
        downsamplers = register_module("downsamplers", torch::nn::ModuleList());
        m_down = nn::Downsample2D(out, 0);
        downsamplers->push_back(m_down);
    } else if (resample) {
        upsamplers = register_module("upsamplers", torch::nn::ModuleList());
        m_up = nn::Upsample2D(out);
        upsamplers->push_back(m_up);
    }
}

at::Tensor VaeSampleBlockImpl::forward(at::Tensor x) {
    for (auto& r : m_resnets)
        x = r->forward(x);
    if (!m_down.is_empty())
        x = m_down(x);
    if (!m_up.is_empty())
        x = m_up->forward(x);
    return x;
}

VaeEncoderImpl::VaeEncoderImpl(const AutoencoderKLConfig& c) : m_act(c.act) {
    const auto& ch = c.blockOutChannels;
    conv_in = register_module("conv_in", nn::conv2d(c.inChannels, ch[0], 3, 1, 1));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    for (std::size_t i = 0; i < ch.size(); ++i) {
        m_blocks.emplace_back(ch[i == 0 ? 0 : i - 1], ch[i], c.layersPerBlock, true,
                              i + 1 != ch.size(), c);
        down_blocks->push_back(m_blocks.back());
    }
    mid_block = register_module("mid_block", VaeMidBlock(ch.back(), c));
    conv_norm_out =
        register_module("conv_norm_out", nn::groupNorm(c.normNumGroups, ch.back(), kVaeEps));
    conv_out = register_module("conv_out", nn::conv2d(ch.back(), 2 * c.latentChannels, 3, 1, 1));
}

at::Tensor VaeEncoderImpl::forward(const at::Tensor& x) {
    auto h = conv_in(x);
    for (auto& b : m_blocks)
        h = b->forward(h);
    h = mid_block(h);
    return conv_out(nn::groupNormAct(conv_norm_out, h, m_act));
}

VaeDecoderImpl::VaeDecoderImpl(const AutoencoderKLConfig& c) : m_act(c.act) {
    const auto& ch = c.blockOutChannels;
    conv_in = register_module("conv_in", nn::conv2d(c.latentChannels, ch.back(), 3, 1, 1));
    mid_block = register_module("mid_block", VaeMidBlock(ch.back(), c));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    auto prev = ch.back();
    for (std::size_t i = 0; i < ch.size(); ++i) {
        const auto out = ch[ch.size() - 1 - i];
        m_blocks.emplace_back(prev, out, c.layersPerBlock + 1, false, i + 1 != ch.size(), c);
        up_blocks->push_back(m_blocks.back());
        prev = out;
    }
    conv_norm_out =
        register_module("conv_norm_out", nn::groupNorm(c.normNumGroups, ch[0], kVaeEps));
    conv_out = register_module("conv_out", nn::conv2d(ch[0], c.outChannels, 3, 1, 1));
}

at::Tensor VaeDecoderImpl::forward(const at::Tensor& z) {
    auto h = mid_block(conv_in(z));
    for (auto& b : m_blocks)
        h = b->forward(h);
    return conv_out(nn::groupNormAct(conv_norm_out, h, m_act));
}

AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& c) : m_config(c) {
    encoder = register_module("encoder", VaeEncoder(c));
    decoder = register_module("decoder", VaeDecoder(c));
    if (c.useQuantConv)
        quant_conv = register_module("quant_conv",
                                     nn::conv2d(2 * c.latentChannels, 2 * c.latentChannels, 1));
    if (c.usePostQuantConv)
        post_quant_conv =
            register_module("post_quant_conv", nn::conv2d(c.latentChannels, c.latentChannels, 1));
}

at::Tensor AutoencoderKLImpl::encodeImages(const at::Tensor& x) {
    auto h = encoder(x);
    return quant_conv.is_empty() ? h : quant_conv(h);
}

at::Tensor AutoencoderKLImpl::decodeImages(const at::Tensor& z) {
    // Frames are independent: on the CPU they decode in per-core slices.
    return forwardInCpuSlices(
        [this](const std::vector<at::Tensor>& in) {
            return decoder(post_quant_conv.is_empty() ? in[0] : post_quant_conv(in[0]));
        },
        {z});
}

LatentDistribution AutoencoderKLImpl::encode(const at::Tensor& x, std::int64_t frameBatch) {
    const auto f = m_config.spatialFactor();
    if ((x.dim() != 4 && x.dim() != 5) || x.size(1) != m_config.inChannels)
        throw EngineError(ErrorCode::InvalidArgument,
                          "VAE encode: sample must be (N, " + std::to_string(m_config.inChannels) +
                              ", H, W) or (B, " + std::to_string(m_config.inChannels) +
                              ", F, H, W)");
    if (x.size(-1) % f != 0 || x.size(-2) % f != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "VAE encode: height and width must be multiples of " + std::to_string(f) +
                              ", got " + std::to_string(x.size(-2)) + "×" +
                              std::to_string(x.size(-1)));
    const auto input =
        x.to(encoder->conv_in->weight.device(), encoder->conv_in->weight.scalar_type());
    const bool video = input.dim() == 5;
    const auto frames = video ? nn::foldFrames(input) : input;
    // The moments (mean and logvar stacked on channels) of every frame, then split.
    auto moments =
        inChunks(frames, frameBatch, [&](const at::Tensor& part) { return encodeImages(part); });
    if (video)
        moments = nn::unfoldFrames(moments, input.size(0));
    auto parts = moments.chunk(2, 1);
    return {parts[0], parts[1].clamp(-30.0, 20.0)};
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& z, std::int64_t frameBatch) {
    if ((z.dim() != 4 && z.dim() != 5) || z.size(1) != m_config.latentChannels)
        throw EngineError(ErrorCode::InvalidArgument,
                          "VAE decode: latents must be (N, " +
                              std::to_string(m_config.latentChannels) + ", h, w) or (B, " +
                              std::to_string(m_config.latentChannels) + ", F, h, w)");
    const auto input =
        z.to(decoder->conv_in->weight.device(), decoder->conv_in->weight.scalar_type());
    const bool video = input.dim() == 5;
    const auto frames = video ? nn::foldFrames(input) : input;
    auto out =
        inChunks(frames, frameBatch, [&](const at::Tensor& part) { return decodeImages(part); });
    return video ? nn::unfoldFrames(out, input.size(0)) : out;
}

AutoencoderKL loadAutoencoderKL(const std::filesystem::path& path,
                                const std::string& variant,
                                const DeviceChoice& target) {
    const auto dir = componentFolder(path, "vae");
    const auto config = AutoencoderKLConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<AutoencoderKL>(config);
    auto options = BindOptions::onto(target.device, target.dtype);
    options.rename = renameLegacyAttention;
    bindWeights(*model, weights, options);
    model->eval();
    return model;
}

}  // namespace mp::models
