#pragma once
// Scores on CLIP embeddings. Every result names the metric, the variant and the backbone that
// produced it, because "CLIP score" means different numbers in different papers:
//   text alignment, TGVE-official:     mean over frames of logit_scale · cos(frame, prompt)
//   text alignment, torchmetrics-style: mean over frames of 100 · max(cos(frame, prompt), 0)
//   temporal consistency:               mean cos(frame_i, frame_j) over consecutive frames
//                                       ("consecutive") or over all pairs i < j ("all-pairs")
// Embeddings are the projected, unnormalised ones (ClipModel::imageEmbeds / textEmbeds).

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace mp::metrics {

struct ScoreResult {
    std::string metric;    // "text_alignment", "temporal_consistency", ...
    std::string variant;   // "tgve", "torchmetrics", "consecutive", "all-pairs"
    std::string backbone;  // e.g. the scorer folder's name, filled by the caller
    double value = 0;
    std::vector<double> perItem;  // per frame (alignment) or per pair (consistency)
};

enum class AlignmentVariant { Tgve, Torchmetrics };
enum class ConsistencyVariant { Consecutive, AllPairs };

// frames (F, D), prompt (D) or (1, D). Throws EngineError{InvalidArgument} on shapes.
ScoreResult textAlignment(const at::Tensor& frameEmbeds,
                          const at::Tensor& promptEmbed,
                          double logitScale,
                          AlignmentVariant variant);
// frames (F, D) with F ≥ 2.
ScoreResult temporalConsistency(const at::Tensor& frameEmbeds, ConsistencyVariant variant);

}  // namespace mp::metrics
