#pragma once
// The training loop every model of ours is trained with (the toy world's models now, the motion
// LoRA next): AdamW with PyTorch's exact update, linear warm-up then cosine decay, gradient
// clipping by global norm, an exponential moving average of the weights, bf16 autocast on CUDA,
// progress with ETA, cancel, and checkpoints that resume exactly.
//
// A checkpoint is one safetensors file (written atomically) holding the parameters, the EMA, the
// optimizer's moments, the step and the CPU generator the loss function draws its batches and
// noise from; resuming from it continues bit for bit as if the run had not stopped, because the
// loss sees the same generator state and the same weights. Runs with a checkpoint folder resume
// from the newest checkpoint there.

#include "core/error.h"
#include "core/job.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mp::train {

struct AdamWConfig {
    double lr = 1e-4;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weightDecay = 1e-2;
};

struct TrainConfig {
    AdamWConfig adamw;
    int totalSteps = 1000;
    int warmupSteps = 0;                  // lr rises linearly from 0 over these steps
    double minLrRatio = 0.0;              // cosine decay ends at minLrRatio · lr
    double gradClipNorm = 0.0;            // > 0: clip the global gradient norm to this
    double emaDecay = 0.0;                // > 0: keep an EMA of the weights with this decay
                                          // (warmed up: emaDecayAt)
    int accumulate = 1;                   // loss evaluations (micro-batches) per step; their
                                          // gradients are averaged
    bool bf16Autocast = false;            // CUDA only: run the loss in bf16 autocast
    std::uint64_t seed = 0;               // seeds the loss function's generator
    std::filesystem::path checkpointDir;  // empty: no checkpoints, no resume
    int checkpointEvery = 0;              // steps between checkpoints; 0: only the last
    bool checkpointOnCancel = true;       // a cancelled run keeps what it did
    int checkpointsKept = 2;              // older ones are removed
    // After each step, with the steps done and that step's loss (a live loss curve); on the
    // training thread.
    std::function<void(int step, double loss)> onStep;
};

// The learning rate at `step` (0-based: the step being taken).
double learningRate(const TrainConfig& config, int step);
// The EMA's decay after `step` updates (0-based): min(emaDecay, (1 + step) / (10 + step)), as
// diffusers' EMAModel warms it up, so the random initial weights fade within the first hundred
// steps instead of weighing e^(−steps·(1−decay)) (12% after 2,100 steps at 0.999).
double emaDecayAt(const TrainConfig& config, int step);

// One batch's loss, on the device of the parameters; draw every random number from `generator`
// so that a resumed run sees the same ones.
using LossFn = std::function<at::Tensor(int step, at::Generator& generator)>;

struct TrainReport {
    int firstStep = 0;           // where this run started (> 0 when it resumed)
    int steps = 0;               // steps done in all, at the end
    std::vector<double> losses;  // of the steps this run took
    std::filesystem::path lastCheckpoint;
    double seconds = 0;
};

// A module's parameters by name, as the trainer takes them.
std::vector<std::pair<std::string, at::Tensor>> namedParameters(const torch::nn::Module& module);

class Trainer {
public:
    // `parameters` are the tensors to train, by name (e.g. a module's named_parameters()); they
    // are updated in place and must require grad.
    Trainer(std::vector<std::pair<std::string, at::Tensor>> parameters, TrainConfig config);

    // Trains until totalSteps, resuming from checkpointDir's newest checkpoint when there is
    // one. Progress: stage "train", with the loss in the log. Cancel ends after the current step
    // (and writes a checkpoint unless told not to).
    Result<TrainReport> run(const LossFn& loss, const JobContext& job = {});

    int step() const { return m_step; }
    // The EMA weights by name (the parameters themselves when no EMA is kept).
    std::vector<std::pair<std::string, at::Tensor>> emaWeights() const;
    // Copies the EMA weights into the parameters (nothing when no EMA is kept): the weights to
    // ship once training ends.
    void useEmaWeights();

    // Writes a checkpoint of the current state; returns its path.
    std::filesystem::path saveCheckpoint() const;
    // Restores the state from a checkpoint file. Throws EngineError naming the file when it does
    // not match these parameters (names, shapes) or is not a checkpoint.
    void loadCheckpoint(const std::filesystem::path& file);
    // The newest checkpoint in `dir`, or an empty path.
    static std::filesystem::path latestCheckpoint(const std::filesystem::path& dir);

private:
    void takeStep(int step);
    TrainReport runImpl(const LossFn& loss, const JobContext& job);

    struct Slot {
        std::string name;
        at::Tensor param, m, v, ema;
    };
    std::vector<Slot> m_slots;
    TrainConfig m_config;
    at::Generator m_generator;
    int m_step = 0;
};

}  // namespace mp::train
