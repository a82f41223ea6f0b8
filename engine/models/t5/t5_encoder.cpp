#include "models/t5/t5_encoder.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "runtime/torch_shim.h"

#include <ATen/ATen.h>
#include <c10/util/irange.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace mp::models {

namespace {

constexpr const char* kShared = "shared.weight";
constexpr const char* kEmbedTokens = "encoder.embed_tokens.weight";

bool isHalf(c10::ScalarType t) {
    return t == at::kHalf || t == at::kBFloat16;
}

// transformers clamps fp16 hidden states after each sub-layer so that an overflow does not turn
// into inf − inf later (a no-op unless something overflowed, or nearly).
at::Tensor clampHalf(const at::Tensor& x) {
    if (x.scalar_type() != at::kHalf)
        return x;
    const double max = 65504.0;
    const double limit = x.isinf().any().item<bool>() ? max - 1000 : max;
    return x.clamp(-limit, limit);
}

// torch.finfo(dtype).min.
double lowestOf(c10::ScalarType t) {
    switch (t) {
        case at::kHalf:
            return -65504.0;
        case at::kBFloat16:
            return -3.3895313892515355e38;
        case at::kDouble:
            return std::numeric_limits<double>::lowest();
        default:
            return std::numeric_limits<float>::lowest();
    }
}

}  // namespace

T5Config T5Config::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    T5Config c;
    c.vocabSize = json.getInt("vocab_size", c.vocabSize);
    c.dModel = json.getInt("d_model", c.dModel);
    c.dKv = json.getInt("d_kv", c.dKv);
    c.dFf = json.getInt("d_ff", c.dFf);
    c.numLayers = json.getInt("num_layers", c.numLayers);
    c.numHeads = json.getInt("num_heads", c.numHeads);
    c.relativeAttentionNumBuckets =
        json.getInt("relative_attention_num_buckets", c.relativeAttentionNumBuckets);
    c.relativeAttentionMaxDistance =
        json.getInt("relative_attention_max_distance", c.relativeAttentionMaxDistance);
    c.layerNormEpsilon = json.getDouble("layer_norm_epsilon", c.layerNormEpsilon);
    c.feedForwardProj = json.getString("feed_forward_proj", c.feedForwardProj);
    json.checkRange("vocab_size", c.vocabSize, 1, 10'000'000);
    json.checkRange("d_model", c.dModel, 1, 65536);
    json.checkRange("d_kv", c.dKv, 1, 65536);
    json.checkRange("d_ff", c.dFf, 1, 262144);
    json.checkRange("num_layers", c.numLayers, 1, 1024);
    json.checkRange("num_heads", c.numHeads, 1, 1024);
    json.checkRange("relative_attention_num_buckets", c.relativeAttentionNumBuckets, 4, 4096);
    json.checkRange("relative_attention_max_distance", c.relativeAttentionMaxDistance, 2, 1 << 20);
    if (!(c.layerNormEpsilon > 0))
        json.fail("layer_norm_epsilon", "must be positive");
    // transformers: "gated-ACT" or "ACT"; "gated-gelu" means the tanh GELU (gelu_new).
    std::vector<std::string> parts;
    for (std::size_t from = 0;;) {
        const auto dash = c.feedForwardProj.find('-', from);
        parts.push_back(c.feedForwardProj.substr(from, dash - from));
        if (dash == std::string::npos)
            break;
        from = dash + 1;
    }
    const bool wellFormed =
        (parts.size() == 1 && !parts[0].empty()) || (parts.size() == 2 && parts[0] == "gated");
    if (!wellFormed)
        json.fail("feed_forward_proj",
                  "expected 'ACT' or 'gated-ACT' (e.g. 'relu', "
                  "'gated-gelu'), got '" +
                      c.feedForwardProj + "'");
    c.gatedAct = parts.size() == 2;
    const auto actName = c.feedForwardProj == "gated-gelu" ? std::string("gelu_new") : parts.back();
    c.act = nn::activationFromName(actName, json.label() + ": key 'feed_forward_proj'");
    return c;
}

std::string T5Config::toString() const {
    std::ostringstream s;
    s << "T5 encoder: " << numLayers << " layers, d_model " << dModel << ", " << numHeads
      << " heads of " << dKv << ", d_ff " << dFf << " (" << feedForwardProj << "), vocab "
      << vocabSize << ", " << relativeAttentionNumBuckets << " position buckets";
    return s.str();
}

// ---- layers ---------------------------------------------------------------------------------

T5LayerNormImpl::T5LayerNormImpl(std::int64_t width, double eps) : m_eps(eps) {
    weight = register_parameter("weight", at::empty({width}));
    if (nn::initialisesWeights()) {
        at::NoGradGuard noGrad;
        weight.fill_(1);
    }
}

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
    const auto variance = x.to(at::kFloat).pow(2).mean(-1, true);
    auto h = x * at::rsqrt(variance + m_eps);
    if (isHalf(weight.scalar_type()))
        h = h.to(weight.scalar_type());
    return weight * h;
}

