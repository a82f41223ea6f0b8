#pragma once
// The toy world's VAE: a small diffusers AutoencoderKL (4× downsampling, 4 latent channels)
// trained by our trainer on frames of the toy world. Its folder (config.json with the measured
// scaling factor, diffusion_pytorch_model.safetensors in fp16) loads in diffusers unchanged and
// becomes the vae/ of the toy text-to-video pipeline.

#include "core/error.h"
#include "core/job.h"
#include "models/vae.h"
#include "runtime/device.h"
#include "train/trainer.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace mp::train {

struct ToyVaeOptions {
    std::vector<std::int64_t> channels{32, 64, 64};  // 3 levels: 64×64 frames → 16×16 latents
    std::int64_t layersPerBlock = 1;
    std::int64_t groups = 8;
    int batch = 128;         // frames per step
    double klWeight = 1e-6;  // per latent element, against the per-pixel reconstruction loss
    TrainConfig train;
};

models::AutoencoderKLConfig toyVaeConfig(const ToyVaeOptions& options);

struct ToyVaeReport {
    TrainReport training;
    double scalingFactor = 0;  // 1 / std of the latent means, written into config.json
};

// Trains from scratch (or resumes from the options' checkpoints) and writes the folder `out`.
Result<ToyVaeReport> trainToyVae(const ToyVaeOptions& options,
                                 const DeviceChoice& device,
                                 const std::filesystem::path& out,
                                 const JobContext& job = {});

// Reconstruction of held-out clips (seeds from `firstSeed`, styled subjects, some pairs): every
// frame through encode (posterior mean) and decode, PSNR in dB of each clip's mean squared error
// on [0, 1] pixels, averaged over the clips. A toy CogVideoX VAE folder (AutoencoderKLCogVideoX)
// takes whole clips of 17 frames instead.
Result<double> toyVaePsnr(const std::filesystem::path& folder,
                          int clips,
                          std::uint64_t firstSeed,
                          const DeviceChoice& device = {});

}  // namespace mp::train
