#include "runtime/fused_cpu.h"

#include "runtime/cpu_vector.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

namespace mp::shim {

namespace {

using namespace simd;

template <class V>
MP_INLINE float sumLanes(V v) {
    float s = 0;
    for (std::int64_t i = 0; i < kLanes<V>; ++i)
        s += v[i];
    return s;
}

// silu(y) = y·σ(y), σ from e = exp(−|y|) ≤ 1 so that nothing overflows.
template <class V>
MP_INLINE V silu(V y) {
    const V e = expNonPositive<V>(y < 0 ? y : -y);
    const V one = splat<V>(1.0f);
    return y * ((y < 0 ? e : one) / (one + e));
}

MP_INLINE float siluScalar(float y) {
    const float e = std::exp(-std::abs(y));
    return y * ((y < 0 ? e : 1.0f) / (1.0f + e));
}

// The values of one group are `channels` runs of `spatial` floats, contiguous.
struct Group {
    const float* x;
    float* y;
    std::int64_t channels, spatial;
    const float* gamma;  // this group's first channel, or null
    const float* beta;
    float eps;
};

// Sums in float vectors over blocks short enough that their rounding stays near float's, then
// in double across blocks.
constexpr std::int64_t kBlock = 1024;

template <class V>
MP_INLINE double sumOf(const float* p, std::int64_t n, float shift, bool squares) {
    double total = 0;
    for (std::int64_t b = 0; b < n; b += kBlock) {
        const auto end = std::min(n, b + kBlock);
        V acc{};
        std::int64_t i = b;
        for (; i + kLanes<V> <= end; i += kLanes<V>) {
            const V d = load<V>(p + i) - shift;
            acc += squares ? d * d : d;
        }
        float tail = 0;
        for (; i < end; ++i) {
            const float d = p[i] - shift;
            tail += squares ? d * d : d;
        }
        total += static_cast<double>(sumLanes(acc)) + tail;
    }
    return total;
}

template <class V>
MP_INLINE void normSilu(const Group& g) {
    const auto count = g.channels * g.spatial;
    // Two passes (the mean, then the squares about it): exact where the mean is large against the
    // spread, as ATen's Welford moments are.
    double mean = 0;
    for (std::int64_t c = 0; c < g.channels; ++c)
        mean += sumOf<V>(g.x + c * g.spatial, g.spatial, 0.0f, false);
    mean /= static_cast<double>(count);
    double squares = 0;
    for (std::int64_t c = 0; c < g.channels; ++c)
        squares += sumOf<V>(g.x + c * g.spatial, g.spatial, static_cast<float>(mean), true);
    const double rstd = 1.0 / std::sqrt(squares / static_cast<double>(count) + g.eps);
    // (x − mean)·a + β: the difference first, exact for values near the mean, and the mean in
    // two floats (a large mean against the spread loses nothing to cancellation or rounding).
    const auto m = static_cast<float>(mean);
    const auto mLow = static_cast<float>(mean - m);
    for (std::int64_t c = 0; c < g.channels; ++c) {
        const auto a = static_cast<float>(rstd * (g.gamma ? g.gamma[c] : 1.0f));
        const float b = g.beta ? g.beta[c] : 0.0f;
        const float* in = g.x + c * g.spatial;
        float* out = g.y + c * g.spatial;
        std::int64_t i = 0;
        for (; i + kLanes<V> <= g.spatial; i += kLanes<V>)
            store(out + i, silu<V>((load<V>(in + i) - m - mLow) * a + b));
        for (; i < g.spatial; ++i)
            out[i] = siluScalar((in[i] - m - mLow) * a + b);
    }
}

#if MP_HAVE_X86_CLONES
__attribute__((target("avx512f"))) void normSiluAvx512(const Group& g) {
    normSilu<F16>(g);
}

__attribute__((target("avx2,fma"))) void normSiluAvx2(const Group& g) {
    normSilu<F8>(g);
}
#endif

void normSiluBaseline(const Group& g) {
    normSilu<F4>(g);
}

// GELU(g) = g/2 · (1 + erf(g/√2)), erf by Abramowitz and Stegun's 7.1.26 (absolute error below
// 1.5·10⁻⁷), the approximation ATen's vectorised CPU erf uses.
template <class V>
MP_INLINE V gelu(V g) {
    const V x = g * 0.70710678118654752f;
    const V ax = x < 0 ? -x : x;
    const V one = splat<V>(1.0f);
    const V t = one / (one + 0.3275911f * ax);
    V poly = splat<V>(1.061405429f);
    poly = poly * t - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    const V r = one - poly * t * expNonPositive<V>(-ax * ax);
    const V erf = x < 0 ? -r : r;
    return g * 0.5f * (one + erf);
}

MP_INLINE float geluScalar(float g) {
    return g * 0.5f * (1.0f + std::erf(g * 0.70710678118654752f));
}

template <class V>
MP_INLINE void geluGate(float* value, const float* gate, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + kLanes<V> <= n; i += kLanes<V>)
        store(value + i, load<V>(value + i) * gelu<V>(load<V>(gate + i)));
    for (; i < n; ++i)
        value[i] *= geluScalar(gate[i]);
}

#if MP_HAVE_X86_CLONES
__attribute__((target("avx512f"))) void geluGateAvx512(float* v, const float* g, std::int64_t n) {
    geluGate<F16>(v, g, n);
}

__attribute__((target("avx2,fma"))) void geluGateAvx2(float* v, const float* g, std::int64_t n) {
    geluGate<F8>(v, g, n);
}
#endif

void geluGateBaseline(float* v, const float* g, std::int64_t n) {
    geluGate<F4>(v, g, n);
}

}  // namespace

