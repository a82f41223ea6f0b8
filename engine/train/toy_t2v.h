#pragma once
// The toy world's text-to-video model: a small diffusers UNet3DConditionModel (ModelScope's
// architecture) trained by our trainer on toy VAE latents, conditioned on the frozen toy CLIP
// text encoder, with ModelScope's DDIM scheduler config. The result is a whole
// TextToVideoSDPipeline folder (model_index.json, tokenizer, text_encoder, unet, vae,
// scheduler) that diffusers loads unchanged.

#include "core/error.h"
#include "core/job.h"
#include "models/unet3d.h"
#include "runtime/device.h"
#include "train/trainer.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace mp::train {

struct ToyT2vOptions {
    std::filesystem::path clipFolder;  // the toy CLIP (CLIPModel): text encoder and tokenizer
    std::filesystem::path vaeFolder;   // the toy VAE (AutoencoderKL)
    // Sized for two CPU cores (docs/toy-world.md): 25 guided steps of 16 frames in under 2 s.
    std::vector<std::int64_t> channels{32, 32};
    std::int64_t layersPerBlock = 1;
    std::int64_t headDim = 4;
    std::int64_t groups = 8;
    int batch = 64;            // clips per step
    double dropCaption = 0.1;  // share of captions replaced by "" (classifier-free guidance)
    double noiseOffset = 0.1;  // per-item, per-channel constant added to the noise
    // Each encoded clip serves about `reuse` draws from a pool of `poolBatches` batches (ClipPool):
    // each step renders and encodes batch / reuse new clips. 1: a fresh batch every step.
    int reuse = 4;
    int poolBatches = 16;
    // Min-SNR-γ loss weighting (Hang et al. 2023; diffusers' --snr_gamma): each item's ε error
    // weighted by min(SNR, γ) / SNR, so the nearly clean timesteps stop dominating. 0: plain MSE.
    double snrGamma = 0;
    // Subject-weighted loss: the ε error in the latent cells the subjects cover (and their
    // neighbours; latentSubjectMask) weighs 1 + subjectWeight, the background's 1. The subjects
    // cover a few percent of a clip, so with plain MSE their shape and track, which the captions
    // are about, are a few percent of the loss. 0: plain MSE.
    double subjectWeight = 0;
    // The first and last frames' ε error weighs 1 + edgeFrameWeight (edgeFrameWeights): where a
    // subject starts and ends is what a path caption says, and the end frames are the ones the
    // UNet can tell apart. 0: every frame alike.
    double edgeFrameWeight = 0;
    // Each item's ε error weighs clamp(1 / SNR(t), 1, highNoiseWeight) (highNoiseWeights): up
    // to the clean-latent error at the noisy timesteps, where a clip's layout and path are
    // decided and the plain ε loss hardly cares (at t = 900, SNR ≈ 0.02). ≤ 1: plain.
    double highNoiseWeight = 0;
    // The noise schedule: ModelScope's (false), or its betas rescaled to zero terminal SNR, with
    // v-prediction and trailing timesteps (Lin et al. 2024, "Common Diffusion Noise Schedules
    // and Sample Steps Are Flawed"). ModelScope's last timestep keeps √ᾱ = 0.068 of the clip;
    // summed over a subject's 16-frame track that is visible, so a model trained on it reads
    // the track from the noise rather than from the caption, and at sampling the noise's own
    // low frequencies choose the path. At zero terminal SNR the first step sees no clip at all.
    // snrGamma and highNoiseWeight divide by the SNR and are refused with it; the v loss
    // already weighs the clean-latent error by 1 / (1 − ᾱ), at least 1.
    bool zeroTerminalSnr = false;
    // An auxiliary loss that asks for each frame's position in the clip: a linear head (trained
    // with the model, not shipped) reads it from the mid block's features averaged over space,
    // and its squared error, times this weight, joins the loss. diffusers' UNet3DConditionModel
    // has no temporal position encoding; only its temporal convolutions' zero padding tells the
    // first frames from the last, and without a frame index in the features the per-frame
    // cross-attention cannot place a subject by the caption's path. 0: none.
    double frameIndexWeight = 0;
    // Time-reversed pairs: the second half of each batch repeats the first half's clips played
    // backwards, captioned with the reversed path (left ↔ right, up ↔ down, grow ↔ shrink;
    // toy::reversedCaptionSpec; clips whose path has no reverse in the world stay as drawn),
    // with the same phrasing, timestep and time-reversed noise. The pair differs only in the
    // direction of time and the caption's word for it, which is what the model must learn to
    // connect.
    bool reversedPairs = false;
    // The noise of a reversed pair's second half: its partner's played backwards (true), or drawn
    // on its own (false). Shared noise lets a model that ignores the direction word fit both
    // halves alike (docs/toy-world.md); independent noise leaves only the caption to say which
    // way the clip runs at high noise.
    bool reversedPairsShareNoise = true;
    // An auxiliary loss on the text side: a linear head (trained with the model, not shipped)
    // reads the first subject's path (one of toy::kPaths) from the text encoder's pooled EOS
    // state, and its cross-entropy, times this weight, joins the loss (captions dropped for
    // guidance are left out). The trained encoder gave "from left to right" and "from right to
    // left" (the same tokens in another order) one and the same motion; this asks it to tell
    // every path apart. Needs trainTextEncoder. 0: none.
    double captionPathWeight = 0;
    // A pipeline or unet folder whose UNet weights the training starts from (strictly bound:
    // the same configuration), instead of a random initialisation. Empty: from scratch.
    // (Its text_encoder, when it has one, replaces the CLIP's text tower: it is the encoder that
    // UNet was trained with.)
    std::filesystem::path initFrom;
    // Train the pipeline's copy of the text encoder with the UNet (the scorer's CLIP is not
    // touched). The frozen CLIP was trained on single frames, so nothing in it separates the
    // captions' motion words; trained with the video loss, the encoder can make them count.
    bool trainTextEncoder = false;
    TrainConfig train;
};

