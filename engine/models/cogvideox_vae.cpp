#include "models/cogvideox_vae.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/layout.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mp::models {

namespace {

// The encoder's norm_out and every SpatialNorm3D's GroupNorm use 1e-6 whatever norm_eps says.
constexpr double kFixedEps = 1e-6;

// A k×k×k Conv3d with spatial zero padding `pad` (none in time).
nn::Conv3d conv3d(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t pad) {
    return nn::Conv3d(in, out, std::vector<std::int64_t>{kernel, kernel, kernel},
                      std::vector<std::int64_t>{0, pad, pad});
}

// The activation on a fresh tensor, in place unless a graph is being recorded.
at::Tensor activateFresh(at::Tensor x, nn::Activation act) {
    if (at::GradMode::is_enabled())
        return nn::activate(x, act);
    switch (act) {
        case nn::Activation::Silu:
            return at::silu_(x);
        case nn::Activation::Relu:
            return at::relu_(x);
        default:
            return nn::activate(x, act);
    }
}

// CogVideoXSafeConv3d: inputs over 2 GiB (counting two bytes an element, whatever the dtype) are
// convolved in time slices, each but the first preceded by the previous slice's last k − 1
// frames, so every output frame sees the same input window; the slices are then concatenated.
// Only the sizes cuDNN handles change, not the arithmetic of any output element.
at::Tensor safeConv3d(const at::Tensor& x, nn::Conv3d conv) {
    const double gib = static_cast<double>(x.numel()) * 2 / (1024.0 * 1024.0 * 1024.0);
    if (!(gib > 2))
        return conv->forward(x);
    const auto parts = static_cast<std::int64_t>(gib / 2) + 1;
    const auto kernel = conv->weight.size(2);
    const auto slices = x.chunk(parts, 2);
    std::vector<at::Tensor> out;
    out.reserve(slices.size());
    for (std::size_t i = 0; i < slices.size(); ++i) {
        if (i == 0 || kernel == 1) {
            out.push_back(conv->forward(slices[i]));
            continue;
        }
        const auto& previous = slices[i - 1];
        const auto keep = std::min(previous.size(2), kernel - 1);
        out.push_back(conv->forward(
            at::cat({previous.narrow(2, previous.size(2) - keep, keep), slices[i]}, 2)));
    }
    return at::cat(out, 2);
}

// Nearest resizing only picks source elements, so the float32 detour (for reduced-precision
// tensors on the CPU, where older builds lack those kernels) changes no value.
bool nearestNeedsFloat(const at::Tensor& x) {
    return x.device().is_cpu() &&
           (x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kHalf);
}

at::Tensor nearest3d(const at::Tensor& x, std::vector<std::int64_t> size) {
    if (nearestNeedsFloat(x))
        return at::upsample_nearest3d(x.to(at::kFloat), size).to(x.scalar_type());
    return at::upsample_nearest3d(x, size);
}

at::Tensor nearest2dTwice(const at::Tensor& x) {
    const std::vector<std::int64_t> size{x.size(2) * 2, x.size(3) * 2};
    if (nearestNeedsFloat(x))
        return at::upsample_nearest2d(x.to(at::kFloat), size, 2.0, 2.0).to(x.scalar_type());
    return at::upsample_nearest2d(x, size, 2.0, 2.0);
}

// diffusers' batches of frames (_encode, _decode, and both tiled loops): max(n / b, 1) batches
// [0, b + r), [b + r, 2b + r), ... with r = n mod b, so the first batch also takes the r extra
// frames (all n frames when n < b).
std::vector<std::pair<std::int64_t, std::int64_t>> frameBatches(std::int64_t n, std::int64_t b) {
    const auto count = std::max<std::int64_t>(n / b, 1);
    const auto extra = n % b;
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (std::int64_t i = 0; i < count; ++i) {
        const auto start = b * i + (i == 0 ? 0 : extra);
        const auto end = std::min(b * (i + 1) + extra, n);
        out.emplace_back(start, end);
    }
    return out;
}

// fn over each batch of frames (dim 2) of x, caches carried inside fn; the outputs, `framesOut`
// frames in all, written into one tensor as they come instead of concatenated at the end (one
// copy of the video less at the peak).
template <class Fn>
at::Tensor inFrameBatches(const at::Tensor& x,
                          std::int64_t batch,
                          std::int64_t framesOut,
                          const char* what,
                          Fn&& fn) {
    const auto batches = frameBatches(x.size(2), batch);
    if (batches.size() == 1)
        return fn(x);
    at::Tensor out;
    std::int64_t written = 0;
    for (const auto& [start, end] : batches) {
        const auto part = fn(x.narrow(2, start, end - start));
        if (!out.defined())
            out = at::empty({part.size(0), part.size(1), framesOut, part.size(3), part.size(4)},
                            part.options());
        if (written + part.size(2) > framesOut)
            throw EngineError(ErrorCode::Internal, std::string("CogVideoX VAE ") + what +
                                                       ": more frames than the " +
                                                       std::to_string(framesOut) + " expected");
        out.narrow(2, written, part.size(2)).copy_(part);
        written += part.size(2);
    }
    if (written != framesOut)
        throw EngineError(ErrorCode::Internal, std::string("CogVideoX VAE ") + what + ": " +
                                                   std::to_string(written) + " frames, not " +
                                                   std::to_string(framesOut));
    return out;
}

// diffusers' blend_v (dim 3) and blend_h (dim 4), in place on b as there: b's first e rows
// (columns) become a's last e ones weighted 1 − y/e plus b's own weighted y/e, with
// e = min(a's size, b's size, extent). The weights are rounded to float32 from the same double
// expressions, as PyTorch does with a Python float times a float32 tensor.
void blendInto(const at::Tensor& a, at::Tensor& b, std::int64_t dim, std::int64_t extent) {
    extent = std::min({a.size(dim), b.size(dim), extent});
    if (extent <= 0)
        return;
    std::vector<float> fromA(static_cast<std::size_t>(extent)), fromB(fromA.size());
    for (std::int64_t y = 0; y < extent; ++y) {
        const double t = static_cast<double>(y) / static_cast<double>(extent);
        fromA[static_cast<std::size_t>(y)] = static_cast<float>(1.0 - t);
        fromB[static_cast<std::size_t>(y)] = static_cast<float>(t);
    }
    std::vector<std::int64_t> shape(5, 1);
    shape[static_cast<std::size_t>(dim)] = extent;
    const auto options = at::TensorOptions().dtype(at::kFloat);
    const auto wa = at::tensor(fromA, options).view(shape).to(b.device());
    const auto wb = at::tensor(fromB, options).view(shape).to(b.device());
    auto head = b.narrow(dim, 0, extent);
    head.copy_(a.narrow(dim, a.size(dim) - extent, extent) * wa + head * wb);
}

struct TileGrid {
    std::int64_t tileH, tileW;      // input tile size
    std::int64_t strideH, strideW;  // input step between tiles
    std::int64_t blendH, blendW;    // output overlap blended
    std::int64_t limitH, limitW;    // output kept per tile
};

// tiled_encode / tiled_decode: tiles of the input at every stride step, each through fn, then
// each tile blended with the one above and the one to its left (both already blended) and
// cropped to the limits; rows of tiles concatenated. One row of tiles is kept at a time.
template <class Fn>
at::Tensor runTiled(const at::Tensor& x, const TileGrid& g, Fn&& fn) {
    const auto H = x.size(3), W = x.size(4);
    std::vector<at::Tensor> above, rows;
    for (std::int64_t i = 0; i < H; i += g.strideH) {
        std::vector<at::Tensor> row;
        for (std::int64_t j = 0; j < W; j += g.strideW)
            row.push_back(
                fn(x.slice(3, i, std::min(i + g.tileH, H)).slice(4, j, std::min(j + g.tileW, W))));
        std::vector<at::Tensor> kept;
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (!above.empty())
                blendInto(above[j], row[j], 3, g.blendH);
            if (j > 0)
                blendInto(row[j - 1], row[j], 4, g.blendW);
            kept.push_back(row[j].slice(3, 0, g.limitH).slice(4, 0, g.limitW));
        }
        rows.push_back(at::cat(kept, 4));
        above = std::move(row);
    }
    return at::cat(rows, 3);
}

