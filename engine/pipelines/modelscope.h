#pragma once
// The ModelScope text-to-video bundle (diffusers' TextToVideoSDPipeline): CLIP tokenizer and text
// encoder, UNet3DConditionModel, AutoencoderKL and the DDIM scheduler config of a snapshot
// folder, with the family's rules: (B, C, F, H, W) latents, ε prediction, 77-token prompts
// without an attention mask (unless the text encoder's config asks for one), "" as the default
// negative prompt, VAE scaling 0.18215 and frames decoded through the 2-D VAE.

#include "core/error.h"
#include "core/job.h"
#include "models/clip/clip_text.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "runtime/device.h"
#include "sampling/ddim.h"
#include "sampling/denoise.h"
#include "text/clip_tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mp::adapters {
class LoraAdapter;
}

namespace mp::pipelines {

class ModelScopePipeline {
public:
    // Loads every component of a TextToVideoSDPipeline folder onto `device` in its dtype.
    // `variant` picks e.g. the fp16 weight files. Errors name the component and file.
    // Progress: stage "load", one step per component.
    static Result<ModelScopePipeline> load(const std::filesystem::path& dir,
                                           const DeviceChoice& device,
                                           const std::string& variant = {},
                                           const JobContext& job = {});

    // diffusers' defaults: 16 frames, unet.sample_size · 8 pixels (256 for the published model).
    int defaultFrames() const { return 16; }
    std::int64_t defaultSize() const;
    std::int64_t vaeFactor() const { return m_vae->config().spatialFactor(); }
    std::int64_t latentChannels() const { return m_unet->config().inChannels; }

    // last_hidden_state of each prompt, padded to 77 tokens: (N, 77, D) in the model dtype.
    at::Tensor encodeText(const std::vector<std::string>& prompts) const;
    // The prompt and its negative ("" when none is given, as diffusers).
    sampling::Conditioning encodePrompt(const std::string& prompt,
                                        const std::optional<std::string>& negative) const;
    // The UNet as the denoise loop calls it (latents float32 in, ε out). On CUDA the forward is
    // captured once as a CUDA graph and replayed every step (setCudaGraphs(false) turns it off).
    sampling::ModelFn modelFn() const { return modelFn(m_lora); }
    // The same with `adapter` (already in this UNet) gated by the step's adapter scale.
    sampling::ModelFn modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const;
    // Always eager, for callers whose batch changes from step to step (the probe's branches): a
    // graph is recaptured at every new shape, each capture costing two extra forwards and holding
    // a private memory pool.
    sampling::ModelFn eagerModelFn() const;
    void setCudaGraphs(bool on) { m_cudaGraphs = on; }
    // Fixed-seed initial noise (B, C, F, H/f, W/f), float32: torch.randn on a CPU generator
    // seeded with `seed`, so it equals diffusers' `generator=torch.Generator().manual_seed(seed)`.
    at::Tensor initialNoise(std::uint64_t seed,
                            int batch,
                            int frames,
                            std::int64_t height,
                            std::int64_t width) const;
    // Scaled latents (B, C, F, h, w) → video (B, 3, F, H, W) float32 in [0, 1], frames through
    // the VAE `frameBatch` at a time (0: all).
    at::Tensor decode(const at::Tensor& latents, std::int64_t frameBatch = 0) const;
    // Video (B, 3, F, H, W) in [−1, 1] → scaled latent means (B, C, F, h, w) float32.
    at::Tensor encodeVideo(const at::Tensor& video, std::int64_t frameBatch = 0) const;

    const sampling::DdimScheduler& scheduler() const { return m_scheduler; }
    const DeviceChoice& device() const { return m_device; }
    const text::ClipTokenizer& tokenizer() const { return m_tokenizer; }
    models::UNet3DConditionModel unet() const { return m_unet; }
    models::AutoencoderKL vae() const { return m_vae; }
    models::ClipTextModel textEncoder() const { return m_textEncoder; }
    // Notes gathered while loading (weights variant chosen, unknown config keys, ...).
    const std::vector<std::string>& notes() const { return m_notes; }

    // Loads a LoRA file (diffusers/peft naming, `unet.` keys) into the UNet, replacing an
    // earlier one; generate applies it at its request's adapter schedule and takes it off after.
    // Throws EngineError naming the file.
    void attachLora(const std::filesystem::path& file);
    void detachLora() { m_lora.reset(); }  // the UNet's own weights back
    std::shared_ptr<adapters::LoraAdapter> lora() const { return m_lora; }

private:
    static ModelScopePipeline loadImpl(const std::filesystem::path& dir,
                                       const DeviceChoice& device,
                                       const std::string& variant,
                                       const JobContext& job);
    ModelScopePipeline(text::ClipTokenizer tokenizer, sampling::DdimScheduler scheduler)
        : m_tokenizer(std::move(tokenizer)), m_scheduler(std::move(scheduler)) {}
    text::ClipTokenizer m_tokenizer;
    sampling::DdimScheduler m_scheduler;
    models::ClipTextModel m_textEncoder{nullptr};
    models::UNet3DConditionModel m_unet{nullptr};
    models::AutoencoderKL m_vae{nullptr};
    DeviceChoice m_device;
    bool m_textAttentionMask = false;
    bool m_cudaGraphs = true;
    std::vector<std::string> m_notes;
    std::shared_ptr<adapters::LoraAdapter> m_lora;
};

struct GenerateRequest {
    std::string prompt;
    std::optional<std::string> negativePrompt;  // none: ""
    std::uint64_t seed = 0;
    int steps = 50;
    double guidance = 9.0;
    int frames = 0;           // 0: the family default (16)
    std::int64_t height = 0;  // 0: the family default (256)
    std::int64_t width = 0;
    double eta = 0.0;
    at::Tensor initialLatents;  // optional: replaces the seeded noise (B, C, F, h, w)
    // The attached LoRA's scale per timestep (none: off; constant; from τ: on while t ≥ τ).
    sampling::AdapterSchedule adapterSchedule = sampling::AdapterSchedule::none();
    // Gated instead of the attached LoRA: an adapter already injected into this pipeline's UNet
    // (a training run's previews sample with the adapter as trained so far).
    std::shared_ptr<adapters::LoraAdapter> adapter;
    std::int64_t decodeFrameBatch = 0;
    bool decode = true;
};

struct GenerateResult {
    at::Tensor video;    // (B, 3, F, H, W) float32 in [0, 1], on the CPU (when decoded)
    at::Tensor latents;  // final latents (B, C, F, h, w) float32
    std::vector<std::int64_t> timesteps;
    double encodeMs = 0, denoiseMs = 0, decodeMs = 0;
};

// Text → video with the pipeline's rules. Never throws; cancel through `context`.
Result<GenerateResult> generate(const ModelScopePipeline& pipeline,
                                const GenerateRequest& request,
                                const JobContext& context = {});

}  // namespace mp::pipelines
