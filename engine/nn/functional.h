#pragma once
// Building blocks shared by text encoders and denoisers: activations by config name and
// multi-head attention on (batch, tokens, channels) tensors through the SDPA shim.

#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

namespace mp::nn {

enum class Activation { QuickGelu, Gelu, GeluTanh, Silu, Relu };

// Config names as transformers/diffusers write them: "quick_gelu", "gelu", "gelu_new",
// "gelu_pytorch_tanh", "gelu-approximate", "silu"/"swish", "relu". Throws EngineError{Config}
// naming `where` for anything else.
Activation activationFromName(const std::string& name, const std::string& where);
at::Tensor activate(const at::Tensor& x, Activation activation);

// q, k, v: (B, Lq|Lk, heads·headDim) → (B, Lq, heads·headDim). `keyPadding` (B, Lk) with 1 for
// real tokens masks the rest; `causal` lets token i see tokens ≤ i. Scale 1/√headDim.
at::Tensor multiHeadAttention(const at::Tensor& q,
                              const at::Tensor& k,
                              const at::Tensor& v,
                              int heads,
                              bool causal = false,
                              const std::optional<at::Tensor>& keyPadding = std::nullopt);

}  // namespace mp::nn