bool groupNormSiluApplies(const at::Tensor& x,
                          std::int64_t groups,
                          const at::Tensor& weight,
                          const at::Tensor& bias) {
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || x.dim() < 2 || groups < 1 ||
        x.size(1) % groups != 0)
        return false;
    for (const auto* p : {&weight, &bias})
        if (p->defined() &&
            (!p->device().is_cpu() || p->scalar_type() != at::kFloat || p->numel() != x.size(1)))
            return false;
    const bool recording = at::GradMode::is_enabled() &&
                           (x.requires_grad() || (weight.defined() && weight.requires_grad()) ||
                            (bias.defined() && bias.requires_grad()));
    return !recording;
}

at::Tensor groupNormSilu(const at::Tensor& x,
                         std::int64_t groups,
                         const at::Tensor& weight,
                         const at::Tensor& bias,
                         double eps,
                         CpuKernel kernel) {
    const auto xc = x.contiguous();
    auto out = at::empty(xc.sizes(), xc.options());
    const auto N = xc.size(0), C = xc.size(1);
    const auto spatial = N * C > 0 ? xc.numel() / (N * C) : 0;
    if (xc.numel() == 0)
        return out;
    const auto perGroup = C / groups;
    const auto w = weight.defined() ? weight.contiguous() : at::Tensor();
    const auto b = bias.defined() ? bias.contiguous() : at::Tensor();
    const float* X = xc.data_ptr<float>();
    float* Y = out.data_ptr<float>();
    const float* W = w.defined() ? w.data_ptr<float>() : nullptr;
    const float* B = b.defined() ? b.data_ptr<float>() : nullptr;
    const auto run = pickKernel(kernel, normSiluAvx512, normSiluAvx2, normSiluBaseline);
    at::parallel_for(0, N * groups, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t ng = begin; ng < end; ++ng) {
            const auto c0 = (ng % groups) * perGroup;
            const auto offset = ng * perGroup * spatial;
            run({X + offset, Y + offset, perGroup, spatial, W ? W + c0 : nullptr,
                 B ? B + c0 : nullptr, static_cast<float>(eps)});
        }
    });
    return out;
}

bool geluGateApplies(const at::Tensor& value, const at::Tensor& gate) {
    for (const auto* t : {&value, &gate})
        if (!t->device().is_cpu() || t->scalar_type() != at::kFloat)
            return false;
    if (value.sizes() != gate.sizes() || !value.is_contiguous())
        return false;
    return !(at::GradMode::is_enabled() && (value.requires_grad() || gate.requires_grad()));
}

at::Tensor& geluGateInPlace(at::Tensor& value, const at::Tensor& gate, CpuKernel kernel) {
    const auto g = gate.contiguous();
    float* V = value.data_ptr<float>();
    const float* G = g.data_ptr<float>();
    const auto run = pickKernel(kernel, geluGateAvx512, geluGateAvx2, geluGateBaseline);
    at::parallel_for(
        0, value.numel(), std::int64_t{1} << 14,
        [&](std::int64_t begin, std::int64_t end) { run(V + begin, G + begin, end - begin); });
    return value;
}

}  // namespace mp::shim
