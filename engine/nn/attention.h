#pragma once
// diffusers' attention building blocks with their checkpoint names: `Attention` (to_q, to_k,
// to_v, to_out.0, optional group_norm), `FeedForward` (net.0.proj, net.2) with GEGLU or GELU, and
// the layer-norm `BasicTransformerBlock` (norm1, attn1, norm2, attn2, norm3, ff).

#include "nn/functional.h"
#include "nn/layers.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <cstdint>
#include <optional>

namespace mp::nn {

struct AttentionOptions {
    std::int64_t queryDim = 0;
    std::int64_t crossAttentionDim = 0;  // 0: keys and values come from the query input
    std::int64_t heads = 8;
    std::int64_t headDim = 64;
    bool bias = false;                 // on to_q, to_k, to_v
    bool outBias = true;               // on to_out.0
    std::int64_t groupNormGroups = 0;  // > 0: a GroupNorm on the input (the VAE's mid block)
    double groupNormEps = 1e-6;
};

class AttentionImpl : public torch::nn::Module {
public:
    explicit AttentionImpl(const AttentionOptions& options);
    // x (N, Lq, queryDim); context (N', Lk, crossDim) or none for self-attention. With
    // `contextRepeat` > 1 the context holds one row per group of that many queries: keys and
    // values are projected once per row and repeated (what diffusers gets by repeat_interleave
    // before the projection, at a fraction of the cost). `keyMask` (N', Lk) bool, true = attend:
    // the context's padding left out (one row per context row, repeated like the context).
    at::Tensor forward(const at::Tensor& x,
                       const std::optional<at::Tensor>& context = std::nullopt,
                       std::int64_t contextRepeat = 1,
                       const std::optional<at::Tensor>& keyMask = std::nullopt);
    // The VAE's spatial self-attention: (B, C, H, W) in and out, group_norm first, residual added.
    at::Tensor forwardSpatial(const at::Tensor& x);

    AdaptableLinear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out{nullptr};
    GroupNorm group_norm{nullptr};

private:
    AdaptableLinear m_out{nullptr};
    std::int64_t m_heads;
};
TORCH_MODULE(Attention);

enum class FeedForwardKind { Geglu, Gelu, GeluTanh };

// net.0 of a FeedForward: `proj` followed by the activation (GEGLU splits proj's output in
// [hidden, gate] and returns hidden·gelu(gate)).
class FeedForwardInImpl : public torch::nn::Module {
public:
    FeedForwardInImpl(std::int64_t dim, std::int64_t inner, FeedForwardKind kind, bool bias);
    at::Tensor forward(const at::Tensor& x);
    AdaptableLinear proj{nullptr};

private:
    FeedForwardKind m_kind;
};
TORCH_MODULE(FeedForwardIn);

class FeedForwardImpl : public torch::nn::Module {
public:
    // inner defaults to 4·dim; net = [net.0 (proj + activation), dropout, Linear(inner, dim)].
    FeedForwardImpl(std::int64_t dim,
                    FeedForwardKind kind,
                    std::int64_t inner = 0,
                    bool bias = true);
    at::Tensor forward(const at::Tensor& x);
    torch::nn::ModuleList net{nullptr};

private:
    FeedForwardIn m_in{nullptr};
    AdaptableLinear m_out{nullptr};
};
TORCH_MODULE(FeedForward);

struct TransformerBlockOptions {
    std::int64_t dim = 0;
    std::int64_t heads = 8;
    std::int64_t headDim = 64;
    std::int64_t crossAttentionDim = 0;  // attn2 keys/values from the context
    bool doubleSelfAttention = false;    // attn2 is a second self-attention (temporal blocks)
    bool attentionBias = false;
    double normEps = 1e-5;
    FeedForwardKind ff = FeedForwardKind::Geglu;
};

// BasicTransformerBlock with norm_type "layer_norm":
//   x += attn1(norm1(x)); x += attn2(norm2(x), context); x += ff(norm3(x)).
class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    explicit BasicTransformerBlockImpl(const TransformerBlockOptions& options);
    at::Tensor forward(const at::Tensor& x,
                       const std::optional<at::Tensor>& context = std::nullopt,
                       std::int64_t contextRepeat = 1);
    LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    Attention attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};

private:
    bool m_crossAttention;
};
TORCH_MODULE(BasicTransformerBlock);

}  // namespace mp::nn
