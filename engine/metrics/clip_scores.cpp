#include "metrics/clip_scores.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

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

// cos(frame, prompt) per frame, in double on the frames' device.
at::Tensor promptCosines(const at::Tensor& frameEmbeds,
                         const at::Tensor& promptEmbed,
                         const char* what) {
    const auto prompt = promptEmbed.dim() == 2 ? promptEmbed.squeeze(0) : promptEmbed;
    if (frameEmbeds.dim() != 2 || frameEmbeds.size(0) < 1 || prompt.dim() != 1 ||
        prompt.size(0) != frameEmbeds.size(1))
        throw EngineError(
            ErrorCode::InvalidArgument,
            std::string(what) + ": expected frame embeddings (F, D) and one prompt embedding (D)");
    return at::matmul(unit(frameEmbeds), unit(prompt).to(frameEmbeds.device()));
}

}  // namespace

ScoreResult textAlignment(const at::Tensor& frameEmbeds,
                          const at::Tensor& promptEmbed,
                          double logitScale,
                          AlignmentVariant variant) {
    const auto cos = promptCosines(frameEmbeds, promptEmbed, "text alignment");
    ScoreResult r;
    r.metric = "text_alignment";
    if (variant == AlignmentVariant::Tgve) {
        r.variant = "tgve";
        const auto per = cos * logitScale;
        r.perItem = values(per);
        r.value = per.mean().item<double>();
        r.params = {{"logit_scale", logitScale}};
    } else {
        // torchmetrics clamps the mean, not each frame: a frame below 0 still pulls it down.
        r.variant = "torchmetrics";
        const auto per = cos * 100.0;
        r.perItem = values(per);
        r.value = std::max(per.mean().item<double>(), 0.0);
        r.params = {{"scale", 100.0}};
    }
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

ScoreResult pickScore(const at::Tensor& frameEmbeds,
                      const at::Tensor& promptEmbed,
                      double logitScale) {
    const auto per = promptCosines(frameEmbeds, promptEmbed, "PickScore") * logitScale;
    ScoreResult r;
    r.metric = "pickscore";
    r.variant = "mean-over-frames";
    r.perItem = values(per);
    r.value = per.mean().item<double>();
    r.params = {{"logit_scale", logitScale}};
    return r;
}

std::vector<double> preferenceProbabilities(const std::vector<double>& scores) {
    if (scores.empty())
        return {};
    const double top = *std::max_element(scores.begin(), scores.end());
    std::vector<double> p;
    double sum = 0;
    for (double s : scores)
        sum += p.emplace_back(std::exp(s - top));
    for (double& v : p)
        v /= sum;
    return p;
}

}  // namespace mp::metrics
