#pragma once
// The ModelScope text-to-video bundle (diffusers' TextToVideoSDPipeline): CLIP tokenizer and text
// encoder, UNet3DConditionModel, AutoencoderKL and the DDIM scheduler config of a snapshot
// folder, with the family's rules: (B, C, F, H, W) latents, ε prediction, 77-token prompts
// without an attention mask (unless the text encoder's config asks for one), "" as the default
// negative prompt, VAE scaling 0.18215 and frames decoded through the 2-D VAE.

#include "models/clip/clip_text.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "pipelines/pipeline.h"
#include "text/clip_tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mp::pipelines {

class ModelScopePipeline final : public Pipeline {
public:
    // Loads every component of a TextToVideoSDPipeline folder onto `device` in its dtype.
    // `variant` picks e.g. the fp16 weight files. Errors name the component and file.
    // Progress: stage "load", one step per component.
    static Result<ModelScopePipeline> load(const std::filesystem::path& dir,
                                           const DeviceChoice& device,
                                           const std::string& variant = {},
                                           const JobContext& job = {});

    ModelFamily family() const override { return ModelFamily::ModelScope; }
    std::string describeDenoiser() const override;
    std::string denoiserComponent() const override { return "unet"; }
    // diffusers' defaults: 16 frames, unet.sample_size · 8 pixels (256 for the published model),
    // guidance 9.
    int defaultFrames() const override { return 16; }
    // Square: the denoiser's sample_size times the VAE's factor.
    std::int64_t defaultHeight() const override;
    std::int64_t defaultWidth() const override { return defaultHeight(); }
    double defaultGuidance() const override { return 9.0; }
    std::int64_t vaeFactor() const override { return m_vae->config().spatialFactor(); }
    std::int64_t latentChannels() const override { return m_unet->config().inChannels; }

    // last_hidden_state of each prompt, padded to 77 tokens: (N, 77, D) in the model dtype.
    at::Tensor encodeText(const std::vector<std::string>& prompts) const;
    sampling::Conditioning encodePrompt(const std::string& prompt,
                                        const std::optional<std::string>& negative) const override;
    // On CUDA the UNet's forward is captured once as a CUDA graph and replayed every step
    // (setCudaGraphs(false) turns it off): a graph is recaptured at every new shape, each capture
    // costing two extra forwards and holding a private memory pool.
    using Pipeline::modelFn;
    sampling::ModelFn modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const override;
    sampling::ModelFn eagerModelFn() const override;

    torch::nn::Module& denoiser() const override { return *m_unet.ptr(); }
    at::Tensor trainingForward(const at::Tensor& noisy,
                               const at::Tensor& timesteps,
                               const at::Tensor& context) const override;
    void setGradientCheckpointing(bool on) const override;

    at::Tensor decode(const at::Tensor& latents, std::int64_t frameBatch = 0) const override;
    at::Tensor encodeVideo(const at::Tensor& video, std::int64_t frameBatch = 0) const override;

    const text::ClipTokenizer& tokenizer() const { return m_tokenizer; }
    models::UNet3DConditionModel unet() const { return m_unet; }
    models::AutoencoderKL vae() const { return m_vae; }
    models::ClipTextModel textEncoder() const { return m_textEncoder; }

private:
    static ModelScopePipeline loadImpl(const std::filesystem::path& dir,
                                       const DeviceChoice& device,
                                       const std::string& variant,
                                       const JobContext& job);
    ModelScopePipeline(text::ClipTokenizer tokenizer, sampling::DdimScheduler scheduler)
        : Pipeline(std::move(scheduler)), m_tokenizer(std::move(tokenizer)) {}
    text::ClipTokenizer m_tokenizer;
    models::ClipTextModel m_textEncoder{nullptr};
    models::UNet3DConditionModel m_unet{nullptr};
    models::AutoencoderKL m_vae{nullptr};
    bool m_textAttentionMask = false;
};

}  // namespace mp::pipelines