std::size_t assignCacheSlots(torch::nn::Module& root) {
    std::size_t slots = 0;
    for (const auto& module : root.modules(/*include_self=*/false))
        if (auto* conv = dynamic_cast<CogVideoXCausalConv3dImpl*>(module.get());
            conv && conv->timeKernel() > 1)
            conv->setCacheSlot(slots++);
    return slots;
}

std::vector<double> numberList(const JsonConfig& json, const char* key) {
    const auto& v = json.raw(key);
    if (v.is_null())
        return {};
    if (!v.is_array())
        json.fail(key, "expected null or an array of numbers");
    std::vector<double> out;
    for (const auto& e : v) {
        if (!e.is_number())
            json.fail(key, "expected null or an array of numbers");
        out.push_back(e.get<double>());
    }
    return out;
}

}  // namespace

// ---- config ---------------------------------------------------------------------------------

CogVideoXVaeConfig CogVideoXVaeConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    json.requireClass("_class_name", {"AutoencoderKLCogVideoX"}, "an AutoencoderKLCogVideoX");
    CogVideoXVaeConfig c;
    c.inChannels = json.getInt("in_channels", c.inChannels);
    c.outChannels = json.getInt("out_channels", c.outChannels);
    c.downBlockTypes = json.getStringList("down_block_types", c.downBlockTypes);
    c.upBlockTypes = json.getStringList("up_block_types", c.upBlockTypes);
    c.blockOutChannels = json.getIntList("block_out_channels", c.blockOutChannels);
    c.latentChannels = json.getInt("latent_channels", c.latentChannels);
    c.layersPerBlock = json.getInt("layers_per_block", c.layersPerBlock);
    c.actFn = json.getString("act_fn", c.actFn);
    c.normEps = json.getDouble("norm_eps", c.normEps);
    c.normNumGroups = json.getInt("norm_num_groups", c.normNumGroups);
    c.temporalCompressionRatio =
        json.getDouble("temporal_compression_ratio", c.temporalCompressionRatio);
    c.sampleHeight = json.getInt("sample_height", c.sampleHeight);
    c.sampleWidth = json.getInt("sample_width", c.sampleWidth);
    c.scalingFactor = json.getDouble("scaling_factor", c.scalingFactor);
    if (!json.raw("shift_factor").is_null())
        c.shiftFactor = json.requireDouble("shift_factor");
    c.latentsMean = numberList(json, "latents_mean");
    c.latentsStd = numberList(json, "latents_std");
    // diffusers annotates force_upcast as a float; configs write true.
    if (const auto& v = json.raw("force_upcast"); v.is_number())
        c.forceUpcast = v.get<double>() != 0;
    else
        c.forceUpcast = json.getBool("force_upcast", c.forceUpcast);
    c.useQuantConv = json.getBool("use_quant_conv", c.useQuantConv);
    c.usePostQuantConv = json.getBool("use_post_quant_conv", c.usePostQuantConv);
    c.invertScaleLatents = json.getBool("invert_scale_latents", c.invertScaleLatents);
    c.unknownKeys = json.unreadKeys();

    const auto levels = c.blockOutChannels.size();
    if (levels < 1 || levels > 8)
        json.fail("block_out_channels", "must list 1 to 8 levels");
    if (c.downBlockTypes.size() != levels)
        json.fail("down_block_types", "must list one block per block_out_channels entry (" +
                                          std::to_string(levels) + ")");
    if (c.upBlockTypes.size() != levels)
        json.fail("up_block_types", "must list one block per block_out_channels entry (" +
                                        std::to_string(levels) + ")");
    for (const auto& t : c.downBlockTypes)
        if (t != "CogVideoXDownBlock3D")
            json.fail("down_block_types", "'" + t + "' is not supported (CogVideoXDownBlock3D)");
    for (const auto& t : c.upBlockTypes)
        if (t != "CogVideoXUpBlock3D")
            json.fail("up_block_types", "'" + t + "' is not supported (CogVideoXUpBlock3D)");
    if (c.actFn != "silu" && c.actFn != "swish" && c.actFn != "gelu" && c.actFn != "relu")
        json.fail("act_fn", "'" + c.actFn + "' is not supported (silu, swish, gelu or relu)");
    c.act = nn::activationFromName(c.actFn, json.label() + ": key 'act_fn'");
    json.checkRange("in_channels", c.inChannels, 1, 64);
    json.checkRange("out_channels", c.outChannels, 1, 64);
    json.checkRange("latent_channels", c.latentChannels, 1, 4096);
    json.checkRange("layers_per_block", c.layersPerBlock, 1, 64);
    json.checkRange("norm_num_groups", c.normNumGroups, 1, 4096);
    json.checkRange("sample_height", c.sampleHeight, 1, 1 << 20);
    json.checkRange("sample_width", c.sampleWidth, 1, 1 << 20);
    for (auto ch : c.blockOutChannels) {
        json.checkRange("block_out_channels", ch, 1, 65536);
        if (ch % c.normNumGroups != 0)
            json.fail("block_out_channels", std::to_string(ch) + " channels do not split into " +
                                                std::to_string(c.normNumGroups) + " groups");
    }
    if (!(c.normEps > 0))
        json.fail("norm_eps", "must be positive");
    // int(log2(ratio)) levels compress time; other ratios would silently mean fewer levels.
    const double log2Ratio = std::log2(c.temporalCompressionRatio);
    if (!(c.temporalCompressionRatio >= 1) || log2Ratio != std::floor(log2Ratio) || log2Ratio > 3 ||
        static_cast<std::size_t>(log2Ratio) > levels - 1)
        json.fail("temporal_compression_ratio",
                  "must be 1, 2, 4 or 8 and at most 2^(levels − 1), got " +
                      std::to_string(c.temporalCompressionRatio));
    if (!(c.scalingFactor > 0))
        json.fail("scaling_factor", "must be positive");
    // diffusers builds quant_conv with 2·out_channels and post_quant_conv with out_channels
    // channels, which only run on the latents when the two counts agree.
    if ((c.useQuantConv || c.usePostQuantConv) && c.latentChannels != c.outChannels)
        json.fail(c.useQuantConv ? "use_quant_conv" : "use_post_quant_conv",
                  "needs latent_channels == out_channels (diffusers sizes those convolutions by "
                  "out_channels)");
    for (const char* key : {"latents_mean", "latents_std"}) {
        const auto& list = std::string_view(key) == "latents_mean" ? c.latentsMean : c.latentsStd;
        if (!list.empty() && static_cast<std::int64_t>(list.size()) != c.latentChannels)
            json.fail(key, "must have latent_channels (" + std::to_string(c.latentChannels) +
                               ") entries");
    }
    return c;
}

