// The short-sequence CPU attention of torch_shim.h. One sequence at a time, all in cache: the
// scores transposed (keys × queries), so that every inner loop runs over 8 queries at once
// whatever the head size (the toy model's heads have 4 to 12 channels, too few to vectorise
// over); the softmax over keys fused in, with its own vectorised exp; the weighted values
// divided by the softmax's sum at the end.

#include "runtime/torch_shim.h"

#include "runtime/cpu_vector.h"

#include <ATen/Parallel.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace mp::shim {

namespace {

using namespace simd;
constexpr std::int64_t kPad = kMaxLanes;  // queries are padded to a multiple of every width

struct Sizes {
    std::int64_t L, S, E, Ev;
    std::int64_t Lp;  // L rounded up to kPad
};

struct RowStrides {
    std::int64_t q, k, v, o;
};

// One sequence: q (L, E), k (S, E), v (S, Ev) → o (L, Ev), each row `rows.*` floats after the
// last (heads split from one projection sit side by side). Work buffers: qT (E, Lp), p (S, Lp),
// sum (Lp), oT (Lp).
template <class V>
MP_INLINE void attendOne(const float* q,
                         const float* k,
                         const float* v,
                         float* o,
                         float scale,
                         Sizes z,
                         RowStrides rows,
                         float* qT,
                         float* p,
                         float* sum,
                         float* oT) {
    for (std::int64_t e = 0; e < z.E; ++e) {
        float* row = qT + e * z.Lp;
        for (std::int64_t i = 0; i < z.L; ++i)
            row[i] = q[i * rows.q + e] * scale;
        for (std::int64_t i = z.L; i < z.Lp; ++i)
            row[i] = 0.0f;
    }
    for (std::int64_t j = 0; j < z.S; ++j) {
        const float* kj = k + j * rows.k;
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
                acc += v[j * rows.v + e] * load<V>(p + j * z.Lp + i);
            store(oT + i, acc / load<V>(sum + i));
        }
        for (std::int64_t i = 0; i < z.L; ++i)
            o[i * rows.o + e] = oT[i];
    }
}

// One sequence's arguments for attendOne, and the compiled copies that take them.
struct Job {
    const float *q, *k, *v;
    float* o;
    float scale;
    Sizes z;
    RowStrides rows;
    float *qT, *p, *sum, *oT;
};

template <class V>
MP_INLINE void attendJob(const Job& j) {
    attendOne<V>(j.q, j.k, j.v, j.o, j.scale, j.z, j.rows, j.qT, j.p, j.sum, j.oT);
}

#if MP_HAVE_X86_CLONES
__attribute__((target("avx512f"))) void attendAvx512(const Job& j) {
    attendJob<F16>(j);
}

__attribute__((target("avx2,fma"))) void attendAvx2(const Job& j) {
    attendJob<F8>(j);
}
#endif

void attendBaseline(const Job& j) {
    attendJob<F4>(j);
}

// A tensor's rows as the kernel reads them: the last dimension packed (else a packed copy), the
// rows `row` floats apart, and each sequence's first element at offsets[n] (n over the leading
// dimensions in order). Heads split from one projection by a view and a transpose are read in
// place this way instead of being copied out first.
struct Rows {
    at::Tensor tensor;
    std::int64_t row = 0;
    std::vector<std::int64_t> offsets;
};

Rows rowsOf(const at::Tensor& t) {
    Rows r;
    r.tensor = t.size(-1) > 1 && t.stride(-1) != 1 ? t.contiguous() : t;
    r.row = r.tensor.stride(-2);
    const auto leading = r.tensor.dim() - 2;
    std::int64_t count = 1;
    for (std::int64_t d = 0; d < leading; ++d)
        count *= r.tensor.size(d);
    r.offsets.assign(static_cast<std::size_t>(count), 0);
    // Odometer over the leading dimensions, the last fastest.
    std::vector<std::int64_t> index(static_cast<std::size_t>(leading), 0);
    std::int64_t offset = 0;
    for (std::int64_t n = 0; n < count; ++n) {
        r.offsets[static_cast<std::size_t>(n)] = offset;
        for (auto d = leading - 1; d >= 0; --d) {
            auto& i = index[static_cast<std::size_t>(d)];
            offset += r.tensor.stride(d);
            if (++i < r.tensor.size(d))
                break;
            offset -= i * r.tensor.stride(d);
            i = 0;
        }
    }
    return r;
}

// The output in the query's layout: (B, H, L, E) views of a (B, L, H, E) projection give a
// (B, H, L, Ev) view of a (B, L, H, Ev) tensor, so merging the heads back is a view too.
at::Tensor outputLike(const at::Tensor& q, std::int64_t ev) {
    auto sizes = q.sizes().vec();
    sizes.back() = ev;
    if (q.dim() == 4 && q.stride(1) < q.stride(2) && q.stride(-1) == 1)
        return at::empty({sizes[0], sizes[2], sizes[1], sizes[3]}, q.options()).transpose(1, 2);
    return at::empty(sizes, q.options());
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
    auto out = outputLike(q, z.Ev);
    const std::int64_t sequences = z.L * z.E > 0 ? q.numel() / (z.L * z.E) : 0;
    if (sequences == 0 || z.S == 0)
        return out.zero_();
    const auto rq = rowsOf(q), rk = rowsOf(k), rv = rowsOf(v), ro = rowsOf(out);
    const RowStrides rows{rq.row, rk.row, rv.row, ro.row};
    const float* Q = rq.tensor.data_ptr<float>();
    const float* K = rk.tensor.data_ptr<float>();
    const float* V = rv.tensor.data_ptr<float>();
    float* O = out.data_ptr<float>();
    const auto attend = pickKernel(kernel, attendAvx512, attendAvx2, attendBaseline);
    const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 14) / (z.L * z.S));
    at::parallel_for(0, sequences, grain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> qT(static_cast<std::size_t>(z.E * z.Lp));
        std::vector<float> p(static_cast<std::size_t>(z.S * z.Lp));
        std::vector<float> sum(static_cast<std::size_t>(z.Lp)), oT(static_cast<std::size_t>(z.Lp));
        for (std::int64_t n = begin; n < end; ++n) {
            const auto at = static_cast<std::size_t>(n);
            attend({Q + rq.offsets[at], K + rk.offsets[at], V + rv.offsets[at], O + ro.offsets[at],
                    s, z, rows, qT.data(), p.data(), sum.data(), oT.data()});
        }
    });
    return out;
}

}  // namespace mp::shim
