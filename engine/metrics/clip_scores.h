#pragma once
// Scores on CLIP embeddings. Every result names the metric, the variant and the backbone that
// produced it, because "CLIP score" means different numbers in different papers:
//   text alignment, TGVE-official:  mean over frames of logit_scale · cos(frame, prompt)
//   text alignment, torchmetrics:   max(mean over frames of 100 · cos(frame, prompt), 0) — the
//                                   clamp is on the mean, as torchmetrics' CLIPScore computes it
//   temporal consistency:           mean cos(frame_i, frame_j) over consecutive frames
//                                   ("consecutive") or over all pairs i < j ("all-pairs")
//   PickScore:                      mean over frames of logit_scale · cos with the PickScore
//                                   model (TGVE's and PickScore's own code)
// Embeddings are the projected, unnormalised ones (ClipModel::imageEmbeds / textEmbeds);
// normalisation and the sums run in double.

#include "metrics/score.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace mp::metrics {

enum class AlignmentVariant { Tgve, Torchmetrics };
enum class ConsistencyVariant { Consecutive, AllPairs };

// frames (F, D), prompt (D) or (1, D). Throws EngineError{InvalidArgument} on shapes.
ScoreResult textAlignment(const at::Tensor& frameEmbeds,
                          const at::Tensor& promptEmbed,
                          double logitScale,
                          AlignmentVariant variant);
// frames (F, D) with F ≥ 2.
ScoreResult temporalConsistency(const at::Tensor& frameEmbeds, ConsistencyVariant variant);
// frames (F, D) and the prompt (D) from a PickScore model; logitScale is its exp(logit_scale).
ScoreResult pickScore(const at::Tensor& frameEmbeds,
                      const at::Tensor& promptEmbed,
                      double logitScale);
// PickScore's preference between candidates for one prompt: softmax of their scores, as its
// reference snippet turns scores into probabilities. Empty in, empty out.
std::vector<double> preferenceProbabilities(const std::vector<double>& scores);

}  // namespace mp::metrics