std::string CogVideoXVaeConfig::toString() const {
    std::ostringstream s;
    s << "AutoencoderKLCogVideoX: channels [";
    for (std::size_t i = 0; i < blockOutChannels.size(); ++i)
        s << (i ? ", " : "") << blockOutChannels[i];
    s << "], " << layersPerBlock << " layers per block, latent " << latentChannels << ", ×"
      << spatialFactor() << " space, ×" << temporalFactor() << " time, scaling " << scalingFactor;
    if (shiftFactor)
        s << ", shift " << *shiftFactor;
    if (useQuantConv || usePostQuantConv)
        s << ", quant convs";
    return s.str();
}

std::int64_t CogVideoXVaeConfig::spatialFactor() const {
    return std::int64_t{1} << (blockOutChannels.size() - 1);
}

std::int64_t CogVideoXVaeConfig::temporalCompressLevels() const {
    return static_cast<std::int64_t>(std::floor(std::log2(temporalCompressionRatio)));
}

std::int64_t CogVideoXVaeConfig::temporalFactor() const {
    return std::int64_t{1} << temporalCompressLevels();
}

std::int64_t CogVideoXVaeConfig::latentFrames(std::int64_t frames) const {
    std::int64_t total = 0;
    for (const auto& [start, end] :
         frameBatches(frames, AutoencoderKLCogVideoXImpl::kEncodeFrameBatch)) {
        auto n = end - start;
        for (std::int64_t l = 0; l < temporalCompressLevels(); ++l)
            n = n % 2 == 1 ? 1 + (n - 1) / 2 : n / 2;
        total += n;
    }
    return total;
}

