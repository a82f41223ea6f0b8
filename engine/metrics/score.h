#pragma once
// One metric's result, as every scorer returns it and every consumer (today the CLI's text and
// JSON) reads it. Torch-free and OpenCV-free so that the CLIP scores (mp_engine) and the flow
// similarity (mp_engine_vision) share it. "CLIP score" means different numbers in different
// papers, so each result names its metric, its variant, the backbone and the parameters.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mp::metrics {

struct ScoreResult {
    std::string metric;    // "text_alignment", "temporal_consistency", "pickscore", ...
    std::string variant;   // "tgve", "torchmetrics", "consecutive", "all-pairs", ...
    std::string backbone;  // the scorer that produced it, e.g. "openai/clip-vit-large-patch14
                           // (ViT-L/14)"; "opencv-lk" for flow similarity
    double value = 0;
    // False when the inputs leave the metric undefined (no trackable point in any frame); value
    // is then 0 and `note` says why. Never NaN.
    bool valid = true;
    std::string note;
    std::vector<double> perItem;  // per frame, per frame pair, ... (the metric says which)
    std::vector<std::pair<std::string, double>> params;  // everything that fixes the number
};

// value − reference.value, as the paper's "CLIP score change" (the edit's score minus the
// original's for the same prompt). Metric "<metric>_change", same variant and backbone; the
// reference's value is kept in params. Invalid if either is.
ScoreResult scoreChange(const ScoreResult& value, const ScoreResult& reference);

// {"metric", "variant", "backbone", "value" (null when invalid), "valid", "note"?, "per_item",
// "params": {name: value}}
nlohmann::json scoreToJson(const ScoreResult& score);

}  // namespace mp::metrics
