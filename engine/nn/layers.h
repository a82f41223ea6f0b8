#pragma once
// The torch layers every family builds, as our own modules with torch's parameter names and
// initialisation, so that a model file says what a layer is and so that a model about to be
// filled from a checkpoint can skip drawing initial weights: inside an UninitialisedScope the
// parameters are allocated but never written, which commits no memory for them and costs no
// time (a full-size UNet3D drew 1.4 B random numbers and wrote 5.6 GB before, ≈ 9 s on two
// cores, for weights the checkpoint then replaced).

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace mp::nn {

// While one is alive on this thread, the layers below leave their parameters uninitialised.
class UninitialisedScope {
public:
    UninitialisedScope();
    ~UninitialisedScope();
    UninitialisedScope(const UninitialisedScope&) = delete;
    UninitialisedScope& operator=(const UninitialisedScope&) = delete;

private:
    bool m_previous;
};
bool initialisesWeights();  // false inside an UninitialisedScope

// A module built in an UninitialisedScope, for a checkpoint to fill.
template <class Module, class... Args>
Module buildUninitialised(Args&&... args) {
    UninitialisedScope uninitialised;
    return Module(std::forward<Args>(args)...);
}

// torch::nn::Linear's parameters (weight (out, in), bias (out)) and initialisation (Kaiming
// uniform with a = √5, bias uniform ±1/√in), drawn in the same order from the same generator.
class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(std::int64_t in, std::int64_t out, bool bias = true);
    at::Tensor forward(const at::Tensor& x);
    std::int64_t inFeatures() const { return weight.size(1); }
    std::int64_t outFeatures() const { return weight.size(0); }
    at::Tensor weight, bias;  // bias undefined without one
};
TORCH_MODULE(Linear);

// A Linear with one addition: while `branch` is set, forward returns W x + b + branch(x).
// An adapter applied unmerged (a LoRA with dropout on its input, as peft computes it) lives
// there; merged adapters rewrite the weight instead. The weight keeps its checkpoint name.
class AdaptableLinearImpl : public LinearImpl {
public:
    using LinearImpl::LinearImpl;
    at::Tensor forward(const at::Tensor& x);
    std::function<at::Tensor(const at::Tensor&)> branch;
};
TORCH_MODULE(AdaptableLinear);

// Convolutions with zero padding, torch's ConvNd initialisation (as Linear's over the fan-in).
class Conv2dImpl : public torch::nn::Module {
public:
    Conv2dImpl(std::int64_t in,
               std::int64_t out,
               std::int64_t kernel,
               std::int64_t stride = 1,
               std::int64_t padding = 0,
               bool bias = true);
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight, bias;
    std::int64_t stride, padding;
};
TORCH_MODULE(Conv2d);

class Conv3dImpl : public torch::nn::Module {
public:
    Conv3dImpl(std::int64_t in,
               std::int64_t out,
               std::vector<std::int64_t> kernel,
               std::vector<std::int64_t> padding);
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight, bias;
    std::vector<std::int64_t> padding;
};
TORCH_MODULE(Conv3d);

// Affine norms: weight ones, bias zeros.
class GroupNormImpl : public torch::nn::Module {
public:
    GroupNormImpl(std::int64_t groups, std::int64_t channels, double eps);
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight, bias;
    std::int64_t groups;
    double eps;
};
TORCH_MODULE(GroupNorm);

class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(std::int64_t width, double eps);  // over the last dimension
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight, bias;
    double eps;
};
TORCH_MODULE(LayerNorm);

// weight (count, width), drawn from N(0, 1) as torch's Embedding.
class EmbeddingImpl : public torch::nn::Module {
public:
    EmbeddingImpl(std::int64_t count, std::int64_t width);
    at::Tensor forward(const at::Tensor& ids);
    at::Tensor weight;
};
TORCH_MODULE(Embedding);

AdaptableLinear linear(std::int64_t in, std::int64_t out, bool bias = true);
LayerNorm layerNorm(std::int64_t width, double eps);
GroupNorm groupNorm(std::int64_t groups, std::int64_t channels, double eps);
Conv2d conv2d(std::int64_t in,
              std::int64_t out,
              std::int64_t kernel,
              std::int64_t stride = 1,
              std::int64_t padding = 0);

}  // namespace mp::nn