std::int64_t CogVideoXVaeConfig::decodedFrames(std::int64_t latentFrames) const {
    std::int64_t total = 0;
    for (const auto& [start, end] :
         frameBatches(latentFrames, AutoencoderKLCogVideoXImpl::kDecodeFrameBatch)) {
        auto n = end - start;
        for (std::int64_t l = 0; l < temporalCompressLevels(); ++l)
            n = n > 1 ? (n % 2 == 1 ? 1 + 2 * (n - 1) : 2 * n) : n;
        total += n;
    }
    return total;
}

// ---- layers ---------------------------------------------------------------------------------

CogVideoXCausalConv3dImpl::CogVideoXCausalConv3dImpl(std::int64_t in,
                                                     std::int64_t out,
                                                     std::int64_t kernel)
    : m_timeKernel(kernel) {
    // diffusers pads (time, height, width) by (0, width_pad, height_pad): equal for the cubic
    // kernels used here.
    const auto pad = (kernel - 1) / 2;
    conv = register_module("conv", conv3d(in, out, kernel, pad));
}

at::Tensor CogVideoXCausalConv3dImpl::forward(const at::Tensor& x, CausalConvCache& cache) {
    // A temporal kernel of 1 needs no past frames (diffusers caches its whole input anyway, and
    // never reads it).
    if (m_timeKernel == 1)
        return safeConv3d(x, conv);
    auto& slot = cache.slots.at(m_slot);
    const auto past = m_timeKernel - 1;
    const at::Tensor before =
        slot.defined()
            ? slot
            : x.narrow(2, 0, 1).expand({x.size(0), x.size(1), past, x.size(3), x.size(4)});
    const auto padded = at::cat({before, x}, 2);
    // The next batch's past: this batch's last k − 1 padded frames, copied so that the batch
    // itself can be freed.
    slot = padded.narrow(2, padded.size(2) - past, past).clone(at::MemoryFormat::Contiguous);
    return safeConv3d(padded, conv);
}

CogVideoXNorm3DImpl::CogVideoXNorm3DImpl(std::int64_t channels,
                                         std::int64_t groups,
                                         double eps,
                                         std::int64_t zqChannels)
    : m_groups(groups), m_eps(eps) {
    if (zqChannels > 0) {
        norm_layer = register_module("norm_layer", nn::groupNorm(groups, channels, kFixedEps));
        conv_y = register_module("conv_y", CogVideoXCausalConv3d(zqChannels, channels, 1));
        conv_b = register_module("conv_b", CogVideoXCausalConv3d(zqChannels, channels, 1));
        return;
    }
    weight = register_parameter("weight", at::empty({channels}));
    bias = register_parameter("bias", at::empty({channels}));
    if (nn::initialisesWeights()) {
        torch::NoGradGuard noGrad;
        weight.fill_(1);
        bias.zero_();
    }
}

