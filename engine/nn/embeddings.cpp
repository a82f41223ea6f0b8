#include "nn/embeddings.h"

#include <ATen/ATen.h>

#include <cmath>

namespace mp::nn {

at::Tensor sinusoidalEmbedding(const at::Tensor& timesteps, const SinusoidOptions& o) {
    const auto half = o.dim / 2;
    // float32 throughout, scalars applied as diffusers applies them (rounded to float32 by the op).
    auto exponent =
        at::arange(0, half, timesteps.options().dtype(at::kFloat)) * (-std::log(o.maxPeriod));
    exponent = exponent / (static_cast<double>(half) - o.downscaleFreqShift);
    auto emb = timesteps.view({-1, 1}).to(at::kFloat) * exponent.exp().unsqueeze(0);
    if (o.scale != 1.0)
        emb = emb * o.scale;
    emb =
        o.flipSinToCos ? at::cat({emb.cos(), emb.sin()}, -1) : at::cat({emb.sin(), emb.cos()}, -1);
    if (o.dim % 2 == 1)
        emb = at::constant_pad_nd(emb, {0, 1});
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(std::int64_t in, std::int64_t out, nn::Activation act)
    : m_act(act) {
    linear_1 = register_module("linear_1", Linear(in, out));
    linear_2 = register_module("linear_2", Linear(out, out));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& x) {
    return linear_2(nn::activate(linear_1(x), m_act));
}

}  // namespace mp::nn
