#include "models/clip/clip_text.h"

#include "io/config.h"
#include "io/snapshot.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/layers.h"

#include <ATen/ATen.h>

#include <sstream>

namespace mp::models {

namespace {
constexpr const char* kPositionIds = "text_model.embeddings.position_ids";

}  // namespace

void ClipTowerShape::readShape(const JsonConfig& json) {
    hiddenSize = json.getInt("hidden_size", hiddenSize);
    intermediateSize = json.getInt("intermediate_size", intermediateSize);
    numHiddenLayers = json.getInt("num_hidden_layers", numHiddenLayers);
    numAttentionHeads = json.getInt("num_attention_heads", numAttentionHeads);
    hiddenActName = json.getString("hidden_act", hiddenActName);
    hiddenAct = nn::activationFromName(hiddenActName, json.label() + ": key 'hidden_act'");
    layerNormEps = json.getDouble("layer_norm_eps", layerNormEps);
    json.checkRange("hidden_size", hiddenSize, 1, 65536);
    json.checkRange("intermediate_size", intermediateSize, 1, 262144);
    json.checkRange("num_hidden_layers", numHiddenLayers, 1, 1024);
    json.checkRange("num_attention_heads", numAttentionHeads, 1, 1024);
    if (hiddenSize % numAttentionHeads != 0)
        json.fail("num_attention_heads",
                  "must divide hidden_size (" + std::to_string(hiddenSize) + ")");
    if (!(layerNormEps > 0))
        json.fail("layer_norm_eps", "must be positive");
}

ClipLayerOptions ClipTowerShape::layerOptions(bool causal) const {
    ClipLayerOptions o;
    o.hiddenSize = hiddenSize;
    o.intermediateSize = intermediateSize;
    o.numAttentionHeads = numAttentionHeads;
    o.numHiddenLayers = numHiddenLayers;
    o.act = hiddenAct;
    o.layerNormEps = layerNormEps;
    o.causal = causal;
    return o;
}

JsonConfig clipTowerConfig(const std::filesystem::path& path, const char* key) {
    auto file = JsonConfig::load(path);
    if (!file.has(key))
        return file;
    return JsonConfig::parse(file.raw(key).dump(), file.label() + " (" + key + ")");
}

ClipTextConfig ClipTextConfig::fromFile(const std::filesystem::path& path) {
    const auto json = clipTowerConfig(path, "text_config");
    ClipTextConfig c;
    c.readShape(json);
    c.vocabSize = json.getInt("vocab_size", c.vocabSize);
    c.projectionDim = json.getInt("projection_dim", c.projectionDim);
    c.maxPositionEmbeddings = json.getInt("max_position_embeddings", c.maxPositionEmbeddings);
    c.eosTokenId = json.getInt("eos_token_id", c.eosTokenId);
    json.checkRange("vocab_size", c.vocabSize, 1, 10'000'000);
    json.checkRange("projection_dim", c.projectionDim, 1, 65536);
    json.checkRange("max_position_embeddings", c.maxPositionEmbeddings, 1, 65536);
    return c;
}

std::string ClipTextConfig::toString() const {
    std::ostringstream s;
    s << "CLIP text: " << numHiddenLayers << " layers, width " << hiddenSize << ", "
      << numAttentionHeads << " heads, MLP " << intermediateSize << ", " << hiddenActName
      << ", vocab " << vocabSize << ", " << maxPositionEmbeddings << " positions";
    return s.str();
}

ClipAttentionImpl::ClipAttentionImpl(const ClipLayerOptions& c)
    : m_heads(static_cast<int>(c.numAttentionHeads)), m_causal(c.causal) {
    q_proj = register_module("q_proj", nn::linear(c.hiddenSize, c.hiddenSize));
    k_proj = register_module("k_proj", nn::linear(c.hiddenSize, c.hiddenSize));
    v_proj = register_module("v_proj", nn::linear(c.hiddenSize, c.hiddenSize));
    out_proj = register_module("out_proj", nn::linear(c.hiddenSize, c.hiddenSize));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x, const std::optional<at::Tensor>& mask) {
    auto h = nn::multiHeadAttention(q_proj(x), k_proj(x), v_proj(x), m_heads, m_causal, mask);
    return out_proj(h);
}

ClipMlpImpl::ClipMlpImpl(const ClipLayerOptions& c) : m_act(c.act) {
    fc1 = register_module("fc1", nn::linear(c.hiddenSize, c.intermediateSize));
    fc2 = register_module("fc2", nn::linear(c.intermediateSize, c.hiddenSize));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) {
    return fc2(nn::activate(fc1(x), m_act));
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipLayerOptions& c) {
    self_attn = register_module("self_attn", ClipAttention(c));
    layer_norm1 = register_module("layer_norm1", nn::layerNorm(c.hiddenSize, c.layerNormEps));
    mlp = register_module("mlp", ClipMlp(c));
    layer_norm2 = register_module("layer_norm2", nn::layerNorm(c.hiddenSize, c.layerNormEps));
}

at::Tensor ClipEncoderLayerImpl::forward(const at::Tensor& x,
                                         const std::optional<at::Tensor>& mask) {
    auto h = x + self_attn(layer_norm1(x), mask);
    return h + mlp(layer_norm2(h));
}

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTextConfig& c) {
    token_embedding = register_module("token_embedding", nn::Embedding(c.vocabSize, c.hiddenSize));
    position_embedding =
        register_module("position_embedding", nn::Embedding(c.maxPositionEmbeddings, c.hiddenSize));
    // transformers no longer saves it, older checkpoints do; loadClipTextModel accepts both.
    register_buffer("position_ids", at::arange(c.maxPositionEmbeddings).unsqueeze(0));
}