at::Tensor CogVideoXNorm3DImpl::forward(const at::Tensor& f,
                                        const at::Tensor& zq,
                                        CausalConvCache& cache) {
    if (!spatial())
        return at::group_norm(f, m_groups, weight, bias, m_eps);
    if (!zq.defined())
        throw EngineError(ErrorCode::Internal, "CogVideoX spatial norm called without latents");
    const auto frames = f.size(2), H = f.size(3), W = f.size(4);
    at::Tensor z;
    if (frames > 1 && frames % 2 == 1) {
        // Frame 0 resized on its own, the rest to the remaining frames.
        z = at::cat({nearest3d(zq.narrow(2, 0, 1), {1, H, W}),
                     nearest3d(zq.narrow(2, 1, zq.size(2) - 1), {frames - 1, H, W})},
                    2);
    } else {
        z = nearest3d(zq, {frames, H, W});
    }
    if (at::GradMode::is_enabled())
        return norm_layer(f) * conv_y(z, cache) + conv_b(z, cache);
    // GroupNorm(f) · conv_y(z) + conv_b(z), one full-size temporary at a time.
    auto h = norm_layer(f);
    h.mul_(conv_y(z, cache));
    h.add_(conv_b(z, cache));
    return h;
}

CogVideoXResnetBlock3DImpl::CogVideoXResnetBlock3DImpl(std::int64_t in,
                                                       std::int64_t out,
                                                       const CogVideoXVaeConfig& c,
                                                       bool spatialNorm)
    : m_act(c.act) {
    const auto zq = spatialNorm ? c.latentChannels : 0;
    norm1 = register_module("norm1", CogVideoXNorm3D(in, c.normNumGroups, c.normEps, zq));
    conv1 = register_module("conv1", CogVideoXCausalConv3d(in, out, 3));
    norm2 = register_module("norm2", CogVideoXNorm3D(out, c.normNumGroups, c.normEps, zq));
    conv2 = register_module("conv2", CogVideoXCausalConv3d(out, out, 3));
    if (in != out)
        conv_shortcut = register_module("conv_shortcut", conv3d(in, out, 1, 0));
}

at::Tensor CogVideoXResnetBlock3DImpl::forward(const at::Tensor& x,
                                               const at::Tensor& zq,
                                               CausalConvCache& cache) {
    auto h = conv1(activateFresh(norm1(x, zq, cache), m_act), cache);
    h = conv2(activateFresh(norm2(h, zq, cache), m_act), cache);
    const auto shortcut = conv_shortcut.is_empty() ? x : safeConv3d(x, conv_shortcut);
    if (at::GradMode::is_enabled())
        return h + shortcut;
    return h.add_(shortcut);
}

CogVideoXDownsample3DImpl::CogVideoXDownsample3DImpl(std::int64_t channels, bool compressTime)
    : m_compressTime(compressTime) {
    conv = register_module("conv", nn::conv2d(channels, channels, 3, 2, 0));
}

at::Tensor CogVideoXDownsample3DImpl::forward(const at::Tensor& x) {
    at::Tensor h = x;
    if (m_compressTime) {
        // Mean of each pair of frames (avg_pool1d(2, 2) in diffusers, here over the frames in
        // place: the same (a + b) / 2); an odd count keeps frame 0 as it is.
        const auto pairs = [](const at::Tensor& t) {
            return at::avg_pool3d(t, {2, 1, 1}, {2, 1, 1});
        };
        const auto frames = x.size(2);
        if (frames % 2 == 0)
            h = pairs(x);
        else if (frames > 1)
            h = at::cat({x.narrow(2, 0, 1), pairs(x.narrow(2, 1, frames - 1))}, 2);
    }
    const auto batch = h.size(0);
    auto out = conv(at::constant_pad_nd(nn::foldFrames(h), {0, 1, 0, 1}));
    return out.view({batch, out.size(0) / batch, out.size(1), out.size(2), out.size(3)})
        .permute({0, 2, 1, 3, 4});
}

CogVideoXUpsample3DImpl::CogVideoXUpsample3DImpl(std::int64_t channels, bool compressTime)
    : m_compressTime(compressTime) {
    conv = register_module("conv", nn::conv2d(channels, channels, 3, 1, 1));
}

at::Tensor CogVideoXUpsample3DImpl::forward(const at::Tensor& x) {
    const auto batch = x.size(0), frames = x.size(2);
    // diffusers doubles the frames (nearest) before the per-frame conv; doubling the conv's
    // output frames instead gives the same tensor for half the convolution and memory.
    auto out = conv(nearest2dTwice(nn::foldFrames(x)));
    auto video = out.view({batch, frames, out.size(1), out.size(2), out.size(3)});
    if (m_compressTime && frames > 1) {
        // Odd counts: frame 0 once, then every other frame twice; even counts: every frame twice.
        std::vector<std::int64_t> source;
        const std::int64_t first = frames % 2;
        if (first)
            source.push_back(0);
        for (std::int64_t f = first; f < frames; ++f) {
            source.push_back(f);
            source.push_back(f);
        }
        const auto index = at::tensor(source, at::TensorOptions().dtype(at::kLong));
        video = video.index_select(1, index.to(video.device()));
    }
    return video.permute({0, 2, 1, 3, 4});
}

