#pragma once
// The prompt-tampering probe (the paper's analysis): DDIM-invert a video's latents with its
// caption c, then resample from x̂_T with c' for τ_end ≤ t ≤ τ_start and c elsewhere, for every
// pair of a grid, plus the reconstruction (c only) and the full edit (c' only). The runs share
// prefixes (probe/plan.h): each evaluation the plan lists is made once, and the nodes at the
// same depth of a group go through the model together, `maxBatch` at a time, through the one
// denoise loop (sampling/denoise.h).
//
// Choices, documented in docs/probe.md:
// - the video's latents are the VAE posterior mean × scaling factor (the family's encodeVideo);
// - inversion uses c with its own guidance (default 1: none), resampling the probe's guidance
//   with the negative prompt (or "") as the unconditional side;
// - DDIM with η = 0, so no seed enters; the runs are deterministic.

#include "core/error.h"
#include "core/job.h"
#include "probe/plan.h"
#include "sampling/denoise.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mp::pipelines {
class Pipeline;
}

namespace mp::probe {

// What the probe needs of a model family (pipelines/ fills it in: probeModel(pipeline)).
struct ProbeModel {
    const sampling::DdimScheduler* scheduler = nullptr;
    sampling::ModelFn model;
    std::function<sampling::Conditioning(const std::string& prompt,
                                         const std::optional<std::string>& negative)>
        encodePrompt;
    double defaultGuidance = 9.0;
};

// A pipeline of any family (the toy model is a ModelScope one) as the probe sees it; the pipeline
// must outlive the result.
ProbeModel probeModelOf(const pipelines::Pipeline& pipeline);

// Where a probe keeps what it has finished, so that a rerun after a kill computes no finished
// branch again (the CLI backs it with the experiment store). Names: "inverted" (x̂_T), "trunk"
// (the reconstruction's states, stacked), "run.<name>" (a run's final latents). Empty functions:
// nothing is kept.
struct ProbeCheckpoints {
    std::function<std::optional<at::Tensor>(const std::string& name)> load;
    std::function<void(const std::string& name, const at::Tensor& tensor)> save;
};

struct ProbeRequest {
    at::Tensor latents;   // the video's clean latents x0 (1, ...), float32
    std::string caption;  // c
    std::string edit;     // c'
    std::optional<std::string> negativePrompt;
    int steps = 50;
    double inversionGuidance = 1.0;
    std::optional<double> guidance;  // resampling; default the model's
    GridOptions grid;
    int maxBatch = 16;  // runs' states through the model at once
    ProbeCheckpoints checkpoints;
};

struct ProbeRunOutput {
    int run = 0;         // index into plan.runs
    at::Tensor latents;  // final latents (1, ...), float32, on the CPU
};

struct ProbeResult {
    ProbePlan plan;
    at::Tensor invertedNoise;          // x̂_T
    std::vector<ProbeRunOutput> runs;  // one per plan run, in plan order
    // Resampling excludes the time spent in the RunsFinished callback (decoding, scoring,
    // writing), which is reported on its own.
    double inversionSeconds = 0, resamplingSeconds = 0, runsFinishedSeconds = 0;
    int evaluationsComputed = 0;  // this call's denoiser evaluations (inversion not counted)
    int runsResumed = 0;          // runs whose latents came from the checkpoints
    // The most runs resampled at once: the request's maxBatch, or less where a batch that size
    // ran out of device memory and was halved (until it fit).
    int batchUsed = 0;
    bool inversionResumed = false;
};

// Called as each group's runs are done (the reconstruction first), on the calling thread, with
// the plan the run indices refer to.
using RunsFinished =
    std::function<void(const ProbePlan& plan, const std::vector<ProbeRunOutput>& finished)>;

// Never throws; cancellation stops within one denoising step and comes back as cancelled().
Result<ProbeResult> runProbe(const ProbeModel& model,
                             const ProbeRequest& request,
                             const JobContext& job = {},
                             const RunsFinished& onRunsFinished = {});

// A run's condition per timestep as the denoise loop reads it: c only, c' only, or the pair's
// window.
sampling::ConditionSchedule runSchedule(const ProbePlan::Run& run);

// The naive procedure: one full resampling from x̂_T with the run's schedule (for checks against
// the plan; the same loop and arithmetic, no sharing). Throws like denoise.
at::Tensor resampleNaive(const ProbeModel& model,
                         const at::Tensor& invertedNoise,
                         const sampling::Conditioning& caption,
                         const sampling::Conditioning& edit,
                         const sampling::ConditionSchedule& schedule,
                         int steps,
                         double guidance);

}  // namespace mp::probe
