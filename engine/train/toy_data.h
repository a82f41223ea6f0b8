#pragma once
// Batches of the toy world for training and evaluating its models. The renderer is the CPU side
// of a GPU training step, so clips and frames are drawn in parallel (one task per item) into
// uint8 tensors, which travel to the device before they become floats.

#include "io/tensor_io.h"
#include "models/cogvideox_vae.h"
#include "models/vae.h"
#include "toy/world.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
}

namespace mp::train {

// Training clips use seeds below this; held-out evaluation seeds start above it.
inline constexpr std::int64_t kToyTrainingSeeds = 1'000'000'000;
inline constexpr std::uint64_t kToyHeldOutSeed = 1'000'000'007ull;

// Frame frames[i] of specs[i]: (N, H, W, 3) uint8. All specs share one size.
at::Tensor renderToyFrames(const std::vector<toy::ClipSpec>& specs, const std::vector<int>& frames);
// Whole clips: (N, F, H, W, 3) uint8. All specs share one size and length.
at::Tensor renderToyClips(const std::vector<toy::ClipSpec>& specs);
// Each spec's background alone: (N, H, W, 3) uint8.
at::Tensor renderToyBackgrounds(const std::vector<toy::ClipSpec>& specs);
// Where the subjects are, at the latents' resolution: clips (N, F, H, W, 3) and their backgrounds
// (N, H, W, 3), uint8 on any device → (N, 1, F, H / factor, W / factor) float, 1 where any pixel
// of the factor × factor cell differs from the background (by more than the oracle's threshold,
// 24 summed over the channels) or a neighbouring cell does (a 3 × 3 dilation: the subject's edge
// is decided beside it), else 0.
at::Tensor latentSubjectMask(const at::Tensor& clips,
                             const at::Tensor& backgrounds,
                             std::int64_t factor);
// Loss weights along the frames: (frames,) float, 1 + extra at the first and the last frame and 1
// between. The UNet's temporal layers carry no frame position; only the temporal convolutions'
// zero padding tells the end frames apart, so a path (which end the subject starts at) is learnt
// at the end frames first. Throws EngineError{InvalidArgument} for fewer than 2 frames or a
// negative extra.
at::Tensor edgeFrameWeights(std::int64_t frames, double extra);
// Loss weights over timesteps from their ᾱ (any shape): 1 / SNR = (1 − ᾱ) / ᾱ clamped to
// [1, cap]. Multiplying the ε error by 1 / SNR gives the error of the predicted clean latents;
// the plain ε loss weighs that by SNR, nearly nothing at the high-noise timesteps where the
// layout and the path of a clip are decided. cap ≤ 1 gives all ones. Throws for a cap below 0.
at::Tensor highNoiseWeights(const at::Tensor& alphasCumprod, double cap);
// Time-reversed pairs (ToyT2vOptions::reversedPairs): for i below half the batch, item
// half + i becomes item i played backwards — latents (N, C, F, H, W) flipped along F, in place,
// and the spec whose captions say the reversed path (toy::reversedCaptionSpec) — where the world
// has a word for the reverse. Returns each item's partner: the item it mirrors, or −1.
std::vector<int> pairReversed(std::vector<toy::ClipSpec>& specs, at::Tensor& latents);
// uint8 with channels last → float in [−1, 1] on `device`, channels first: frames (N, H, W, 3)
// → (N, 3, H, W); clips (N, F, H, W, 3) → (N, 3, F, H, W), the video models' layout.
at::Tensor toSignedUnit(const at::Tensor& rgb, const c10::Device& device);

// A ring of encoded clips that training batches are drawn from, so each clip's latents (the
// frozen VAE's work, the costliest part of a small model's step) serve several draws with fresh
// noise and timesteps. New clips overwrite the oldest; a draw is uniform over what is held.
class ClipPool {
public:
    explicit ClipPool(std::int64_t capacity);
    std::int64_t capacity() const { return m_capacity; }
    std::int64_t size() const { return static_cast<std::int64_t>(m_specs.size()); }
    // latents: (N, ...) for the N specs, all with one shape.
    void add(const std::vector<toy::ClipSpec>& specs, const at::Tensor& latents);
    // n draws with replacement: their positions in the pool, from `generator`.
    at::Tensor draw(std::int64_t n, at::Generator& generator) const;
    at::Tensor latents(const at::Tensor& positions) const;
    const toy::ClipSpec& spec(std::int64_t position) const { return m_specs.at(position); }

private:
    std::int64_t m_capacity;
    std::int64_t m_next = 0;  // the slot the next clip overwrites once the pool is full
    at::Tensor m_latents;
    std::vector<toy::ClipSpec> m_specs;
};

// Batches of encoded training clips for the toy video models (toy_t2v, toy_latte): clips of
// random training seeds, rendered and encoded by the frozen VAE (its mean times the scaling
// factor), with the subject mask (latentSubjectMask) as one more channel when asked. With
// reuse > 1 each clip serves about `reuse` draws from a pool of `poolBatches` batches
// (ClipPool); a pool is refilled after a resume (its clips are not part of a checkpoint).
class ToyLatentSource {
public:
    // Clips (N, 3, F, H, W) in [−1, 1] on the device → their latents (N, C, f, h, w), float,
    // scaled as the denoiser sees them.
    using Encoder = std::function<at::Tensor(const at::Tensor& clips)>;
    // Throws EngineError{InvalidArgument} for reuse or poolBatches below 1.
    ToyLatentSource(Encoder encoder,
                    c10::Device device,
                    toy::WorldOptions world,
                    int batch,
                    int reuse,
                    int poolBatches,
                    bool subjectMask);
    // The 2-D VAE frame by frame (posterior mean × scaling factor).
    static Encoder frameEncoder(models::AutoencoderKL vae);
    // The CogVideoX VAE over whole clips of 1 + 4k frames (posterior mean × scaling factor). The
    // subject mask of a latent frame is then the union of the frames it holds (the first alone,
    // then 4 at a time).
    static Encoder clipEncoder(models::AutoencoderKLCogVideoX vae);
    // One batch: its specs and latents (batch, C (+ 1 mask), F, h, w) on the device.
    std::pair<std::vector<toy::ClipSpec>, at::Tensor> draw(at::Generator& generator);

