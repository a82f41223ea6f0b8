#pragma once
// The CogVideoX bundle (diffusers' CogVideoXPipeline, THUDM/CogVideoX-2b and -5b): T5 tokenizer
// and encoder, CogVideoXTransformer3DModel, the causal 3-D AutoencoderKLCogVideoX and the
// CogVideoX DDIM scheduler config of a snapshot folder, with CogVideoXPipeline's rules:
// - (B, F, C, H, W) latents with F = (frames − 1)/4 + 1 latent frames (49 frames → 13), so the
//   frame count must be 4k + 1; v prediction (the scheduler's prediction_type);
// - the caption tokenized to 226 tokens (padded, truncated) and encoded without a mask; no
//   caption cleaning; the negative prompt "" by default, encoded the same way;
// - 49 frames (the transformer's sample_frames), sample_height · 8 × sample_width · 8 pixels
//   (480 × 720), guidance 6, optional dynamic guidance (use_dynamic_cfg);
// - the VAE decodes all latent frames in its own causal chunks (2 latent frames, carrying the
//   convolution caches), so the caller's frame batch does not apply.
// On CUDA the T5 encoder lives in host memory and visits the GPU only while a prompt is encoded.

#include "models/cogvideox.h"
#include "models/cogvideox_vae.h"
#include "models/t5/t5_encoder.h"
#include "pipelines/family_parts.h"
#include "pipelines/pipeline.h"
#include "text/t5_tokenizer.h"

#include <memory>
#include <string>

namespace mp::pipelines {

class CogVideoXPipeline final : public Pipeline {
public:
    static constexpr std::int64_t kMaxCaptionTokens = 226;

    static Result<CogVideoXPipeline> load(const std::filesystem::path& dir,
                                          const DeviceChoice& device,
                                          const std::string& variant = {},
                                          const JobContext& job = {});

    ModelFamily family() const override { return ModelFamily::CogVideoX; }
    std::string describeDenoiser() const override;
    std::string denoiserComponent() const override { return "transformer"; }
    int defaultFrames() const override;
    std::int64_t defaultHeight() const override;
    std::int64_t defaultWidth() const override;
    double defaultGuidance() const override { return 6.0; }
    std::int64_t vaeFactor() const override { return m_vae->config().spatialFactor(); }
    std::int64_t latentChannels() const override { return m_transformer->config().inChannels; }
    // (B, (frames − 1)/t + 1, C, h, w) with t the VAE's temporal compression.
    std::vector<std::int64_t> latentShape(int batch,
                                          int frames,
                                          std::int64_t height,
                                          std::int64_t width) const override;
    int decodedFrames(int frames) const override;
    int latentChannelDim() const override { return 2; }

    // T5's last hidden state of a caption tokenized to 226 tokens: (1, 226, D) on the device.
    at::Tensor encodeCaption(const std::string& caption) const;
    bool textEncoderVisits() const { return m_t5.visits; }
    sampling::Conditioning encodePrompt(const std::string& prompt,
                                        const std::optional<std::string>& negative) const override;
    using Pipeline::modelFn;
    sampling::ModelFn modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const override;
    sampling::ModelFn eagerModelFn() const override;

    torch::nn::Module& denoiser() const override { return *m_transformer.ptr(); }
    at::Tensor trainingForward(const at::Tensor& noisy,
                               const at::Tensor& timesteps,
                               const at::Tensor& context) const override;
    void setGradientCheckpointing(bool on) const override;

    // Latents (B, F, C, h, w) → video (B, 3, 1 + t(F − 1), H, W); `frameBatch` is not used (the
    // VAE's causal chunks decide).
    at::Tensor decode(const at::Tensor& latents, std::int64_t frameBatch = 0) const override;
    at::Tensor encodeVideo(const at::Tensor& video, std::int64_t frameBatch = 0) const override;
    bool setVaeTiling(bool on) override;

    const text::T5Tokenizer& tokenizer() const { return *m_t5.tokenizer; }
    models::CogVideoXTransformer3DModel transformer() const { return m_transformer; }
    models::T5EncoderModel textEncoder() const { return m_t5.encoder; }
    models::AutoencoderKLCogVideoX vae() const { return m_vae; }

private:
    static CogVideoXPipeline loadImpl(const std::filesystem::path& dir,
                                      const DeviceChoice& device,
                                      const std::string& variant,
                                      const JobContext& job);
    CogVideoXPipeline(std::shared_ptr<const text::T5Tokenizer> tokenizer,
                      sampling::DdimScheduler scheduler)
        : Pipeline(std::move(scheduler)) {
        m_t5.tokenizer = std::move(tokenizer);
    }
    sampling::ModelFn transformerFn(std::shared_ptr<adapters::LoraAdapter> adapter) const;

    parts::T5Text m_t5;  // the tokenizer shared: the pipeline copies
    models::CogVideoXTransformer3DModel m_transformer{nullptr};
    models::AutoencoderKLCogVideoX m_vae{nullptr};
};

}  // namespace mp::pipelines
