#include "nn/layers.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>

namespace mp::nn {

namespace {

thread_local bool t_initialise = true;

// torch's Linear and ConvNd reset_parameters.
void initialiseKaiming(at::Tensor& weight, at::Tensor& bias) {
    if (!t_initialise)
        return;
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
        const auto fan = torch::nn::init::_calculate_fan_in_and_fan_out(weight);
        const double bound = 1 / std::sqrt(static_cast<double>(std::get<0>(fan)));
        torch::nn::init::uniform_(bias, -bound, bound);
    }
}

void initialiseAffine(at::Tensor& weight, at::Tensor& bias) {
    if (!t_initialise)
        return;
    torch::NoGradGuard noGrad;
    weight.fill_(1);
    bias.zero_();
}

}  // namespace

UninitialisedScope::UninitialisedScope() : m_previous(t_initialise) {
    t_initialise = false;
}

UninitialisedScope::~UninitialisedScope() {
    t_initialise = m_previous;
}

bool initialisesWeights() {
    return t_initialise;
}

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool withBias) {
    weight = register_parameter("weight", at::empty({out, in}));
    if (withBias)
        bias = register_parameter("bias", at::empty({out}));
    initialiseKaiming(weight, bias);
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
    return at::linear(x, weight, bias);
}

at::Tensor AdaptableLinearImpl::forward(const at::Tensor& x) {
    auto y = LinearImpl::forward(x);
    if (branch)
        y = y + branch(x);
    return y;
}

Conv2dImpl::Conv2dImpl(std::int64_t in,
                       std::int64_t out,
                       std::int64_t kernel,
                       std::int64_t stride_,
                       std::int64_t padding_,
                       bool withBias)
    : stride(stride_), padding(padding_) {
    weight = register_parameter("weight", at::empty({out, in, kernel, kernel}));
    if (withBias)
        bias = register_parameter("bias", at::empty({out}));
    initialiseKaiming(weight, bias);
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) {
    return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

Conv3dImpl::Conv3dImpl(std::int64_t in,
                       std::int64_t out,
                       std::vector<std::int64_t> kernel,
                       std::vector<std::int64_t> padding_)
    : padding(std::move(padding_)) {
    std::vector<std::int64_t> shape{out, in};
    shape.insert(shape.end(), kernel.begin(), kernel.end());
    weight = register_parameter("weight", at::empty(shape));
    bias = register_parameter("bias", at::empty({out}));
    initialiseKaiming(weight, bias);
}

at::Tensor Conv3dImpl::forward(const at::Tensor& x) {
    // On one thread (as in each CPU batch slice) LibTorch runs kernels ending in 1×1, the
    // (3, 1, 1) temporal convolutions, by its unfolded fallback; oneDNN's takes about half as long.
    if (x.is_cpu() && x.scalar_type() == at::kFloat && !at::GradMode::is_enabled() &&
        at::hasMKLDNN())
        return at::mkldnn_convolution(x.contiguous(), weight, bias, padding, {1, 1, 1}, {1, 1, 1},
                                      1);
    return at::conv3d(x, weight, bias, 1, padding);
}

GroupNormImpl::GroupNormImpl(std::int64_t groups_, std::int64_t channels, double eps_)
    : groups(groups_), eps(eps_) {
    weight = register_parameter("weight", at::empty({channels}));
    bias = register_parameter("bias", at::empty({channels}));
    initialiseAffine(weight, bias);
}

at::Tensor GroupNormImpl::forward(const at::Tensor& x) {
    return at::group_norm(x, groups, weight, bias, eps);
}

LayerNormImpl::LayerNormImpl(std::int64_t width, double eps_) : eps(eps_) {
    weight = register_parameter("weight", at::empty({width}));
    bias = register_parameter("bias", at::empty({width}));
    initialiseAffine(weight, bias);
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) {
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

EmbeddingImpl::EmbeddingImpl(std::int64_t count, std::int64_t width) {
    weight = register_parameter("weight", at::empty({count, width}));
    if (t_initialise)
        torch::nn::init::normal_(weight);
}

at::Tensor EmbeddingImpl::forward(const at::Tensor& ids) {
    return at::embedding(weight, ids);
}

AdaptableLinear linear(std::int64_t in, std::int64_t out, bool bias) {
    return AdaptableLinear(in, out, bias);
}

LayerNorm layerNorm(std::int64_t width, double eps) {
    return LayerNorm(width, eps);
}

GroupNorm groupNorm(std::int64_t groups, std::int64_t channels, double eps) {
    return GroupNorm(groups, channels, eps);
}

Conv2d conv2d(std::int64_t in,
              std::int64_t out,
              std::int64_t kernel,
              std::int64_t stride,
              std::int64_t padding) {
    return Conv2d(in, out, kernel, stride, padding);
}

}  // namespace mp::nn
