#pragma once
// A model family's bundle (tokenizer, text encoder, denoiser, VAE, scheduler config) as every
// caller sees it: generate, the probe, customization, the CLI and the workbench hold a Pipeline and
// never ask which family it is. What differs between families lives in the family's class: the
// latent layout and channels, the prompt rules (CLIP's 77 padded tokens, T5's masked captions),
// the denoiser's call and which of its output channels are the prediction, the VAE, the defaults.
// loadPipeline() reads a snapshot folder and picks the family.

#include "core/error.h"
#include "core/job.h"
#include "io/snapshot.h"
#include "runtime/device.h"
#include "sampling/ddim.h"
#include "sampling/denoise.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace mp::adapters {
class LoraAdapter;
}

namespace mp::pipelines {

class Pipeline {
public:
    virtual ~Pipeline();

    virtual ModelFamily family() const = 0;
    // One line for logs and JSON: the denoiser's class and size ("UNet3DConditionModel(...)").
    virtual std::string describeDenoiser() const = 0;
    // The component whose keys a LoRA file carries: "unet" or "transformer".
    virtual std::string denoiserComponent() const = 0;

    // The family pipeline's defaults (diffusers' __call__ arguments).
    virtual int defaultFrames() const = 0;
    virtual std::int64_t defaultHeight() const = 0;  // pixels
    virtual std::int64_t defaultWidth() const = 0;
    virtual double defaultGuidance() const = 0;
    // Frames per VAE decode call when the caller does not say (0: all at once).
    virtual std::int64_t defaultDecodeFrameBatch() const { return 0; }
    virtual std::int64_t vaeFactor() const = 0;
    virtual std::int64_t latentChannels() const = 0;
    // The latents of one video: (1, C, F, h, w) for the (B, C, F, H, W) families. Throws
    // EngineError{InvalidArgument} for a frame count the family cannot take.
    virtual std::vector<std::int64_t> latentShape(int batch,
                                                  int frames,
                                                  std::int64_t height,
                                                  std::int64_t width) const;
    virtual int latentChannelDim() const { return 1; }  // where C sits in latentShape
    // The frames the VAE gives back for the latents of `frames` frames (CogVideoX's decoder,
    // 2 latent frames at a time, gives 4k + 4 back for 4k + 1 when k + 1 is even).
    virtual int decodedFrames(int frames) const { return frames; }

    // The prompt and its negative ("" when none is given) with the family's rules; the two have
    // the same shape (1, L, D) in the model dtype. L may differ between prompts (Latte cuts each
    // caption to its tokens); the denoise loop pads and masks when it batches them.
    virtual sampling::Conditioning encodePrompt(
        const std::string& prompt,
        const std::optional<std::string>& negative) const = 0;

    // The denoiser as the denoise loop calls it (latents float32 in, the prediction out), with
    // `adapter` (already injected into this denoiser) gated by the step's adapter scale. Where the
    // family supports it, the forward is captured once as a CUDA graph on CUDA.
    virtual sampling::ModelFn modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const = 0;
    sampling::ModelFn modelFn() const { return modelFn(m_lora); }
    // Always eager, for callers whose batch changes from step to step (the probe's branches).
    virtual sampling::ModelFn eagerModelFn() const = 0;
    void setCudaGraphs(bool on) { m_cudaGraphs = on; }
    // The VAE in spatial tiles where the family has them (CogVideoX, as diffusers'
    // enable_tiling()): less memory for large videos, slightly different pixels at tile seams.
    // False where the family has none.
    virtual bool setVaeTiling(bool on) {
        (void)on;
        return false;
    }

    // The denoiser module (LoRA injection, training) and its training-mode forward: noisy latents
    // (B, ...) in float32, timesteps (B,), the prompt's embeddings (B, L, D); returns the
    // prediction the loss compares (ε or v, the latents' shape), float32, with gradients.
    virtual torch::nn::Module& denoiser() const = 0;
    virtual at::Tensor trainingForward(const at::Tensor& noisy,
                                       const at::Tensor& timesteps,
                                       const at::Tensor& context) const = 0;
    virtual void setGradientCheckpointing(bool on) const = 0;

