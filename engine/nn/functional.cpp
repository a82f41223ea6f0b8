#include "nn/functional.h"

#include "core/error.h"
#include "runtime/torch_shim.h"

#include <ATen/ATen.h>

#include <limits>

namespace mp::nn {

Activation activationFromName(const std::string& name, const std::string& where) {
    if (name == "quick_gelu")
        return Activation::QuickGelu;
    if (name == "gelu")
        return Activation::Gelu;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu-approximate")
        return Activation::GeluTanh;
    if (name == "silu" || name == "swish")
        return Activation::Silu;
    if (name == "relu")
        return Activation::Relu;
    throw EngineError(ErrorCode::Config, where + ": activation '" + name +
                                             "' is not supported (expected quick_gelu, gelu, "
                                             "gelu_new, gelu_pytorch_tanh, silu or relu)");
}

at::Tensor activate(const at::Tensor& x, Activation activation) {
    switch (activation) {
        case Activation::QuickGelu:
            return x * at::sigmoid(x * 1.702);
        case Activation::Gelu:
            return at::gelu(x);
        case Activation::GeluTanh:
            return at::gelu(x, "tanh");
        case Activation::Silu:
            return at::silu(x);
        case Activation::Relu:
            return at::relu(x);
    }
    return x;
}

at::Tensor repeatRows(const at::Tensor& x, std::int64_t times) {
    if (times == 1)
        return x;
    auto sizes = x.sizes().vec();
    auto expanded = sizes;
    expanded.insert(expanded.begin() + 1, times);
    sizes[0] *= times;
    return x.unsqueeze(1).expand(expanded).reshape(sizes);
}

at::Tensor attentionMask(const at::Tensor& keyPadding, std::int64_t queries, bool causal) {
    const auto B = keyPadding.size(0), Lk = keyPadding.size(1);
    auto allowed = keyPadding.to(at::kBool).view({B, 1, 1, Lk}).expand({B, 1, queries, Lk});
    if (causal)
        allowed = allowed.logical_and(at::ones({queries, Lk}, keyPadding.options().dtype(at::kBool))
                                          .tril()
                                          .view({1, 1, queries, Lk}));
    return allowed;
}

at::Tensor multiHeadAttention(const at::Tensor& q,
                              const at::Tensor& k,
                              const at::Tensor& v,
                              int heads,
                              bool causal,
                              const std::optional<at::Tensor>& mask) {
    const auto B = q.size(0), Lq = q.size(1), Lk = k.size(1), C = q.size(2);
    if (heads <= 0 || C % heads != 0)
        throw EngineError(ErrorCode::InvalidArgument, "attention: " + std::to_string(C) +
                                                          " channels do not split into " +
                                                          std::to_string(heads) + " heads");
    const auto D = C / heads;
    auto split = [&](const at::Tensor& t, std::int64_t L) {
        return t.view({B, L, heads, D}).transpose(1, 2);
    };
    // SDPA takes either is_causal or a mask; attentionMask() folds the causal rule into the mask.
    auto out = shim::sdpa(split(q, Lq), split(k, Lk), split(v, Lk), mask, causal && !mask);
    return out.transpose(1, 2).reshape({B, Lq, C});
}

}  // namespace mp::nn
