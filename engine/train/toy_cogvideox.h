#pragma once
// The toy world's CogVideoX, trained by our trainer in two recipes. First the VAE: a small
// diffusers AutoencoderKLCogVideoX (causal 3-D convolutions; 3 levels, so 4× in space and, by its
// two time-compressing levels, 4× in time) trained on whole toy clips of 1 + 4k frames (17 by
// default: 5 latent frames of 16×16). Its folder (config.json with the measured scaling factor,
// diffusion_pytorch_model.safetensors in fp16) loads in diffusers unchanged and becomes the vae/
// of the toy CogVideoX pipeline.
//
// Then the pipeline: a small CogVideoXTransformer3DModel in CogVideoX-2b's layout (the fixed 3-D
// sin-cos table, expert adaLN per stream, joint attention with q/k norms) trained on that VAE's
// latents, conditioned on the toy T5 (train/toy_t5) as CogVideoXPipeline feeds it (226 tokens,
// padded, no attention mask), with CogVideoX-2b's scheduler config (CogVideoXDDIMScheduler:
// v-prediction, zero terminal SNR, SNR shift 3, trailing timesteps). The result is a whole
// CogVideoXPipeline folder that diffusers loads unchanged: 17 frames of 64×64 by default.
#include "core/error.h"
#include "core/job.h"
#include "models/cogvideox.h"
#include "models/cogvideox_vae.h"
#include "runtime/device.h"
#include "train/trainer.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace mp::train {

struct ToyCogVideoXVaeOptions {
    std::vector<std::int64_t> channels{32, 64, 64};  // 3 levels: 64×64 frames → 16×16 latents
    std::int64_t latentChannels = 16;                // CogVideoX's
    std::int64_t layersPerBlock = 1;
    std::int64_t groups = 8;
    int frames = 17;         // 1 + 8k frames a clip: an odd count of latent frames
    int batch = 16;          // clips per step
    double klWeight = 1e-6;  // per latent element, against the per-pixel reconstruction loss
    TrainConfig train;
};

models::CogVideoXVaeConfig toyCogVideoXVaeConfig(const ToyCogVideoXVaeOptions& options);

struct ToyCogVideoXVaeReport {
    TrainReport training;
    double scalingFactor = 0;  // 1 / std of the latent means, written into config.json
};

// Trains from scratch (or resumes from the options' checkpoints) and writes the folder `out`.
// Throws (as a Result) for channels that are not 3 levels dividing into the groups, or a frame
// count the VAE does not give back whole (requireWholeCogVideoXClips: 1 + 8k, k ≥ 1).
Result<ToyCogVideoXVaeReport> trainToyCogVideoXVae(const ToyCogVideoXVaeOptions& options,
                                                   const DeviceChoice& device,
                                                   const std::filesystem::path& out,
                                                   const JobContext& job = {});

struct ToyCogVideoXOptions {
    std::filesystem::path t5Folder;   // the toy T5 (encoder and tokenizer: train/toy_t5)
    std::filesystem::path vaeFolder;  // the toy CogVideoX VAE (trainToyCogVideoXVae)
    // 4 blocks of width 64 (4 heads of 16) over 5 latent frames of 8×8 patches and 226 text
    // tokens.
    std::int64_t heads = 4;
    std::int64_t headDim = 16;
    std::int64_t layers = 4;
    std::int64_t timeEmbedDim = 128;
    int frames = 17;           // the clips' frames (1 + 8k), the transformer's sample_frames
    int batch = 64;            // clips per step
    double dropCaption = 0.1;  // share of captions replaced by "" (classifier-free guidance)
    int reuse = 4;             // draws each encoded clip serves (ToyLatentSource)
    int poolBatches = 16;
    // The v error in the latent cells the subjects cover weighs 1 + subjectWeight. 0: plain.
    double subjectWeight = 0;
    // Train the pipeline's copy of the T5 with the transformer. The toy T5 learnt with its
    // padding masked; CogVideoX's pipeline passes no mask, so its 200-odd padding tokens join
    // every state, and training the copy lets it settle to that.
    bool trainTextEncoder = false;
    // A CogVideoX pipeline (or transformer folder) whose weights the training starts from
    // (strictly bound), with its text encoder when it has one. Empty: from scratch.
    std::filesystem::path initFrom;
    TrainConfig train;
};

// The transformer's configuration for a T5 of width textEmbedDim and the VAE's factors.
models::CogVideoXConfig toyCogVideoXConfig(const ToyCogVideoXOptions& options,
                                           std::int64_t textEmbedDim,
                                           const models::CogVideoXVaeConfig& vae);

struct ToyCogVideoXReport {
    TrainReport training;
};

// Trains from scratch (or resumes) and writes the pipeline folder `out`.
Result<ToyCogVideoXReport> trainToyCogVideoX(const ToyCogVideoXOptions& options,
                                             const DeviceChoice& device,
                                             const std::filesystem::path& out,
                                             const JobContext& job = {});

}  // namespace mp::train