// The UNet's configuration; crossAttentionDim is the text encoder's width.
models::UNet3DConfig toyUNetConfig(const ToyT2vOptions& options, std::int64_t crossAttentionDim);

struct ToyT2vReport {
    TrainReport training;
    // With a frame-index weight: each step's mean squared error of the head's frame position
    // (unweighted; a constant guess scores 0.38 for 16 frames), whether the features hold it.
    // With gradient accumulation, these and the caption-path figures come per loss evaluation.
    std::vector<double> frameIndexErrors;
    // With a caption-path weight: each step's cross-entropy of the path head (ln 11 ≈ 2.40 for a
    // uniform guess) and its share of right answers.
    std::vector<double> captionPathLosses, captionPathAccuracies;
};

// Trains from scratch (or resumes) and writes the pipeline folder `out`.
Result<ToyT2vReport> trainToyT2v(const ToyT2vOptions& options,
                                 const DeviceChoice& device,
                                 const std::filesystem::path& out,
                                 const JobContext& job = {});

// Samples of held-out captions (plain world, one subject; seeds from `firstSeed`) generated by
// any toy pipeline folder (the toy UNet's, the toy Latte's) with
// `steps` and `guidance`, judged by the oracle against the caption: the share whose colour,
// shape, background and path it reads back as the caption says.
struct ToyT2vQuality {
    int samples = 0;
    double colour = 0, shape = 0, background = 0, path = 0;
};
Result<ToyT2vQuality> toyT2vQuality(const std::filesystem::path& pipelineFolder,
                                    int samples,
                                    int steps,
                                    double guidance,
                                    std::uint64_t firstSeed,
                                    const DeviceChoice& device = {},
                                    const JobContext& job = {});

}  // namespace mp::train
