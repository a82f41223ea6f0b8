#pragma once
// The Latte bundle (diffusers' LattePipeline, maxin-cn/Latte-1): T5 tokenizer and encoder,
// LatteTransformer3DModel, the 2-D AutoencoderKL and the DDIM scheduler config of a snapshot
// folder, with LattePipeline's rules:
// - (B, C, F, H, W) latents, ε prediction; the transformer's learned-variance channels are left
//   out (the DDIM step takes the noise half, as the pipeline does for a scheduler without a
//   learned variance type);
// - captions cleaned as diffusers does without bs4/ftfy (lowercase, outer whitespace stripped),
//   tokenized to 120 with T5's mask, encoded with it, then cut to the caption's own tokens
//   (mask_feature); the negative prompt ("" by default) is encoded the same way and cut to the
//   caption's length, so it keeps some padding positions, as diffusers does;
// - 16 frames (the transformer's video_length), sample_size · 8 pixels (512), guidance 7.5, frames
//   decoded 14 at a time.
// On CUDA the T5 encoder (9.5 GB for t5-v1_1-xxl in bf16) lives in host memory and visits the GPU
// only while a prompt is encoded, so the denoising has the GPU's memory to itself.

#include "models/latte.h"
#include "models/t5/t5_encoder.h"
#include "models/vae.h"
#include "pipelines/family_parts.h"
#include "pipelines/pipeline.h"
#include "text/t5_tokenizer.h"

#include <memory>
#include <string>
#include <string_view>

namespace mp::pipelines {

// LattePipeline's caption preprocessing when bs4 or ftfy is missing (its clean_caption=True
// silently falls back to this): Python's str.lower() then str.strip(). Differs from Python only
// in Greek final sigma (Σ at a word's end becomes σ, where Python writes ς).
std::string latteCaption(std::string_view text);

class LattePipeline final : public Pipeline {
public:
    static constexpr std::int64_t kMaxCaptionTokens = 120;

    static Result<LattePipeline> load(const std::filesystem::path& dir,
                                      const DeviceChoice& device,
                                      const std::string& variant = {},
                                      const JobContext& job = {});

    ModelFamily family() const override { return ModelFamily::Latte; }
    std::string describeDenoiser() const override;
    std::string denoiserComponent() const override { return "transformer"; }
    int defaultFrames() const override;
    // Square: the denoiser's sample_size times the VAE's factor.
    std::int64_t defaultHeight() const override;
    std::int64_t defaultWidth() const override { return defaultHeight(); }
    double defaultGuidance() const override { return 7.5; }
    std::int64_t defaultDecodeFrameBatch() const override { return 14; }
    std::int64_t vaeFactor() const override { return m_vae->config().spatialFactor(); }
    std::int64_t latentChannels() const override { return m_transformer->config().inChannels; }
    // Throws EngineError{InvalidArgument} for frames other than the transformer's video_length
    // or 1: its temporal positions are a fixed table of that length.
    std::vector<std::int64_t> latentShape(int batch,
                                          int frames,
                                          std::int64_t height,
                                          std::int64_t width) const override;

    // T5's last hidden state of a cleaned caption tokenized to 120 with its mask: (1, 120, D) on
    // the pipeline's device, and the number of real tokens (EOS included).
    std::pair<at::Tensor, std::int64_t> encodeCaption(const std::string& caption) const;
    // Whether the text encoder waits in host memory between encodings (on CUDA).
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

    at::Tensor decode(const at::Tensor& latents, std::int64_t frameBatch = 0) const override;
    at::Tensor encodeVideo(const at::Tensor& video, std::int64_t frameBatch = 0) const override;

    const text::T5Tokenizer& tokenizer() const { return *m_t5.tokenizer; }
    models::LatteTransformer3DModel transformer() const { return m_transformer; }
    models::T5EncoderModel textEncoder() const { return m_t5.encoder; }
    models::AutoencoderKL vae() const { return m_vae; }

private:
    static LattePipeline loadImpl(const std::filesystem::path& dir,
                                  const DeviceChoice& device,
                                  const std::string& variant,
                                  const JobContext& job);
    LattePipeline(std::shared_ptr<const text::T5Tokenizer> tokenizer,
                  sampling::DdimScheduler scheduler)
        : Pipeline(std::move(scheduler)) {
        m_t5.tokenizer = std::move(tokenizer);
    }
    sampling::ModelFn transformerFn(std::shared_ptr<adapters::LoraAdapter> adapter) const;

    parts::T5Text m_t5;  // the tokenizer shared: the pipeline copies
    models::LatteTransformer3DModel m_transformer{nullptr};
    models::AutoencoderKL m_vae{nullptr};
};

}  // namespace mp::pipelines