CogVideoXBlock3DImpl::CogVideoXBlock3DImpl(std::int64_t in,
                                           std::int64_t out,
                                           std::int64_t layers,
                                           bool spatialNorm,
                                           Sampler sampler,
                                           bool compressTime,
                                           const CogVideoXVaeConfig& c) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < layers; ++i) {
        m_resnets.emplace_back(i == 0 ? in : out, out, c, spatialNorm);
        resnets->push_back(m_resnets.back());
    }
    if (sampler == Sampler::Down) {
        downsamplers = register_module("downsamplers", torch::nn::ModuleList());
        m_down = CogVideoXDownsample3D(out, compressTime);
        downsamplers->push_back(m_down);
    } else if (sampler == Sampler::Up) {
        upsamplers = register_module("upsamplers", torch::nn::ModuleList());
        m_up = CogVideoXUpsample3D(out, compressTime);
        upsamplers->push_back(m_up);
    }
}

at::Tensor CogVideoXBlock3DImpl::forward(at::Tensor x,
                                         const at::Tensor& zq,
                                         CausalConvCache& cache) {
    for (auto& r : m_resnets)
        x = r->forward(x, zq, cache);
    if (!m_down.is_empty())
        x = m_down(x);
    if (!m_up.is_empty())
        x = m_up(x);
    return x;
}

// ---- encoder and decoder --------------------------------------------------------------------

CogVideoXEncoder3DImpl::CogVideoXEncoder3DImpl(const CogVideoXVaeConfig& c) {
    using Sampler = CogVideoXBlock3DImpl::Sampler;
    const auto& ch = c.blockOutChannels;
    const auto levels = c.temporalCompressLevels();
    conv_in = register_module("conv_in", CogVideoXCausalConv3d(c.inChannels, ch[0], 3));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    for (std::size_t i = 0; i < ch.size(); ++i) {
        const bool last = i + 1 == ch.size();
        m_blocks.emplace_back(ch[i == 0 ? 0 : i - 1], ch[i], c.layersPerBlock, false,
                              last ? Sampler::None : Sampler::Down,
                              static_cast<std::int64_t>(i) < levels, c);
        down_blocks->push_back(m_blocks.back());
    }
    mid_block = register_module(
        "mid_block", CogVideoXBlock3D(ch.back(), ch.back(), 2, false, Sampler::None, false, c));
    norm_out = register_module("norm_out", nn::groupNorm(c.normNumGroups, ch.back(), kFixedEps));
    conv_out =
        register_module("conv_out", CogVideoXCausalConv3d(ch.back(), 2 * c.latentChannels, 3));
    m_cacheSlots = assignCacheSlots(*this);
}

at::Tensor CogVideoXEncoder3DImpl::forward(const at::Tensor& x, CausalConvCache& cache) {
    const at::Tensor none;
    auto h = conv_in(x, cache);
    for (auto& b : m_blocks)
        h = b->forward(h, none, cache);
    h = mid_block->forward(h, none, cache);
    return conv_out(activateFresh(norm_out(h), nn::Activation::Silu), cache);
}

CogVideoXDecoder3DImpl::CogVideoXDecoder3DImpl(const CogVideoXVaeConfig& c) {
    using Sampler = CogVideoXBlock3DImpl::Sampler;
    const auto& ch = c.blockOutChannels;
    const auto levels = c.temporalCompressLevels();
    conv_in = register_module("conv_in", CogVideoXCausalConv3d(c.latentChannels, ch.back(), 3));
    mid_block = register_module(
        "mid_block", CogVideoXBlock3D(ch.back(), ch.back(), 2, true, Sampler::None, false, c));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    auto previous = ch.back();
    for (std::size_t i = 0; i < ch.size(); ++i) {
        const auto out = ch[ch.size() - 1 - i];
        const bool last = i + 1 == ch.size();
        m_blocks.emplace_back(previous, out, c.layersPerBlock + 1, true,
                              last ? Sampler::None : Sampler::Up,
                              static_cast<std::int64_t>(i) < levels, c);
        up_blocks->push_back(m_blocks.back());
        previous = out;
    }
    norm_out = register_module(
        "norm_out", CogVideoXNorm3D(ch[0], c.normNumGroups, kFixedEps, c.latentChannels));
    conv_out = register_module("conv_out", CogVideoXCausalConv3d(ch[0], c.outChannels, 3));
    m_cacheSlots = assignCacheSlots(*this);
}

