// The short-sequence CPU attention of torch_shim.h. One sequence at a time, all in cache: the
// scores transposed (keys × queries), so that every inner loop runs over 8 queries at once
// whatever the head size (the toy model's heads have 4 to 12 channels, too few to vectorise
// over); the softmax over keys fused in, with its own vectorised exp; the weighted values
// divided by the softmax's sum at the end.

#include "runtime/torch_shim.h"

#include <ATen/Parallel.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

// The kernel is compiled twice, for AVX2 (8 floats a register) and for the baseline (4), chosen
// by the CPU's features on each call: Debian builds for plain x86-64.
#if defined(__x86_64__) && defined(__GNUC__)
#define MP_HAVE_AVX2_CLONE 1
#define MP_INLINE inline __attribute__((always_inline))
#else
#define MP_HAVE_AVX2_CLONE 0
#define MP_INLINE inline
#endif

namespace mp::shim {

namespace {

// Vectors of floats by the GCC/Clang extension, one register each. The helpers inline into each
// compiled copy of the kernel, so they are compiled for its target.
using F8 = float __attribute__((vector_size(32)));
using F4 = float __attribute__((vector_size(16)));
template <class V>
constexpr std::int64_t kLanes = sizeof(V) / sizeof(float);
using I8 = std::int32_t __attribute__((vector_size(32)));
using I4 = std::int32_t __attribute__((vector_size(16)));
template <class V>
using IntsOf = std::conditional_t<sizeof(V) == sizeof(I8), I8, I4>;
constexpr std::int64_t kPad = 8;  // queries are padded to a multiple of every width

template <class V>
MP_INLINE V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V>
MP_INLINE void store(float* p, V v) {
    std::memcpy(p, &v, sizeof v);
}
template <class V>
MP_INLINE V splat(float x) {
    return V{} + x;
}

// exp(x) for x ≤ 0 (scores minus their maximum): Cephes' expf, 2ⁿ·p(r) with r = x − n·ln 2,
// within 2 ulp. Below −87 the result is exp(−87) ≈ 1.6·10⁻³⁸ instead of smaller: nothing next to
// the maximum's 1.
template <class V>
MP_INLINE V expNonPositive(V x) {
    x = x < -87.0f ? splat<V>(-87.0f) : x;
    constexpr float kRound = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
    const V t = x * 1.44269504088896341f + kRound;
    const V n = t - kRound;
    IntsOf<V> bits;
    std::memcpy(&bits, &t, sizeof bits);
    const IntsOf<V> ni = bits - 0x4B400000;  // the integer n, from t's mantissa
    const V r = x - n * 0.693359375f + n * 2.12194440e-4f;
    V p = splat<V>(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const IntsOf<V> scaleBits = (ni + 127) << 23;
    V scale;
    std::memcpy(&scale, &scaleBits, sizeof scale);
    return p * scale;
}

struct Sizes {
    std::int64_t L, S, E, Ev;
    std::int64_t Lp;  // L rounded up to kPad
};

// One sequence: q (L, E), k (S, E), v (S, Ev) → o (L, Ev). Work buffers: qT (E, Lp), p (S, Lp),
// sum (Lp), oT (Lp).
template <class V>
MP_INLINE void attendOne(const float* q,
                         const float* k,
                         const float* v,
                         float* o,
                         float scale,
                         Sizes z,
                         float* qT,
                         float* p,
                         float* sum,
                         float* oT) {
    for (std::int64_t e = 0; e < z.E; ++e) {
        float* row = qT + e * z.Lp;
        for (std::int64_t i = 0; i < z.L; ++i)
            row[i] = q[i * z.E + e] * scale;
        for (std::int64_t i = z.L; i < z.Lp; ++i)
            row[i] = 0.0f;
    }
    for (std::int64_t j = 0; j < z.S; ++j) {
        const float* kj = k + j * z.E;
        for (std::int64_t i = 0; i < z.Lp; i += kLanes<V>) {
            V acc{};
            for (std::int64_t e = 0; e < z.E; ++e)
                acc += kj[e] * load<V>(qT + e * z.Lp + i);
            store(p + j * z.Lp + i, acc);
        }
    }
    for (std::int64_t i = 0; i < z.Lp; i += kLanes<V>) {
        V m = load<V>(p + i);
        for (std::int64_t j = 1; j < z.S; ++j) {
            const V x = load<V>(p + j * z.Lp + i);
            m = x > m ? x : m;
        }
        V total{};
        for (std::int64_t j = 0; j < z.S; ++j) {
            const V w = expNonPositive<V>(load<V>(p + j * z.Lp + i) - m);
            store(p + j * z.Lp + i, w);
            total += w;
        }
        store(sum + i, total);
    }
    for (std::int64_t e = 0; e < z.Ev; ++e) {
        for (std::int64_t i = 0; i < z.Lp; i += kLanes<V>) {
            V acc{};
            for (std::int64_t j = 0; j < z.S; ++j)
                acc += v[j * z.Ev + e] * load<V>(p + j * z.Lp + i);
            store(oT + i, acc / load<V>(sum + i));
        }
        for (std::int64_t i = 0; i < z.L; ++i)
            o[i * z.Ev + e] = oT[i];
    }
}

// The two compiled copies; a sequence's arguments as for attendOne.
#if MP_HAVE_AVX2_CLONE
__attribute__((target("avx2"))) void attendAvx2(const float* q,
                                                const float* k,
                                                const float* v,
                                                float* o,
                                                float scale,
                                                Sizes z,
                                                float* qT,
                                                float* p,
                                                float* sum,
                                                float* oT) {
    attendOne<F8>(q, k, v, o, scale, z, qT, p, sum, oT);
}
#endif

void attendBaseline(const float* q,
                    const float* k,
                    const float* v,
                    float* o,
                    float scale,
                    Sizes z,
                    float* qT,
                    float* p,
                    float* sum,
                    float* oT) {
    attendOne<F4>(q, k, v, o, scale, z, qT, p, sum, oT);
}

}  // namespace

at::Tensor attentionShort(const at::Tensor& q,
                          const at::Tensor& k,
                          const at::Tensor& v,
                          std::optional<double> scale,
                          CpuKernel kernel) {
    const auto L = q.size(-2);
    Sizes z{L, k.size(-2), q.size(-1), v.size(-1), (L + kPad - 1) / kPad * kPad};
    const auto s = static_cast<float>(scale ? *scale : 1.0 / std::sqrt(static_cast<double>(z.E)));
    const auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
    auto outSizes = q.sizes().vec();
    outSizes.back() = z.Ev;
    auto out = at::empty(outSizes, q.options());
    const std::int64_t sequences = z.L * z.E > 0 ? q.numel() / (z.L * z.E) : 0;
    if (sequences == 0 || z.S == 0)
        return out.zero_();
    const float* Q = qc.data_ptr<float>();
    const float* K = kc.data_ptr<float>();
    const float* V = vc.data_ptr<float>();
    float* O = out.data_ptr<float>();
#if MP_HAVE_AVX2_CLONE
    const auto attend =
        kernel == CpuKernel::Best && __builtin_cpu_supports("avx2") ? attendAvx2 : attendBaseline;
#else
    (void)kernel;
    const auto attend = attendBaseline;
#endif
    const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 14) / (z.L * z.S));
    at::parallel_for(0, sequences, grain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> qT(static_cast<std::size_t>(z.E * z.Lp));
        std::vector<float> p(static_cast<std::size_t>(z.S * z.Lp));
        std::vector<float> sum(static_cast<std::size_t>(z.Lp)), oT(static_cast<std::size_t>(z.Lp));
        for (std::int64_t n = begin; n < end; ++n)
            attend(Q + n * z.L * z.E, K + n * z.S * z.E, V + n * z.S * z.Ev, O + n * z.L * z.Ev, s,
                   z, qT.data(), p.data(), sum.data(), oT.data());
    });
    return out;
}

}  // namespace mp::shim
