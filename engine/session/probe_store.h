#pragma once
// A probe recorded in the experiment store, as the CLI and the workbench both record it: the key
// that fixes its numbers, checkpoints (x̂_T, the trunk, each finished run's latents) so that a
// rerun after a kill computes no finished branch again, and each run's metrics as JSON.

#include "probe/probe.h"
#include "session/probe_session.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace mp::session {

// The model (its folder, component configs and weight files: their bytes, sampled for files over
// 64 MiB; every family's denoiser folder), the video as the model sees it, the captions and every
// setting that changes a run's latents; not the grid, so a finer grid reuses the runs a coarser
// one finished.
std::string probeKey(const std::filesystem::path& model,
                     const video::Clip& clip,
                     const probe::ProbeRequest& request,
                     const std::string& device);

// Checkpoints kept in the store under the probe's row (a damaged entry reads as absent and is
// recomputed). The store must outlive them.
probe::ProbeCheckpoints storeCheckpoints(store::ExperimentStore& db, std::int64_t probe);

// A run's name, its τ pair and its metrics (clip_change, flow_similarity, oracle) as the store
// and results.json hold them.
nlohmann::ordered_json runJson(const RunReport& run);

// Records the run in the store with `json` (runJson plus whatever the caller adds).
void recordRun(store::ExperimentStore& db,
               std::int64_t probe,
               const RunReport& run,
               const nlohmann::ordered_json& json);

}  // namespace mp::session