at::Tensor ClipTextEmbeddingsImpl::forward(const at::Tensor& inputIds) {
    const auto L = inputIds.size(1);
    auto positions = at::arange(L, inputIds.options().dtype(at::kLong)).unsqueeze(0);
    return token_embedding(inputIds) + position_embedding(positions);
}

ClipEncoderImpl::ClipEncoderImpl(const ClipLayerOptions& c) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < c.numHiddenLayers; ++i) {
        m_layers.emplace_back(c);
        layers->push_back(m_layers.back());
    }
}

at::Tensor ClipEncoderImpl::forward(at::Tensor x, const std::optional<at::Tensor>& mask) {
    for (auto& layer : m_layers)
        x = layer->forward(x, mask);
    return x;
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTextConfig& c) : m_config(c) {
    embeddings = register_module("embeddings", ClipTextEmbeddings(c));
    encoder = register_module("encoder", ClipEncoder(c.layerOptions()));
    final_layer_norm =
        register_module("final_layer_norm", nn::layerNorm(c.hiddenSize, c.layerNormEps));
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& c, bool withProjection) : m_config(c) {
    text_model = register_module("text_model", ClipTextTransformer(c));
    if (withProjection)
        text_projection =
            register_module("text_projection", nn::linear(c.hiddenSize, c.projectionDim, false));
}

ClipTextOutput ClipTextModelImpl::forward(const at::Tensor& inputIds,
                                          const std::optional<at::Tensor>& attentionMask) {
    auto out = text_model->forward(inputIds, attentionMask);
    if (hasProjection())
        out.textEmbeds = text_projection(out.pooled);
    return out;
}

ClipTextOutput ClipTextTransformerImpl::forward(const at::Tensor& inputIds,
                                                const std::optional<at::Tensor>& attentionMask) {
    if (inputIds.dim() != 2 || inputIds.scalar_type() != at::kLong)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CLIP text: input_ids must be a (batch, tokens) int64 tensor");
    const auto L = inputIds.size(1);
    if (L < 1 || L > m_config.maxPositionEmbeddings)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CLIP text: " + std::to_string(L) + " tokens, but the model has " +
                              std::to_string(m_config.maxPositionEmbeddings) + " positions");
    const auto maxId = inputIds.max().item<std::int64_t>();
    if (inputIds.min().item<std::int64_t>() < 0 || maxId >= m_config.vocabSize)
        throw EngineError(ErrorCode::InvalidArgument, "CLIP text: token id " +
                                                          std::to_string(maxId) +
                                                          " is outside the vocabulary of " +
                                                          std::to_string(m_config.vocabSize));
    if (attentionMask && attentionMask->sizes() != inputIds.sizes())
        throw EngineError(ErrorCode::InvalidArgument,
                          "CLIP text: attention_mask must have input_ids' shape");

    auto h = embeddings(inputIds);
    std::optional<at::Tensor> mask;
    if (attentionMask)
        mask = nn::attentionMask(*attentionMask, L, /*causal=*/true);
    h = encoder->forward(h, mask);
    ClipTextOutput out;
    out.lastHiddenState = final_layer_norm(h);
    // transformers: legacy configs (eos_token_id 2) pool at the largest id; others at the first
    // eos_token_id (position 0 when a row has none).
    const auto eosIndex = m_config.eosTokenId == 2
                              ? inputIds.argmax(-1)
                              : (inputIds == m_config.eosTokenId).to(at::kInt).argmax(-1);
    out.pooled = out.lastHiddenState.index(
        {at::arange(inputIds.size(0), inputIds.options().dtype(at::kLong)), eosIndex});
    return out;
}

ClipTextModel loadClipTextModel(const std::filesystem::path& path,
                                const std::string& variant,
                                const DeviceChoice& target) {
    const auto dir = componentFolder(path, "text_encoder");
    JsonConfig::load(dir / "config.json")
        .requireClass("model_type", {"clip_text_model", "clip"},
                      "a CLIPTextModel (this build's text encoders are CLIP's; T5 comes with the "
                      "Latte and CogVideoX families)");
    const auto config = ClipTextConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    // Hub checkpoints name the tower "text_model.…"; transformers 5 saves a plain CLIPTextModel
    // without that prefix. Both bind strictly, each onto the module it names.
    const bool bare = !weights.contains("text_model.final_layer_norm.weight") &&
                      weights.contains("final_layer_norm.weight");
    auto model = nn::buildUninitialised<ClipTextModel>(
        config, !bare && weights.contains("text_projection.weight"));
    const std::string positionIds = bare ? "embeddings.position_ids" : kPositionIds;
    auto options = BindOptions::onto(target.device, target.dtype);
    if (!weights.contains(positionIds))
        options.notInCheckpoint.insert(positionIds);
    if (bare)
        bindWeights(*model->text_model, weights, options);
    else
        bindWeights(*model, weights, options);
    model->eval();
    return model;
}

}  // namespace mp::models
