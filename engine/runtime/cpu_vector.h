#pragma once
// Float vectors for the CPU kernels (runtime/attention_cpu.cpp, runtime/fused_cpu.cpp), by the
// GCC/Clang extension, one register each. Each kernel is compiled three times, for AVX-512 (16
// floats a register), AVX2 (8) and the baseline (4), chosen by the CPU's features on each call:
// Debian builds for plain x86-64. The helpers inline into each compiled copy, so they take its
// target.

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#define MP_HAVE_X86_CLONES 1  // the AVX-512 and AVX2 copies
#define MP_INLINE inline __attribute__((always_inline))
#else
#define MP_HAVE_X86_CLONES 0
#define MP_INLINE inline
#endif

namespace mp::shim::simd {

using F16 = float __attribute__((vector_size(64)));
using F8 = float __attribute__((vector_size(32)));
using F4 = float __attribute__((vector_size(16)));
template <class V>
constexpr std::int64_t kLanes = sizeof(V) / sizeof(float);
constexpr std::int64_t kMaxLanes = 16;
using I16 = std::int32_t __attribute__((vector_size(64)));
using I8 = std::int32_t __attribute__((vector_size(32)));
using I4 = std::int32_t __attribute__((vector_size(16)));
template <class V>
using IntsOf = std::conditional_t<sizeof(V) == sizeof(I16),
                                  I16,
                                  std::conditional_t<sizeof(V) == sizeof(I8), I8, I4>>;

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

// exp(x) for x ≤ 0: Cephes' expf, 2ⁿ·p(r) with r = x − n·ln 2, within 2 ulp. Below −87 the
// result is exp(−87) ≈ 1.6·10⁻³⁸ instead of smaller: nothing next to a sum of at least 1.
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

// The compiled copy for `kernel` on this CPU: Best is the widest it has.
template <class Kernel, class Choice>
Kernel pickKernel(Choice kernel, Kernel avx512, Kernel avx2, Kernel baseline) {
#if MP_HAVE_X86_CLONES
    const bool hasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (kernel == Choice::Best && __builtin_cpu_supports("avx512f"))
        return avx512;
    if ((kernel == Choice::Best || kernel == Choice::Avx2) && hasAvx2)
        return avx2;
#else
    (void)kernel;
    (void)avx512;
    (void)avx2;
#endif
    return baseline;
}

}  // namespace mp::shim::simd