at::Tensor t5RelativePositionBucket(const at::Tensor& relativePosition,
                                    std::int64_t numBuckets,
                                    std::int64_t maxDistance) {
    const auto half = numBuckets / 2;
    auto buckets = relativePosition.gt(0).to(at::kLong) * half;
    const auto distance = relativePosition.abs();
    const auto maxExact = half / 2;
    const auto isSmall = distance.lt(maxExact);
    // float32 arithmetic, as transformers does it; log(0) is masked out by isSmall.
    auto large = (at::log(distance.to(at::kFloat) / static_cast<double>(maxExact)) /
                  std::log(static_cast<double>(maxDistance) / static_cast<double>(maxExact)) *
                  static_cast<double>(half - maxExact))
                     .to(at::kLong) +
                 maxExact;
    large = at::clamp_max(large, half - 1);
    return buckets + at::where(isSmall, distance, large);
}

T5AttentionImpl::T5AttentionImpl(const T5Config& c, bool hasRelativeAttentionBias) : m_config(c) {
    const auto inner = c.innerDim();
    q = register_module("q", nn::linear(c.dModel, inner, false));
    k = register_module("k", nn::linear(c.dModel, inner, false));
    v = register_module("v", nn::linear(c.dModel, inner, false));
    o = register_module("o", nn::linear(inner, c.dModel, false));
    if (hasRelativeAttentionBias)
        relative_attention_bias = register_module(
            "relative_attention_bias", nn::Embedding(c.relativeAttentionNumBuckets, c.numHeads));
}

at::Tensor T5AttentionImpl::positionBias(std::int64_t length, c10::Device device) const {
    if (relative_attention_bias.is_empty())
        throw EngineError(ErrorCode::InvalidArgument,
                          "T5: only the first block holds relative_attention_bias");
    const auto positions = at::arange(length, at::TensorOptions().device(device).dtype(at::kLong));
    const auto relative = positions.unsqueeze(0) - positions.unsqueeze(1);  // key − query
    const auto buckets = t5RelativePositionBucket(relative, m_config.relativeAttentionNumBuckets,
                                                  m_config.relativeAttentionMaxDistance);
    return at::embedding(relative_attention_bias->weight, buckets).permute({2, 0, 1}).unsqueeze(0);
}

at::Tensor T5AttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
    const auto B = x.size(0), L = x.size(1), H = m_config.numHeads, D = m_config.dKv;
    const auto heads = [&](const at::Tensor& t) { return t.view({B, L, H, D}).transpose(1, 2); };
    const auto qh = heads(q(x)), kh = heads(k(x)), vh = heads(v(x));
    // No 1/√d scaling (T5 folds it into the initialisation); the position bias (and padding) as
    // an additive mask. transformers 5 runs this through SDPA too: scores, softmax and the
    // weighted sum accumulate in float32 for half-precision inputs.
    const auto out = shim::sdpa(qh, kh, vh, bias.to(qh.scalar_type()), false, 1.0)
                         .transpose(1, 2)
                         .reshape({B, L, H * D});
    return o(out);
}

T5LayerSelfAttentionImpl::T5LayerSelfAttentionImpl(const T5Config& c,
                                                   bool hasRelativeAttentionBias) {
    SelfAttention = register_module("SelfAttention", T5Attention(c, hasRelativeAttentionBias));
    layer_norm = register_module("layer_norm", T5LayerNorm(c.dModel, c.layerNormEpsilon));
}

at::Tensor T5LayerSelfAttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
    return x + SelfAttention->forward(layer_norm(x), bias);
}

T5DenseImpl::T5DenseImpl(const T5Config& c) : m_act(c.act) {
    if (c.gatedAct) {
        wi_0 = register_module("wi_0", nn::linear(c.dModel, c.dFf, false));
        wi_1 = register_module("wi_1", nn::linear(c.dModel, c.dFf, false));
    } else {
        wi = register_module("wi", nn::linear(c.dModel, c.dFf, false));
    }
    wo = register_module("wo", nn::linear(c.dFf, c.dModel, false));
}

at::Tensor T5DenseImpl::forward(const at::Tensor& x) {
    auto h = wi.is_empty() ? nn::activate(wi_0(x), m_act) * wi_1(x) : nn::activate(wi(x), m_act);
    // wo may be kept in float32 (see the header): its input follows it.
    if (h.scalar_type() != wo->weight.scalar_type())
        h = h.to(wo->weight.scalar_type());
    return wo(h);
}

T5LayerFFImpl::T5LayerFFImpl(const T5Config& c) {
    DenseReluDense = register_module("DenseReluDense", T5Dense(c));
    layer_norm = register_module("layer_norm", T5LayerNorm(c.dModel, c.layerNormEpsilon));
}