    // One training batch as both video recipes use it: draw(), then (reversedPairs) the
    // time-reversed pairs (pairReversed), the subject mask split off the latents, and each
    // item's caption phrasing and whether its caption is dropped for guidance (a share
    // dropCaption), a pair's second item taking its first's.
    struct Batch {
        std::vector<toy::ClipSpec> specs;
        at::Tensor latents;        // (batch, C, F, h, w)
        at::Tensor mask;           // (batch, 1, F, h, w); undefined without subjectMask
        std::vector<int> partner;  // the item a reversed one mirrors, else −1
        std::vector<int> variant;  // toy::caption's phrasing
        std::vector<bool> dropCaption;
    };
    Batch drawBatch(at::Generator& generator, bool reversedPairs, double dropCaption);

private:
    at::Tensor encode(const std::vector<toy::ClipSpec>& specs);
    std::vector<toy::ClipSpec> newClips(std::int64_t n, at::Generator& generator) const;
    Encoder m_encode;
    c10::Device m_device;
    toy::WorldOptions m_world;
    int m_batch, m_reuse;
    bool m_subjectMask;
    ClipPool m_pool;
};

// A scheduler_config.json moved to zero terminal SNR (Lin et al. 2024): the betas rescaled,
// v-prediction and trailing timesteps (DDIMScheduler reads all three).
void useZeroTerminalSnr(nlohmann::ordered_json& schedulerConfig);

// A model folder's JSON file, written atomically; its folder is created.
void writeFolderJson(const std::filesystem::path& file, const nlohmann::ordered_json& json);

// What the toy pipeline folders share: the VAE copied from `vaeFolder`, the scheduler's config,
// and model_index.json naming `pipelineClass` and each component's (library, class) (all of
// them, scheduler and vae too), marked as the toy world's (diffusers ignores keys that start
// with "_").
void writeToyPipelineParts(const std::filesystem::path& out,
                           const std::filesystem::path& vaeFolder,
                           const nlohmann::ordered_json& schedulerConfig,
                           const std::string& pipelineClass,
                           const nlohmann::ordered_json& components);

// A toy pipeline's denoiser made ready to train: bound to `initFrom`'s `component` weights
// (strictly) when a start is given, moved to `device`, in training mode; returns its parameters
// followed by `textParameters` (the text encoder's, when it trains too), as the trainer takes
// them. Training clips of the toy world for the transformer pipelines come from toyVideoWorld.
std::vector<std::pair<std::string, at::Tensor>> prepareToyDenoiser(
    torch::nn::Module& denoiser,
    const std::filesystem::path& initFrom,
    const std::string& component,
    const c10::Device& device,
    const std::vector<std::pair<std::string, at::Tensor>>& textParameters);

// The world the video models train on: styled subjects, a second one in 10% of the clips, and
// `frames` frames.
toy::WorldOptions toyVideoWorld(int frames = 16);
// The world the VAEs train and are measured on: every look it has, as the edits need them
// (styled subjects, a second one in a quarter of the clips), in clips of `frames` frames.
toy::WorldOptions toyVaeWorld(int frames = 16);
// The clips of `seeds` (a 1-D int64 tensor on the CPU) in `world`.
std::vector<toy::ClipSpec> clipsFromSeeds(const at::Tensor& seeds, const toy::WorldOptions& world);

// A clip length a CogVideoX VAE of this config encodes and gives back whole: 1 + t·k frames
// (t its time factor) whose 1 + k latent frames its decoder (2 at a time) returns as as many
// frames, i.e. an odd latent count: 1 + 2t·k with k ≥ 1 (9, 17, 25, ... for t = 4). Throws
// EngineError{InvalidArgument} naming `who` and the rule otherwise.
void requireWholeCogVideoXClips(const models::CogVideoXVaeConfig& vae,
                                int frames,
                                const std::string& who);

// The settings the toy transformer pipelines' weights record (Latte's, CogVideoX's): the
// trainer's, the batch and pool, the caption drop, the subject weight, text-encoder training,
// the start and the seed; the caller adds its family's own.
template <class Options>
std::map<std::string, std::string> transformerRecipeMetadata(const Options& o,
                                                             const std::string& trainedBy) {
    return {{"format", "pt"},
            {"trained_by", trainedBy},
            {"steps", std::to_string(o.train.totalSteps)},
            {"batch", std::to_string(o.batch)},
            {"lr", std::to_string(o.train.adamw.lr)},
            {"drop_caption", std::to_string(o.dropCaption)},
            {"reuse", std::to_string(o.reuse)},
            {"subject_weight", std::to_string(o.subjectWeight)},
            {"train_text_encoder", o.trainTextEncoder ? "true" : "false"},
            {"init", o.initFrom.empty() ? std::string("random") : o.initFrom.filename().string()},
            {"seed", std::to_string(o.train.seed)}};
}

// A module's parameters as the shipped folders store them: fp16 on the CPU, keys with `prefix`.
NamedTensors fp16Weights(const torch::nn::Module& module, const std::string& prefix = {});

}  // namespace mp::train
