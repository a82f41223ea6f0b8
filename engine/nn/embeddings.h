#pragma once
// diffusers' timestep embeddings: the sinusoid (`get_timestep_embedding`, module `Timesteps`) and
// the MLP on top of it (`TimestepEmbedding`: linear_1, activation, linear_2).

#include "nn/functional.h"

#include "nn/layers.h"

#include <torch/nn/module.h>

#include <cstdint>

namespace mp::nn {

struct SinusoidOptions {
    std::int64_t dim = 320;
    bool flipSinToCos = true;         // [cos, sin] instead of [sin, cos]
    double downscaleFreqShift = 0.0;  // frequencies exp(−ln(maxPeriod)·i/(dim/2 − shift))
    double scale = 1.0;
    double maxPeriod = 10000.0;
};

// timesteps (N,) of any numeric dtype → (N, dim) float32, with diffusers' op order and dtypes.
at::Tensor sinusoidalEmbedding(const at::Tensor& timesteps, const SinusoidOptions& options);

class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(std::int64_t in,
                          std::int64_t out,
                          nn::Activation act = nn::Activation::Silu);
    at::Tensor forward(const at::Tensor& x);
    Linear linear_1{nullptr}, linear_2{nullptr};

private:
    nn::Activation m_act;
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace mp::nn
