#include "metrics/clip_scores.h"

#include "core/error.h"

#include <ATen/ATen.h>

namespace mp::metrics {

namespace {

at::Tensor unit(const at::Tensor& x) {
    const auto d = x.to(at::kDouble);
    return d / d.norm(2, -1, true).clamp_min(1e-12);
}

std::vector<double> values(const at::Tensor& t) {
    const auto c = t.to(at::kDouble).cpu().contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

}  // namespace

ScoreResult textAlignment(const at::Tensor& frameEmbeds,
                          const at::Tensor& promptEmbed,
                          double logitScale,
                          AlignmentVariant variant) {
    const auto prompt = promptEmbed.dim() == 2 ? promptEmbed.squeeze(0) : promptEmbed;
    if (frameEmbeds.dim() != 2 || frameEmbeds.size(0) < 1 || prompt.dim() != 1 ||
        prompt.size(0) != frameEmbeds.size(1))
        throw EngineError(ErrorCode::InvalidArgument,
                          "text alignment: expected frame embeddings (F, D) and one prompt "
                          "embedding (D)");
    const auto cos = at::matmul(unit(frameEmbeds), unit(prompt).to(frameEmbeds.device()));
    ScoreResult r;
    r.metric = "text_alignment";
    at::Tensor per;
    if (variant == AlignmentVariant::Tgve) {
        r.variant = "tgve";
        per = cos * logitScale;
    } else {
        r.variant = "torchmetrics";
        per = (cos * 100.0).clamp_min(0.0);
    }
    r.perItem = values(per);
    r.value = per.mean().item<double>();
    return r;
}

ScoreResult temporalConsistency(const at::Tensor& frameEmbeds, ConsistencyVariant variant) {
    if (frameEmbeds.dim() != 2 || frameEmbeds.size(0) < 2)
        throw EngineError(ErrorCode::InvalidArgument,
                          "temporal consistency: expected embeddings of at least 2 frames (F, D)");
    const auto u = unit(frameEmbeds);
    const auto F = u.size(0);
    ScoreResult r;
    r.metric = "temporal_consistency";
    at::Tensor per;
    if (variant == ConsistencyVariant::Consecutive) {
        r.variant = "consecutive";
        per = (u.slice(0, 0, F - 1) * u.slice(0, 1, F)).sum(-1);
    } else {
        r.variant = "all-pairs";
        const auto sim = at::matmul(u, u.t());
        const auto upper = at::ones({F, F}, at::kBool).triu(1).to(sim.device());
        per = sim.masked_select(upper);  // row-major: (0,1), (0,2), …, (1,2), …
    }
    r.perItem = values(per);
    r.value = per.mean().item<double>();
    return r;
}

}  // namespace mp::metrics
