#pragma once
// One-shot motion customization's training (the paper's method): a LoRA on the denoiser's
// temporal attention, trained on one reference video with its caption by the family's plain
// diffusion loss, with the training timesteps drawn only from [τ, T) — so the LoRA learns what the
// early, noisy steps decide (the motion) and not the reference's appearance. τ = 0 is
// unconstrained training. The trainer is the engine's (AdamW, schedule, checkpoints, resume,
// cancel); the base weights stay frozen and unchanged.

#include "adapters/lora.h"
#include "core/error.h"
#include "core/job.h"
#include "pipelines/pipeline.h"
#include "train/trainer.h"

#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace mp::train {

struct CustomizeOptions {
    at::Tensor latents;   // the reference video's clean latents x0 (1, C, F, h, w), float32
    std::string caption;  // c
    int tau = 700;        // training timesteps from [tau, numTrainTimesteps)
    adapters::Preset preset = adapters::Preset::TemporalVO;
    std::int64_t rank = 4;  // 0: direct tuning (full-rank ΔW of the preset's layers)
    double alpha = 4;
    double dropout = 0;  // LoRA dropout (applies the adapter unmerged)
    int batch = 1;       // noise draws of the one video per micro-batch (train.accumulate of them
                         // per step)
    // Activations recomputed in the backward instead of kept (the denoiser's checkpointing):
    // the training's peak memory falls, the step takes about one more forward; the adapter is
    // the same. Not with dropout.
    bool gradientCheckpointing = false;
    TrainConfig train;
    // Previews while training: after every `previewEvery` steps (0: none; not after the last)
    // `preview` is generated with the adapter as trained so far, gated at τ (its adapter fields
    // are set here), and onPreview gets the step and the video (1, 3, F, H, W) in [0, 1]. The
    // training's random draws are not touched, so a run with previews trains the same adapter.
    int previewEvery = 0;
    pipelines::GenerateRequest preview;
    std::function<void(int step, const at::Tensor& video)> onPreview;
    std::map<std::string, std::string> fileMetadata;  // extra header entries (the video's hash, …)
};

struct CustomizeReport {
    TrainReport training;
    std::filesystem::path loraFile;
    int smallestTimestep = 0, largestTimestep = 0;  // of the timesteps this run drew
    std::vector<std::string> modules;               // the adapted layers
};

// Trains (or resumes, with train.checkpointDir) and writes `loraFile` (diffusers/peft naming
// under the pipeline's denoiser component, α and the settings in the metadata). Never throws.
Result<CustomizeReport> trainCustomization(const pipelines::Pipeline& pipeline,
                                           const CustomizeOptions& options,
                                           const std::filesystem::path& loraFile,
                                           const JobContext& job = {});

}  // namespace mp::train
