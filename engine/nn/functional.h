#pragma once
// Building blocks shared by text encoders and denoisers: activations by config name and
// multi-head attention on (batch, tokens, channels) tensors through the SDPA shim.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>

namespace mp::nn {

enum class Activation { QuickGelu, Gelu, GeluTanh, Silu, Relu };

// Config names as transformers/diffusers write them: "quick_gelu", "gelu", "gelu_new",
// "gelu_pytorch_tanh", "gelu-approximate", "silu"/"swish", "relu". Throws EngineError{Config}
// naming `where` for anything else.
Activation activationFromName(const std::string& name, const std::string& where);
at::Tensor activate(const at::Tensor& x, Activation activation);

// x repeated `times` along dim 0, each row kept together: [a, a, b, b] for times 2 (torch's
// repeat_interleave with a constant count, by expand + reshape: no host sync, graph-capturable).
at::Tensor repeatRows(const at::Tensor& x, std::int64_t times);

// A (B, 1, Lq, Lk) boolean mask (true = may attend) from a (B, Lk) key padding mask (1 = real
// token), with the causal rule folded in when asked. Build it once per forward, not per layer.
at::Tensor attentionMask(const at::Tensor& keyPadding, std::int64_t queries, bool causal);

// q, k, v: (B, Lq|Lk, heads·headDim) → (B, Lq, heads·headDim), scale 1/√headDim. Without a mask,
// `causal` lets token i see tokens ≤ i; a mask from attentionMask() already holds that rule.
at::Tensor multiHeadAttention(const at::Tensor& q,
                              const at::Tensor& k,
                              const at::Tensor& v,
                              int heads,
                              bool causal = false,
                              const std::optional<at::Tensor>& mask = std::nullopt);

}  // namespace mp::nn
