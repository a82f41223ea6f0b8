#pragma once
// The one place that knows which LibTorch we build against: Debian's 1.13 (CPU, no
// scaled_dot_product_attention) or PyTorch's 2.x (CUDA). Nothing else tests the version.

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#define MP_TORCH_AT_LEAST(major, minor) \
    (TORCH_VERSION_MAJOR > (major) ||   \
     (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace mp::shim {

inline std::string torchVersion() {
    return TORCH_VERSION;
}

inline constexpr bool kHasNativeSdpa = MP_TORCH_AT_LEAST(2, 1);

// Reference attention: softmax(q k^T * scale + mask) v over the last two dims. Used where the
// native kernel is missing, and by tests as the reference the native kernel must match.
inline at::Tensor attentionMath(const at::Tensor& q,
                                const at::Tensor& k,
                                const at::Tensor& v,
                                const std::optional<at::Tensor>& mask = std::nullopt,
                                bool isCausal = false,
                                std::optional<double> scale = std::nullopt) {
    const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    // Softmax in fp32 for half inputs, as the fused kernels accumulate in fp32.
    const auto compute = q.scalar_type() == at::kFloat || q.scalar_type() == at::kDouble
                             ? q.scalar_type()
                             : at::kFloat;
    auto scores = at::matmul(q.to(compute), k.to(compute).transpose(-2, -1)) * s;
    if (isCausal) {
        const auto L = q.size(-2), S = k.size(-2);
        auto keep = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
        scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity());
    }
    if (mask) {
        if (mask->scalar_type() == at::kBool)
            scores =
                scores.masked_fill(mask->logical_not(), -std::numeric_limits<float>::infinity());
        else
            scores = scores + mask->to(compute);
    }
    return at::matmul(scores.softmax(-1), v.to(compute)).to(q.scalar_type());
}

// The same attention without the whole (…, L, S) score tensor, for the CPU path of a LibTorch
// without the fused kernel: the scale is folded into q (one pass over L × E instead of L × S),
// queries go in blocks so that at most `maxScores` scores exist at once (they stay in cache),
// and the softmax runs in place (out of place when autograd records, for training). A mask
// broadcasts as in the reference: its rows are L or 1.
inline at::Tensor attentionBlocked(const at::Tensor& q,
                                   const at::Tensor& k,
                                   const at::Tensor& v,
                                   const std::optional<at::Tensor>& mask = std::nullopt,
                                   bool isCausal = false,
                                   std::optional<double> scale = std::nullopt,
                                   std::int64_t maxScores = std::int64_t{1} << 22) {
    const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    const auto compute = q.scalar_type() == at::kFloat || q.scalar_type() == at::kDouble
                             ? q.scalar_type()
                             : at::kFloat;
    const auto L = q.size(-2), S = k.size(-2);
    const auto qs = q.to(compute) * s;
    const auto kt = k.to(compute).transpose(-2, -1);
    const auto vc = v.to(compute);
    const std::int64_t rows =
        std::max<std::int64_t>(1, q.numel() / std::max<std::int64_t>(1, L * q.size(-1)));
    const std::int64_t block =
        std::clamp<std::int64_t>(maxScores / std::max<std::int64_t>(1, rows * S), 1, L);
    auto outSizes = q.sizes().vec();
    outSizes.back() = v.size(-1);
    auto out = at::empty(outSizes, q.options().dtype(compute));
    const auto minusInf = -std::numeric_limits<double>::infinity();
    const bool training =
        at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    for (std::int64_t i0 = 0; i0 < L; i0 += block) {
        const auto n = std::min(block, L - i0);
        auto scores = at::matmul(qs.narrow(-2, i0, n), kt);  // (…, n, S)
        if (isCausal) {
            const auto i = at::arange(i0, i0 + n, at::kLong).unsqueeze(1);
            const auto j = at::arange(S, at::kLong).unsqueeze(0);
            scores.masked_fill_(j.gt(i), minusInf);
        }
        if (mask) {
            const auto m = mask->size(-2) == L && L > 1 ? mask->narrow(-2, i0, n) : *mask;
            if (m.scalar_type() == at::kBool)
                scores.masked_fill_(m.logical_not(), minusInf);
            else
                scores.add_(m.to(compute));
        }
        if (training) {
            scores = scores.softmax(-1);  // autograd needs the softmax's output intact
        } else {
            // Softmax in place: subtract the row maximum, exponentiate, normalise.
            scores.sub_(std::get<0>(scores.max(-1, true))).exp_();
            scores.div_(scores.sum(-1, true));
        }
        out.narrow(-2, i0, n).copy_(at::matmul(scores, vc));
    }
    return out.to(q.scalar_type());
}

// Attention over many short sequences (temporal attention: B·H·W sequences of F frames; the toy
// model's spatial and cross attention: 64 tokens, heads of 4) for the CPU without the fused
// kernel. LibTorch 1.13's bmm multiplies such matrices one batch entry at a time (a select and a
// GEMM call each, thousands per layer); runtime/attention_cpu.cpp does one sequence at a time in
// cache instead. `bench --component attention`, medians against the blocked path it replaces:
// 6.6× at 16 tokens with heads of 4, 1.8× at 64 tokens, 1.6× at 77 and 128, 1.65× at 16 tokens with
// heads of 64; slower from 64 tokens with heads of 64 (0.77×) or 256 tokens with heads of 8
// (0.79×). So it takes sequences of up to 32 tokens, and up to 128 with heads of up to 16.
// Inference only (no autograd), float32, no mask, same batch shape for q, k and v.
inline constexpr std::int64_t kShortSequence = 32;
inline constexpr std::int64_t kSmallHeadSequence = 128;
inline constexpr std::int64_t kSmallHead = 16;

inline bool shortAttentionApplies(const at::Tensor& q,
                                  const at::Tensor& k,
                                  const at::Tensor& v,
                                  const std::optional<at::Tensor>& mask,
                                  bool isCausal) {
    if (mask || isCausal || !q.device().is_cpu() || q.scalar_type() != at::kFloat ||
        k.scalar_type() != at::kFloat || v.scalar_type() != at::kFloat || q.dim() < 3)
        return false;
    if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad()))
        return false;
    const auto batch = q.sizes().slice(0, q.dim() - 2);
    if (k.dim() != q.dim() || v.dim() != q.dim() || k.sizes().slice(0, k.dim() - 2) != batch ||
        v.sizes().slice(0, v.dim() - 2) != batch || k.size(-2) != v.size(-2) ||
        k.size(-1) != q.size(-1))
        return false;
    const auto longest = std::max(q.size(-2), k.size(-2));
    return longest <= kShortSequence ||
           (longest <= kSmallHeadSequence && std::max(q.size(-1), v.size(-1)) <= kSmallHead);
}