at::Tensor CogVideoXDecoder3DImpl::forward(const at::Tensor& z, CausalConvCache& cache) {
    auto h = conv_in(z, cache);
    h = mid_block->forward(h, z, cache);
    for (auto& b : m_blocks)
        h = b->forward(h, z, cache);
    return conv_out(activateFresh(norm_out(h, z, cache), nn::Activation::Silu), cache);
}

// ---- the autoencoder ------------------------------------------------------------------------

AutoencoderKLCogVideoXImpl::AutoencoderKLCogVideoXImpl(const CogVideoXVaeConfig& c) : m_config(c) {
    encoder = register_module("encoder", CogVideoXEncoder3D(c));
    decoder = register_module("decoder", CogVideoXDecoder3D(c));
    // Sized by out_channels as diffusers does (fromFile requires it to equal latent_channels).
    if (c.useQuantConv)
        quant_conv =
            register_module("quant_conv", conv3d(2 * c.outChannels, 2 * c.outChannels, 1, 0));
    if (c.usePostQuantConv)
        post_quant_conv =
            register_module("post_quant_conv", conv3d(c.outChannels, c.outChannels, 1, 0));
    CogVideoXVaeTiling off;
    off.tileSampleMinHeight = c.sampleHeight / 2;
    off.tileSampleMinWidth = c.sampleWidth / 2;
    off.tileOverlapFactorHeight = 1.0 / 6;
    off.tileOverlapFactorWidth = 1.0 / 5;
    m_tiling = off;
}

void AutoencoderKLCogVideoXImpl::setTiling(const CogVideoXVaeTiling& tiling) {
    auto t = tiling;
    if (t.tileSampleMinHeight == 0)
        t.tileSampleMinHeight = m_config.sampleHeight / 2;
    if (t.tileSampleMinWidth == 0)
        t.tileSampleMinWidth = m_config.sampleWidth / 2;
    if (t.tileOverlapFactorHeight == 0)
        t.tileOverlapFactorHeight = 1.0 / 6;
    if (t.tileOverlapFactorWidth == 0)
        t.tileOverlapFactorWidth = 1.0 / 5;
    if (!t.enabled) {
        m_tiling = t;
        return;
    }
    const auto f = m_config.spatialFactor();
    const auto fail = [](const std::string& what) {
        throw EngineError(ErrorCode::InvalidArgument, "CogVideoX VAE tiling: " + what);
    };
    if (t.tileSampleMinHeight < f || t.tileSampleMinWidth < f)
        fail("tiles must be at least " + std::to_string(f) + " pixels (one latent) on each side");
    for (double factor : {t.tileOverlapFactorHeight, t.tileOverlapFactorWidth})
        if (!(factor > 0 && factor < 1))
            fail("overlap factors must be between 0 and 1, got " + std::to_string(factor));
    // Both tiled loops step by int(tile · (1 − factor)), in pixels (encode) or latents (decode).
    const auto step = [](std::int64_t tile, double factor) {
        return static_cast<std::int64_t>(static_cast<double>(tile) * (1 - factor));
    };
    if (step(t.tileSampleMinHeight / f, t.tileOverlapFactorHeight) < 1 ||
        step(t.tileSampleMinWidth / f, t.tileOverlapFactorWidth) < 1)
        fail("the overlap leaves no step between latent tiles; use larger tiles or less overlap");
    m_tiling = t;
}

std::int64_t AutoencoderKLCogVideoXImpl::tileLatentMinHeight() const {
    return m_tiling.tileSampleMinHeight / m_config.spatialFactor();
}

std::int64_t AutoencoderKLCogVideoXImpl::tileLatentMinWidth() const {
    return m_tiling.tileSampleMinWidth / m_config.spatialFactor();
}

at::Tensor AutoencoderKLCogVideoXImpl::encodeFrames(const at::Tensor& x) {
    auto cache = encoder->newCache();
    return inFrameBatches(x, kEncodeFrameBatch, m_config.latentFrames(x.size(2)), "encode",
                          [&](const at::Tensor& part) {
                              auto h = encoder->forward(part, cache);
                              return quant_conv.is_empty() ? h : safeConv3d(h, quant_conv);
                          });
}

at::Tensor AutoencoderKLCogVideoXImpl::decodeFrames(const at::Tensor& z) {
    auto cache = decoder->newCache();
    return inFrameBatches(
        z, kDecodeFrameBatch, m_config.decodedFrames(z.size(2)), "decode",
        [&](const at::Tensor& part) {
            const auto in = post_quant_conv.is_empty() ? part : safeConv3d(part, post_quant_conv);
            return decoder->forward(in, cache);
        });
}