at::Tensor T5LayerFFImpl::forward(const at::Tensor& x) {
    return x + DenseReluDense(layer_norm(x));
}

T5BlockImpl::T5BlockImpl(const T5Config& c, bool hasRelativeAttentionBias) {
    layer = register_module("layer", torch::nn::ModuleList());
    m_attention = T5LayerSelfAttention(c, hasRelativeAttentionBias);
    m_ff = T5LayerFF(c);
    layer->push_back(m_attention);
    layer->push_back(m_ff);
}

at::Tensor T5BlockImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
    const auto h = clampHalf(m_attention->forward(x, bias));
    return clampHalf(m_ff->forward(h));
}

T5StackImpl::T5StackImpl(const T5Config& c) {
    block = register_module("block", torch::nn::ModuleList());
    for (const auto i : c10::irange(c.numLayers)) {
        m_blocks.emplace_back(c, i == 0);
        block->push_back(m_blocks.back());
    }
    final_layer_norm =
        register_module("final_layer_norm", T5LayerNorm(c.dModel, c.layerNormEpsilon));
}

at::Tensor T5StackImpl::forward(const at::Tensor& embeddings,
                                const std::optional<at::Tensor>& attentionMask) {
    const auto L = embeddings.size(1);
    auto bias =
        m_blocks.front()->selfAttention()->SelfAttention->positionBias(L, embeddings.device());
    if (attentionMask) {
        // Padding keys get the dtype's lowest value, added to the position bias, in the
        // embeddings' dtype, as transformers builds its extended mask.
        const auto dtype = embeddings.scalar_type();
        const auto keep = attentionMask->to(embeddings.device(), dtype).view({-1, 1, 1, L});
        bias = bias + (1.0 - keep) * lowestOf(dtype);
    }
    auto x = embeddings;
    for (auto& b : m_blocks)
        x = b->forward(x, bias);
    return final_layer_norm(x);
}

T5EncoderModelImpl::T5EncoderModelImpl(const T5Config& c) : m_config(c) {
    shared = register_module("shared", nn::Embedding(c.vocabSize, c.dModel));
    encoder = register_module("encoder", T5Stack(c));
}

at::Tensor T5EncoderModelImpl::forward(const at::Tensor& inputIds,
                                       const std::optional<at::Tensor>& attentionMask) {
    if (inputIds.dim() != 2 || inputIds.scalar_type() != at::kLong || inputIds.size(1) < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          "T5: input_ids must be a (batch, tokens) int64 tensor");
    const auto lo = inputIds.min().item<std::int64_t>(), hi = inputIds.max().item<std::int64_t>();
    if (lo < 0 || hi >= m_config.vocabSize)
        throw EngineError(ErrorCode::InvalidArgument, "T5: token id " +
                                                          std::to_string(lo < 0 ? lo : hi) +
                                                          " is outside the vocabulary of " +
                                                          std::to_string(m_config.vocabSize));
    if (attentionMask && attentionMask->sizes() != inputIds.sizes())
        throw EngineError(ErrorCode::InvalidArgument,
                          "T5: attention_mask " + str::shape(attentionMask->sizes().vec()) +
                              " does not match input_ids " + str::shape(inputIds.sizes().vec()));
    const auto ids = inputIds.to(shared->weight.device());
    return encoder->forward(shared(ids), attentionMask);
}

T5EncoderModel loadT5EncoderModel(const std::filesystem::path& path,
                                  const std::string& variant,
                                  const DeviceChoice& target) {
    const auto dir = componentFolder(path, "text_encoder");
    JsonConfig::load(dir / "config.json")
        .requireClass("model_type", {"t5"},
                      "a T5EncoderModel (Latte's and CogVideoX's text encoder)");
    const auto config = T5Config::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<T5EncoderModel>(config);
    auto options = BindOptions::onto(target.device, target.dtype);
    // The token embedding is tied: files hold shared.weight, encoder.embed_tokens.weight or both.
    if (weights.contains(kShared)) {
        if (weights.contains(kEmbedTokens))
            options.tiedCopies.insert(kEmbedTokens);
    } else {
        options.rename = [](const std::string& key) {
            return key == kEmbedTokens ? std::string(kShared) : key;
        };
    }
    bindWeights(*model, weights, options);
    if (target.dtype == at::kHalf) {
        at::NoGradGuard noGrad;
        for (auto& item : model->named_parameters()) {
            const auto& name = item.key();
            if (name.size() >= 10 && name.compare(name.size() - 10, 10, ".wo.weight") == 0)
                item.value().set_data(
                    viewTensor(weights, name).to(target.device, at::kFloat, false, true));
        }
    }
    model->eval();
    return model;
}

}  // namespace mp::models
