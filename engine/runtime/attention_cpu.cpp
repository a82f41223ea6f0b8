// The short-sequence CPU attention of torch_shim.h. Per chunk of sequences: the scores with the
// keys transposed (so the inner loop runs over keys, contiguous, and vectorises), the softmax by
// ATen's vectorised kernel on the chunk's score block, then the weighted values.

#include "runtime/torch_shim.h"

#include <ATen/Parallel.h>

#include <vector>

namespace mp::shim {

at::Tensor attentionShort(const at::Tensor& q,
                          const at::Tensor& k,
                          const at::Tensor& v,
                          std::optional<double> scale) {
    const auto L = q.size(-2), S = k.size(-2), E = q.size(-1), Ev = v.size(-1);
    const auto s = static_cast<float>(scale ? *scale : 1.0 / std::sqrt(static_cast<double>(E)));
    const auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
    auto outSizes = q.sizes().vec();
    outSizes.back() = Ev;
    auto out = at::empty(outSizes, q.options());
    const std::int64_t sequences = L * E > 0 ? q.numel() / (L * E) : 0;
    if (sequences == 0 || S == 0)
        return out.zero_();
    const float* Q = qc.data_ptr<float>();
    const float* K = kc.data_ptr<float>();
    const float* V = vc.data_ptr<float>();
    float* O = out.data_ptr<float>();
    // About 64 Ki scores per chunk: in cache, and few enough ATen calls to not matter.
    const std::int64_t chunk = std::max<std::int64_t>(1, (std::int64_t{1} << 16) / (L * S));
    at::parallel_for(0, sequences, chunk, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> kt(static_cast<std::size_t>(E * S));
        for (std::int64_t c0 = begin; c0 < end; c0 += chunk) {
            const auto n1 = std::min(end, c0 + chunk);
            auto scores = at::empty({(n1 - c0) * L, S}, at::kFloat);
            float* P = scores.data_ptr<float>();
            for (std::int64_t n = c0; n < n1; ++n) {
                const float* kn = K + n * S * E;
                for (std::int64_t j = 0; j < S; ++j)
                    for (std::int64_t e = 0; e < E; ++e)
                        kt[e * S + j] = kn[j * E + e] * s;
                for (std::int64_t i = 0; i < L; ++i) {
                    const float* qi = Q + (n * L + i) * E;
                    float* p = P + ((n - c0) * L + i) * S;
                    std::fill(p, p + S, 0.0f);
                    for (std::int64_t e = 0; e < E; ++e) {
                        const float qe = qi[e];
                        const float* ke = kt.data() + e * S;
                        for (std::int64_t j = 0; j < S; ++j)
                            p[j] += qe * ke[j];
                    }
                }
            }
            const auto weights = at::softmax(scores, 1);
            const float* W = weights.data_ptr<float>();
            for (std::int64_t n = c0; n < n1; ++n) {
                const float* vn = V + n * S * Ev;
                for (std::int64_t i = 0; i < L; ++i) {
                    const float* w = W + ((n - c0) * L + i) * S;
                    float* o = O + (n * L + i) * Ev;
                    std::fill(o, o + Ev, 0.0f);
                    for (std::int64_t j = 0; j < S; ++j) {
                        const float wj = w[j];
                        const float* vj = vn + j * Ev;
                        for (std::int64_t e = 0; e < Ev; ++e)
                            o[e] += wj * vj[e];
                    }
                }
            }
        }
    });
    return out;
}

}  // namespace mp::shim
