#pragma once
// transformers' CLIPTextModel / CLIPTextModelWithProjection, driven by its config.json. Module
// names equal checkpoint keys (text_model.encoder.layers.N.self_attn.q_proj.weight, ...), so
// weights bind strictly by name. The ModelScope pipeline uses last_hidden_state; the metrics use
// the pooled EOS output through text_projection.

#include "core/error.h"
#include "io/config.h"
#include "nn/functional.h"
#include "nn/layers.h"
#include "runtime/device.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mp::models {

// What one transformer layer of a CLIP tower needs; the text tower is causal, the vision tower
// (metrics/) is not. Both towers share these layer modules.
struct ClipLayerOptions {
    std::int64_t hiddenSize = 512;
    std::int64_t intermediateSize = 2048;
    std::int64_t numAttentionHeads = 8;
    std::int64_t numHiddenLayers = 12;
    nn::Activation act = nn::Activation::QuickGelu;
    double layerNormEps = 1e-5;
    bool causal = true;
};

// The shape both CLIP tower configs share (the text tower here, the vision tower in metrics/).
struct ClipTowerShape {
    std::int64_t hiddenSize = 512;
    std::int64_t intermediateSize = 2048;
    std::int64_t numHiddenLayers = 12;
    std::int64_t numAttentionHeads = 8;
    nn::Activation hiddenAct = nn::Activation::QuickGelu;
    std::string hiddenActName = "quick_gelu";
    double layerNormEps = 1e-5;

    // hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, hidden_act and
    // layer_norm_eps over the current values, range-checked. Throws EngineError{Config} naming
    // the file and key.
    void readShape(const JsonConfig& json);
    ClipLayerOptions layerOptions(bool causal) const;
};

// A CLIPModel config.json nests each tower under `key` ("text_config", "vision_config"); a
// tower's own config.json is the tower itself.
JsonConfig clipTowerConfig(const std::filesystem::path& path, const char* key);

struct ClipTextConfig : ClipTowerShape {
    std::int64_t vocabSize = 49408;
    std::int64_t projectionDim = 512;
    std::int64_t maxPositionEmbeddings = 77;
    std::int64_t eosTokenId = 49407;  // 2 selects the legacy argmax pooling

    // config.json of a CLIPTextModel(WithProjection) folder, or the "text_config" of a
    // CLIPModel's. Throws EngineError{Config} naming the file and key.
    static ClipTextConfig fromFile(const std::filesystem::path& path);
    std::string toString() const;
    ClipLayerOptions layerOptions() const { return ClipTowerShape::layerOptions(true); }
};

struct ClipTextOutput {
    at::Tensor lastHiddenState;  // (B, L, hidden), after final_layer_norm
    at::Tensor pooled;           // (B, hidden): the EOS token's state
    at::Tensor textEmbeds;       // (B, projection) with a projection, else undefined
};

class ClipAttentionImpl : public torch::nn::Module {
public:
    explicit ClipAttentionImpl(const ClipLayerOptions& options);
    // `mask`: nn::attentionMask() of the padding with the causal rule, or none (causal only).
    at::Tensor forward(const at::Tensor& x, const std::optional<at::Tensor>& mask);
    nn::AdaptableLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};

private:
    int m_heads;
    bool m_causal;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
public:
    explicit ClipMlpImpl(const ClipLayerOptions& options);
    at::Tensor forward(const at::Tensor& x);
    nn::AdaptableLinear fc1{nullptr}, fc2{nullptr};

private:
    nn::Activation m_act;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
public:
    explicit ClipEncoderLayerImpl(const ClipLayerOptions& options);
    at::Tensor forward(const at::Tensor& x, const std::optional<at::Tensor>& mask);
    ClipAttention self_attn{nullptr};
    nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
    ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipTextEmbeddingsImpl : public torch::nn::Module {
public:
    explicit ClipTextEmbeddingsImpl(const ClipTextConfig& config);
    at::Tensor forward(const at::Tensor& inputIds);
    nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(ClipTextEmbeddings);

class ClipEncoderImpl : public torch::nn::Module {
public:
    explicit ClipEncoderImpl(const ClipLayerOptions& options);
    at::Tensor forward(at::Tensor x, const std::optional<at::Tensor>& mask = std::nullopt);
    torch::nn::ModuleList layers{nullptr};

private:
    std::vector<ClipEncoderLayer> m_layers;
};
TORCH_MODULE(ClipEncoder);

class ClipTextTransformerImpl : public torch::nn::Module {
public:
    explicit ClipTextTransformerImpl(const ClipTextConfig& config);
    // last_hidden_state and the pooled EOS state (see ClipTextModelImpl::forward).
    ClipTextOutput forward(const at::Tensor& inputIds,
                           const std::optional<at::Tensor>& attentionMask = std::nullopt);
    ClipTextEmbeddings embeddings{nullptr};
    ClipEncoder encoder{nullptr};
    nn::LayerNorm final_layer_norm{nullptr};

private:
    ClipTextConfig m_config;
};
TORCH_MODULE(ClipTextTransformer);

// The top module: `text_model` plus, with a projection, `text_projection` (no bias).
class ClipTextModelImpl : public torch::nn::Module {
public:
    ClipTextModelImpl(const ClipTextConfig& config, bool withProjection);
    // inputIds (B, L) int64 with L ≤ max_position_embeddings; attentionMask (B, L) optional
    // (1 = real token). The causal mask always applies.
    ClipTextOutput forward(const at::Tensor& inputIds,
                           const std::optional<at::Tensor>& attentionMask = std::nullopt);
    const ClipTextConfig& config() const { return m_config; }
    bool hasProjection() const { return !text_projection.is_empty(); }

    ClipTextTransformer text_model{nullptr};
    nn::AdaptableLinear text_projection{nullptr};

private:
    ClipTextConfig m_config;
};
TORCH_MODULE(ClipTextModel);

// Builds the model from a folder (config.json + model.safetensors or sharded/variant weights)
// and binds the weights strictly. A projection is built when the checkpoint holds
// text_projection.weight. Keys may carry the "text_model." prefix (hub checkpoints) or not
// (transformers 5's CLIPTextModel.save_pretrained). A stale position_ids buffer is accepted.
// Built uninitialised and bound onto target's device and dtype, as loadUNet3D.
ClipTextModel loadClipTextModel(const std::filesystem::path& dir,
                                const std::string& variant = {},
                                const DeviceChoice& target = {});

}  // namespace mp::models