// Which compiled copy of a CPU kernel runs: the widest the CPU has (AVX-512, AVX2, baseline), or
// for tests AVX2 (where the CPU has it) or the baseline.
enum class CpuKernel { Best, Avx2, Baseline };

at::Tensor attentionShort(const at::Tensor& q,
                          const at::Tensor& k,
                          const at::Tensor& v,
                          std::optional<double> scale = std::nullopt,
                          CpuKernel kernel = CpuKernel::Best);  // runtime/attention_cpu.cpp

// Attention over the leading (batch) dimension in chunks of at most `maxBatch`, each by `attend`;
// k, v and a mask whose leading size is q's are cut the same way, others broadcast whole.
template <class Attend>
at::Tensor attentionInBatchChunks(const at::Tensor& q,
                                  const at::Tensor& k,
                                  const at::Tensor& v,
                                  const std::optional<at::Tensor>& mask,
                                  std::int64_t maxBatch,
                                  Attend&& attend) {
    const auto n = q.size(0);
    const auto cut = [&](const at::Tensor& t, std::int64_t first, std::int64_t len) {
        return t.dim() == q.dim() && t.size(0) == n ? t.narrow(0, first, len) : t;
    };
    std::vector<at::Tensor> parts;
    for (std::int64_t first = 0; first < n; first += maxBatch) {
        const auto len = std::min(maxBatch, n - first);
        std::optional<at::Tensor> m;
        if (mask)
            m = cut(*mask, first, len);
        parts.push_back(attend(q.narrow(0, first, len), cut(k, first, len), cut(v, first, len), m));
    }
    return parts.size() == 1 ? parts.front() : at::cat(parts, 0);
}

