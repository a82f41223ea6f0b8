#include "metrics/score.h"

#include <nlohmann/json.hpp>

namespace mp::metrics {

ScoreResult scoreChange(const ScoreResult& value, const ScoreResult& reference) {
    ScoreResult r;
    r.metric = value.metric + "_change";
    r.variant = value.variant;
    r.backbone = value.backbone;
    r.valid = value.valid && reference.valid;
    r.value = r.valid ? value.value - reference.value : 0.0;
    if (!r.valid)
        r.note = !value.valid ? value.note : "reference: " + reference.note;
    r.params = value.params;
    r.params.emplace_back("reference_value", reference.value);
    return r;
}

nlohmann::json scoreToJson(const ScoreResult& score) {
    nlohmann::json j;
    j["metric"] = score.metric;
    j["variant"] = score.variant;
    j["backbone"] = score.backbone;
    j["value"] = score.valid ? nlohmann::json(score.value) : nlohmann::json(nullptr);
    j["valid"] = score.valid;
    if (!score.note.empty())
        j["note"] = score.note;
    j["per_item"] = score.perItem;
    auto params = nlohmann::json::object();
    for (const auto& [name, v] : score.params)
        params[name] = v;
    j["params"] = params;
    return j;
}

}  // namespace mp::metrics
