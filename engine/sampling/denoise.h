#pragma once
// The one denoise loop: generation and DDIM inversion run through denoise(). Slices of a run,
// per-item condition schedules and the adapter scale per step are data, so no use needs its own
// copy of the loop. Family-specific things (layout, latent channels, the model's dtype) stay
// inside the ModelFn the pipeline provides (ModelScopePipeline::modelFn); the loop only steps a
// scheduler, picks each step's condition and adapter scale, and applies guidance.
//
// The loop keeps latents in float32 whatever the model's dtype (diffusers steps in the model
// dtype); the ModelFn casts its input and the loop casts the prediction back.

#include "core/error.h"
#include "core/job.h"
#include "sampling/ddim.h"
#include "sampling/schedules.h"
#include "sampling/trajectory.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mp::sampling {

// One prompt, already encoded. Batch dimension 1 (broadcast to every item) or the latents' batch.
// Conditions may differ in length (Latte cuts each caption to its tokens): a step that batches
// items of different lengths pads them with zeros to the longest and passes a mask.
struct Conditioning {
    at::Tensor embeddings;          // (B|1, L, D)
    at::Tensor negativeEmbeddings;  // same shape; needed when guidance is on
};

// What the model sees at one step. With guidance the batch is [unconditional; conditional]
// (2B items), as diffusers concatenates [negative, positive].
struct ModelInput {
    at::Tensor latents;    // (N, ...) float32
    at::Tensor timesteps;  // (N,) int64, all equal to `timestep`
    at::Tensor context;    // (N, L, D)
    // (N, L) bool, true for real tokens; undefined when every item's condition has L tokens.
    at::Tensor contextMask;
    std::int64_t timestep = 0;
    double adapterScale = 0.0;
};
// Returns the raw prediction (ε, v or x0 per the scheduler config), shaped like the latents.
using ModelFn = std::function<at::Tensor(const ModelInput&)>;

struct DenoiseRequest {
    Direction direction = Direction::Forward;
    int numSteps = 50;
    // A slice of the direction's timestep list: [firstStep, firstStep + stepCount). stepCount -1
    // runs to the end. The probe uses slices to branch from shared prefixes.
    int firstStep = 0;
    int stepCount = -1;

    at::Tensor latents;  // the starting point; its noise level is the slice's starting level
    std::vector<Conditioning> conditions;
    ConditionSchedule conditionSchedule = ConditionSchedule::constant(0);
    // Optional: one schedule per batch item (a batch of branches with different windows);
    // overrides conditionSchedule when not empty.
    std::vector<ConditionSchedule> itemConditionSchedules;
    AdapterSchedule adapterSchedule = AdapterSchedule::none();
    Guidance guidance;

    double eta = 0.0;        // forward DDIM only
    std::uint64_t seed = 0;  // seeds the η noise (a CPU generator, so results match per seed)
    bool recordTrajectory = false;
    std::string stage;  // progress stage; default "denoise" / "invert"
};

struct DenoiseResult {
    at::Tensor latents;                   // float32, at the slice's final noise level
    at::Tensor predictedX0;               // x̂0 from the last step
    std::vector<std::int64_t> timesteps;  // the timesteps this run evaluated
    Trajectory trajectory;                // the start and every step's output, when requested
};

// The noise level a step list starts from / ends at: forward starts at its first timestep and
// steps down by the stride; inverse starts one stride below its first timestep.
std::int64_t startLevel(const DdimScheduler& scheduler,
                        Direction direction,
                        int numSteps,
                        int firstStep);

// Never throws: errors and cancellation come back in the Result (cancelled() for a cancel).
Result<DenoiseResult> denoise(const DdimScheduler& scheduler,
                              const ModelFn& model,
                              const DenoiseRequest& request,
                              const JobContext& context = {});

// Invert clean latents into a trajectory x̂_t (one entry per step, x0 first), then optionally
// resample from the top with the same condition and report how close the reconstruction is.
struct InversionRequest {
    at::Tensor latents;  // clean x0
    Conditioning condition;
    int numSteps = 50;
    Guidance guidance;  // usually off for inversion
    bool measureReconstruction = true;
    std::optional<std::filesystem::path> saveTrajectory;  // written only when the run finishes
};

struct InversionResult {
    Trajectory trajectory;
    at::Tensor reconstruction;                       // when measured
    std::optional<LatentError> reconstructionError;  // reconstruction vs the input
};

Result<InversionResult> invert(const DdimScheduler& scheduler,
                               const ModelFn& model,
                               const InversionRequest& request,
                               const JobContext& context = {});

}  // namespace mp::sampling
