#pragma once
// The toy world's Latte: a small diffusers LatteTransformer3DModel (Latte-1's architecture:
// patches with a 2-D sin-cos table, adaLN-single, caption projection, spatial and temporal
// blocks, the temporal sin-cos table added once, learned-sigma output channels) trained by our
// trainer on toy VAE latents, conditioned on the toy T5 (train/toy_t5), with Latte-1's DDIM
// scheduler config (linear betas 1e-4 → 0.02, ε prediction, leading spacing). The result is a
// whole LattePipeline folder (model_index.json, tokenizer, text_encoder, transformer, vae,
// scheduler) that diffusers loads unchanged.
//
// Captions reach the transformer as LattePipeline gives them with one prompt (mask_feature): the
// caption's own tokens; in a batch of captions of different lengths the transformer's caption
// mask leaves the padding out instead, which gives the same result. A caption dropped for
// guidance becomes "" with as many positions seen as the caption it replaced had tokens, as the
// pipeline cuts the negative prompt's states to the prompt's length.
//
// The transformer's second half of output channels (the learned variance of Latte-1, which the
// DDIM sampler does not read) is not trained; its output projection rows start at zero.
#include "core/error.h"
#include "core/job.h"
#include "models/latte.h"
#include "runtime/device.h"
#include "train/trainer.h"

#include <cstdint>
#include <filesystem>

namespace mp::train {

struct ToyLatteOptions {
    std::filesystem::path t5Folder;   // the toy T5 (encoder and tokenizer: train/toy_t5)
    std::filesystem::path vaeFolder;  // the toy VAE (AutoencoderKL)
    // Sized like the toy UNet for two CPU cores: 16 frames of 8×8 patches, 4 × (spatial +
    // temporal) blocks of width 64.
    std::int64_t heads = 4;
    std::int64_t headDim = 16;
    std::int64_t layers = 4;
    std::int64_t patch = 2;
    int batch = 64;            // clips per step
    double dropCaption = 0.1;  // share of captions replaced by "" (classifier-free guidance)
    int reuse = 4;             // draws each encoded clip serves (ToyLatentSource)
    int poolBatches = 16;
    // The ε error in the latent cells the subjects cover weighs 1 + subjectWeight (as the toy
    // UNet's ToyT2vOptions::subjectWeight). 0: plain MSE.
    double subjectWeight = 0;
    // Time-reversed pairs (ToyT2vOptions::reversedPairs), each half with its own noise.
    bool reversedPairs = false;
    // Latte-1's betas rescaled to zero terminal SNR, with v-prediction and trailing timesteps
    // (ToyT2vOptions::zeroTerminalSnr). Latte-1's schedule already ends at √ᾱ = 0.006 (ModelScope's
    // at 0.068), so it is off by default.
    bool zeroTerminalSnr = false;
    // Train the pipeline's copy of the T5 with the transformer.
    bool trainTextEncoder = false;
    // A Latte pipeline (or transformer folder) whose weights the training starts from (strictly
    // bound: the same configuration), with its text encoder when it has one. Empty: from scratch.
    std::filesystem::path initFrom;
    TrainConfig train;
};

// The transformer's configuration; captionChannels is the T5's width.
models::LatteConfig toyLatteConfig(const ToyLatteOptions& options, std::int64_t captionChannels);

struct ToyLatteReport {
    TrainReport training;
};

// Trains from scratch (or resumes) and writes the pipeline folder `out`.
Result<ToyLatteReport> trainToyLatte(const ToyLatteOptions& options,
                                     const DeviceChoice& device,
                                     const std::filesystem::path& out,
                                     const JobContext& job = {});

}  // namespace mp::train