    // Fixed-seed initial noise of latentShape(...), float32: torch.randn on a CPU generator seeded
    // with `seed`, so it equals diffusers' `generator=torch.Generator().manual_seed(seed)`.
    at::Tensor initialNoise(std::uint64_t seed,
                            int batch,
                            int frames,
                            std::int64_t height,
                            std::int64_t width) const;
    // Scaled latents → video (B, 3, F, H, W) float32 in [0, 1], frames through the VAE `frameBatch`
    // at a time (0: all).
    virtual at::Tensor decode(const at::Tensor& latents, std::int64_t frameBatch = 0) const = 0;
    // Video (B, 3, F, H, W) in [−1, 1] → scaled latent means in the family's layout, float32.
    virtual at::Tensor encodeVideo(const at::Tensor& video, std::int64_t frameBatch = 0) const = 0;

    const sampling::DdimScheduler& scheduler() const { return m_scheduler; }
    const DeviceChoice& device() const { return m_device; }
    // Notes gathered while loading (weights variant chosen, unknown config keys, ...).
    const std::vector<std::string>& notes() const { return m_notes; }

    // Loads a LoRA file (diffusers/peft naming, keys under denoiserComponent()) into the denoiser,
    // replacing an earlier one; generate applies it at its request's adapter schedule and takes it
    // off after. Throws EngineError naming the file.
    void attachLora(const std::filesystem::path& file);
    void detachLora() { m_lora.reset(); }  // the denoiser's own weights back
    std::shared_ptr<adapters::LoraAdapter> lora() const { return m_lora; }

protected:
    explicit Pipeline(sampling::DdimScheduler scheduler) : m_scheduler(std::move(scheduler)) {}
    Pipeline(const Pipeline&) = default;
    Pipeline(Pipeline&&) = default;
    Pipeline& operator=(const Pipeline&) = default;
    Pipeline& operator=(Pipeline&&) = default;

    sampling::DdimScheduler m_scheduler;
    DeviceChoice m_device;
    bool m_cudaGraphs = true;
    std::vector<std::string> m_notes;
    std::shared_ptr<adapters::LoraAdapter> m_lora;
};

// Reads a pipeline folder and builds its family's Pipeline on `device`: model_index.json's
// `_class_name` (TextToVideoSDPipeline, LattePipeline, CogVideoXPipeline), or, without one, the
// denoiser folder that is there (unet/ or transformer/). Errors name the folder and what was
// expected. Progress: stage "load", one step per component.
Result<std::unique_ptr<Pipeline>> loadPipeline(const std::filesystem::path& dir,
                                               const DeviceChoice& device,
                                               const std::string& variant = {},
                                               const JobContext& job = {});
// The family loadPipeline would build for `dir` (Unknown with `why` filled when none fits).
ModelFamily pipelineFamily(const std::filesystem::path& dir, std::string* why = nullptr);

struct GenerateRequest {
    std::string prompt;
    std::optional<std::string> negativePrompt;  // none: ""
    std::uint64_t seed = 0;
    int steps = 50;
    std::optional<double> guidance;  // none: the family's default (ModelScope 9, Latte 7.5)
    bool dynamicGuidance = false;    // CogVideoX's use_dynamic_cfg: the scale follows t
    int frames = 0;                  // 0: the family default
    std::int64_t height = 0;         // 0: the family default
    std::int64_t width = 0;
    double eta = 0.0;
    at::Tensor initialLatents;  // optional: replaces the seeded noise (latentShape)
    // The attached LoRA's scale per timestep (none: off; constant; from τ: on while t ≥ τ).
    sampling::AdapterSchedule adapterSchedule = sampling::AdapterSchedule::none();
    // Gated instead of the attached LoRA: an adapter already injected into this pipeline's
    // denoiser (a training run's previews sample with the adapter as trained so far).
    std::shared_ptr<adapters::LoraAdapter> adapter;
    std::int64_t decodeFrameBatch = -1;  // -1: the family's default; 0: all frames at once
    bool decode = true;
};

struct GenerateResult {
    at::Tensor video;    // (B, 3, F, H, W) float32 in [0, 1], on the CPU (when decoded)
    at::Tensor latents;  // final latents, float32, in the family's layout
    std::vector<std::int64_t> timesteps;
    double guidance = 0;  // the scale used
    double encodeMs = 0, denoiseMs = 0, decodeMs = 0;
};

// Text → video with the pipeline's rules. Never throws; cancel through `context`.
Result<GenerateResult> generate(const Pipeline& pipeline,
                                const GenerateRequest& request,
                                const JobContext& context = {});

}  // namespace mp::pipelines