at::Tensor AutoencoderKLCogVideoXImpl::tiledEncode(const at::Tensor& x) {
    const auto& t = m_tiling;
    const auto latentH = tileLatentMinHeight(), latentW = tileLatentMinWidth();
    TileGrid g;
    g.tileH = t.tileSampleMinHeight;
    g.tileW = t.tileSampleMinWidth;
    g.strideH =
        static_cast<std::int64_t>(static_cast<double>(g.tileH) * (1 - t.tileOverlapFactorHeight));
    g.strideW =
        static_cast<std::int64_t>(static_cast<double>(g.tileW) * (1 - t.tileOverlapFactorWidth));
    g.blendH = static_cast<std::int64_t>(static_cast<double>(latentH) * t.tileOverlapFactorHeight);
    g.blendW = static_cast<std::int64_t>(static_cast<double>(latentW) * t.tileOverlapFactorWidth);
    g.limitH = latentH - g.blendH;
    g.limitW = latentW - g.blendW;
    return runTiled(x, g, [&](const at::Tensor& tile) { return encodeFrames(tile); });
}

at::Tensor AutoencoderKLCogVideoXImpl::tiledDecode(const at::Tensor& z) {
    const auto& t = m_tiling;
    TileGrid g;
    g.tileH = tileLatentMinHeight();
    g.tileW = tileLatentMinWidth();
    g.strideH =
        static_cast<std::int64_t>(static_cast<double>(g.tileH) * (1 - t.tileOverlapFactorHeight));
    g.strideW =
        static_cast<std::int64_t>(static_cast<double>(g.tileW) * (1 - t.tileOverlapFactorWidth));
    g.blendH = static_cast<std::int64_t>(static_cast<double>(t.tileSampleMinHeight) *
                                         t.tileOverlapFactorHeight);
    g.blendW = static_cast<std::int64_t>(static_cast<double>(t.tileSampleMinWidth) *
                                         t.tileOverlapFactorWidth);
    g.limitH = t.tileSampleMinHeight - g.blendH;
    g.limitW = t.tileSampleMinWidth - g.blendW;
    return runTiled(z, g, [&](const at::Tensor& tile) { return decodeFrames(tile); });
}

std::pair<at::Tensor, at::Tensor> AutoencoderKLCogVideoXImpl::encode(const at::Tensor& video) {
    const auto& c = m_config;
    const auto f = c.spatialFactor(), tf = c.temporalFactor();
    if (video.dim() != 5 || video.size(1) != c.inChannels)
        throw EngineError(ErrorCode::InvalidArgument, "CogVideoX VAE encode: video must be (B, " +
                                                          std::to_string(c.inChannels) +
                                                          ", F, H, W), got " +
                                                          str::shape(video.sizes().vec()));
    const auto frames = video.size(2), H = video.size(3), W = video.size(4);
    if (frames < 1 || (frames - 1) % tf != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX VAE encode: the frame count must be 1 + " +
                              std::to_string(tf) + "k (the first frame, then groups of " +
                              std::to_string(tf) + "), got " + std::to_string(frames));
    if (H < f || W < f || H % f != 0 || W % f != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX VAE encode: height and width must be positive multiples of " +
                              std::to_string(f) + ", got " + std::to_string(H) + "×" +
                              std::to_string(W));
    const auto& weight = encoder->conv_in->conv->weight;
    const auto x = video.to(weight.device(), weight.scalar_type());
    const bool tiled =
        m_tiling.enabled && (W > m_tiling.tileSampleMinWidth || H > m_tiling.tileSampleMinHeight);
    const auto moments = tiled ? tiledEncode(x) : encodeFrames(x);
    const auto parts = moments.chunk(2, 1);
    return {parts[0], parts[1].clamp(-30.0, 20.0)};
}

at::Tensor AutoencoderKLCogVideoXImpl::decode(const at::Tensor& latents) {
    const auto& c = m_config;
    if (latents.dim() != 5 || latents.size(1) != c.latentChannels)
        throw EngineError(ErrorCode::InvalidArgument, "CogVideoX VAE decode: latents must be (B, " +
                                                          std::to_string(c.latentChannels) +
                                                          ", f, h, w), got " +
                                                          str::shape(latents.sizes().vec()));
    if (latents.size(0) < 1 || latents.size(2) < 1 || latents.size(3) < 1 || latents.size(4) < 1)
        throw EngineError(ErrorCode::InvalidArgument, "CogVideoX VAE decode: empty latents " +
                                                          str::shape(latents.sizes().vec()));
    const auto& weight = decoder->conv_in->conv->weight;
    const auto z = latents.to(weight.device(), weight.scalar_type());
    const bool tiled =
        m_tiling.enabled && (z.size(4) > tileLatentMinWidth() || z.size(3) > tileLatentMinHeight());
    return tiled ? tiledDecode(z) : decodeFrames(z);
}

AutoencoderKLCogVideoX loadCogVideoXVae(const std::filesystem::path& path,
                                        const std::string& variant,
                                        const DeviceChoice& target) {
    const auto dir = componentFolder(path, "vae");
    const auto config = CogVideoXVaeConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<AutoencoderKLCogVideoX>(config);
    bindWeights(*model, weights, BindOptions::onto(target.device, target.dtype));
    model->eval();
    return model;
}

}  // namespace mp::models