// CUDA's attention kernels put the batch on one grid dimension, at most 65,535 blocks: the
// temporal attention of 256 clips at 16×16 latents is 65,536 sequences, and failed.
inline constexpr std::int64_t kMaxCudaAttentionBatch = 65535;

// scaled_dot_product_attention(q, k, v) with q (..., L, E), k (..., S, E), v (..., S, Ev).
inline at::Tensor sdpa(const at::Tensor& q,
                       const at::Tensor& k,
                       const at::Tensor& v,
                       const std::optional<at::Tensor>& mask = std::nullopt,
                       bool isCausal = false,
                       std::optional<double> scale = std::nullopt) {
#if MP_TORCH_AT_LEAST(2, 1)
    const auto native = [&](const at::Tensor& qq, const at::Tensor& kk, const at::Tensor& vv,
                            const std::optional<at::Tensor>& mm) {
        return at::scaled_dot_product_attention(qq, kk, vv, mm, 0.0, isCausal, scale);
    };
    if (q.is_cuda() && q.dim() >= 3 && q.size(0) > kMaxCudaAttentionBatch)
        return attentionInBatchChunks(q, k, v, mask, kMaxCudaAttentionBatch, native);
    return native(q, k, v, mask);
#else
    if (shortAttentionApplies(q, k, v, mask, isCausal))
        return attentionShort(q, k, v, scale);
    return attentionBlocked(q, k, v, mask, isCausal, scale);
#endif
}

// Whether CUDA autocast is on in this thread, and its dtype.
inline std::pair<bool, at::ScalarType> cudaAutocastState() {
#if MP_TORCH_AT_LEAST(2, 4)
    return {at::autocast::is_autocast_enabled(at::kCUDA),
            at::autocast::get_autocast_dtype(at::kCUDA)};
#else
    return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
#endif
}

// Mixed precision on CUDA for a scope (training's forward and loss): ops that autocast lists run
// in `dtype`, the rest in fp32; the previous state comes back on exit. Off: does nothing.
class CudaAutocast {
public:
    explicit CudaAutocast(bool on, at::ScalarType dtype = at::kBFloat16) : m_on(on) {
        if (!m_on)
            return;
#if MP_TORCH_AT_LEAST(2, 4)
        m_wasEnabled = at::autocast::is_autocast_enabled(at::kCUDA);
        m_wasDtype = at::autocast::get_autocast_dtype(at::kCUDA);
        at::autocast::set_autocast_enabled(at::kCUDA, true);
        at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
        m_wasEnabled = at::autocast::is_enabled();
        m_wasDtype = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(dtype);
#endif
        at::autocast::increment_nesting();
    }
    ~CudaAutocast() {
        if (!m_on)
            return;
        if (at::autocast::decrement_nesting() == 0)
            at::autocast::clear_cache();
#if MP_TORCH_AT_LEAST(2, 4)
        at::autocast::set_autocast_enabled(at::kCUDA, m_wasEnabled);
        at::autocast::set_autocast_dtype(at::kCUDA, m_wasDtype);
#else
        at::autocast::set_enabled(m_wasEnabled);
        at::autocast::set_autocast_gpu_dtype(m_wasDtype);
#endif
    }
    CudaAutocast(const CudaAutocast&) = delete;
    CudaAutocast& operator=(const CudaAutocast&) = delete;

private:
    bool m_on;
    bool m_wasEnabled = false;
    at::ScalarType m_wasDtype = at::kBFloat16;
};

}  // namespace mp::shim
