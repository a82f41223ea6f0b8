#pragma once
// transformers' T5EncoderModel (the text encoder of Latte and CogVideoX: t5-v1_1-xxl), driven by
// its config.json. Module names equal checkpoint keys (shared.weight,
// encoder.block.N.layer.0.SelfAttention.q.weight, ...), so weights bind strictly by name.
//
// What sets T5 apart from the CLIP towers: pre-norm RMS norms (no mean, no bias, statistics in
// float32), no 1/√d scaling of the attention scores, a learned relative position bias computed
// once by block 0 and shared by every block, and a gated feed-forward. In fp16 the feed-forward's
// output projection `wo` stays in float32 against overflow (transformers 4's
// `_keep_in_fp32_modules`; the residual stream follows it into float32 by type promotion, as in
// PyTorch); in bf16 everything is bf16, as transformers 5 loads it.

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

struct T5Config {
    std::int64_t vocabSize = 32128;
    std::int64_t dModel = 512;
    std::int64_t dKv = 64;
    std::int64_t dFf = 2048;
    std::int64_t numLayers = 6;
    std::int64_t numHeads = 8;
    std::int64_t relativeAttentionNumBuckets = 32;
    std::int64_t relativeAttentionMaxDistance = 128;
    double layerNormEpsilon = 1e-6;
    std::string feedForwardProj = "relu";  // "relu", "gated-gelu", "gated-silu", ...
    bool gatedAct = false;                 // "gated-…"
    nn::Activation act = nn::Activation::Relu;

    // config.json of a T5EncoderModel (or T5 model) folder. Throws EngineError{Config} naming the
    // file and key.
    static T5Config fromFile(const std::filesystem::path& path);
    std::string toString() const;
    std::int64_t innerDim() const { return numHeads * dKv; }
};

// T5LayerNorm: x / √(mean(x²) + ε) · weight, the statistics in float32; the result is cast to
// the weight's dtype when that is half precision.
class T5LayerNormImpl : public torch::nn::Module {
public:
    T5LayerNormImpl(std::int64_t width, double eps);
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight;

private:
    double m_eps;
};
TORCH_MODULE(T5LayerNorm);

class T5AttentionImpl : public torch::nn::Module {
public:
    T5AttentionImpl(const T5Config& config, bool hasRelativeAttentionBias);
    // x (B, L, d_model); bias (B or 1, heads, L, L): the position bias plus the padding mask.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
    // The bidirectional position bias (1, heads, L, L) from relative_attention_bias.
    at::Tensor positionBias(std::int64_t length, c10::Device device) const;
    nn::AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
    nn::Embedding relative_attention_bias{nullptr};  // block 0 only

private:
    T5Config m_config;
};
TORCH_MODULE(T5Attention);

// The bucket of each relative position (key − query) as transformers computes it for a
// bidirectional encoder: half the buckets per direction, exact below half of those, then
// logarithmic up to max_distance.
at::Tensor t5RelativePositionBucket(const at::Tensor& relativePosition,
                                    std::int64_t numBuckets,
                                    std::int64_t maxDistance);

class T5LayerSelfAttentionImpl : public torch::nn::Module {
public:
    T5LayerSelfAttentionImpl(const T5Config& config, bool hasRelativeAttentionBias);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
    T5Attention SelfAttention{nullptr};
    T5LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(T5LayerSelfAttention);

// DenseReluDense: wi → act → wo, or gated: act(wi_0 x) · wi_1 x → wo.
class T5DenseImpl : public torch::nn::Module {
public:
    explicit T5DenseImpl(const T5Config& config);
    at::Tensor forward(const at::Tensor& x);
    nn::AdaptableLinear wi{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};

private:
    nn::Activation m_act;
};
TORCH_MODULE(T5Dense);

class T5LayerFFImpl : public torch::nn::Module {
public:
    explicit T5LayerFFImpl(const T5Config& config);
    at::Tensor forward(const at::Tensor& x);
    T5Dense DenseReluDense{nullptr};
    T5LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(T5LayerFF);

class T5BlockImpl : public torch::nn::Module {
public:
    T5BlockImpl(const T5Config& config, bool hasRelativeAttentionBias);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
    torch::nn::ModuleList layer{nullptr};  // [T5LayerSelfAttention, T5LayerFF]
    T5LayerSelfAttention selfAttention() const { return m_attention; }

private:
    T5LayerSelfAttention m_attention{nullptr};
    T5LayerFF m_ff{nullptr};
};
TORCH_MODULE(T5Block);

class T5StackImpl : public torch::nn::Module {
public:
    explicit T5StackImpl(const T5Config& config);
    // embeddings (B, L, d_model); attentionMask (B, L), 1 = real token, or none.
    at::Tensor forward(const at::Tensor& embeddings,
                       const std::optional<at::Tensor>& attentionMask);
    torch::nn::ModuleList block{nullptr};
    T5LayerNorm final_layer_norm{nullptr};

private:
    std::vector<T5Block> m_blocks;
};
TORCH_MODULE(T5Stack);

// The top module: `shared` (the token embedding; encoder.embed_tokens is tied to it) and
// `encoder`.
class T5EncoderModelImpl : public torch::nn::Module {
public:
    explicit T5EncoderModelImpl(const T5Config& config);
    // inputIds (B, L) int64; attentionMask (B, L) optional (1 = real token, 0 = padding: keys
    // masked out). Returns last_hidden_state (B, L, d_model), after final_layer_norm.
    at::Tensor forward(const at::Tensor& inputIds,
                       const std::optional<at::Tensor>& attentionMask = std::nullopt);
    const T5Config& config() const { return m_config; }

    nn::Embedding shared{nullptr};
    T5Stack encoder{nullptr};

private:
    T5Config m_config;
};
TORCH_MODULE(T5EncoderModel);

// Builds the model from a folder (config.json + model.safetensors, or sharded/variant weights:
// the text_encoder of a Latte or CogVideoX pipeline, or a pipeline folder) and binds the weights
// strictly. The token embedding may be stored as shared.weight, encoder.embed_tokens.weight or
// both (tied copies). Built uninitialised and bound onto target's device and dtype; `wo` stays
// in float32 for fp16 targets.
T5EncoderModel loadT5EncoderModel(const std::filesystem::path& dir,
                                  const std::string& variant = {},
                                  const DeviceChoice& target = {});

}  // namespace mp::models
