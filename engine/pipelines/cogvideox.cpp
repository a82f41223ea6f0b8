#include "pipelines/cogvideox.h"

#include "adapters/lora.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "pipelines/family_parts.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mp::pipelines {

namespace fs = std::filesystem;
using parts::loading;

Result<CogVideoXPipeline> CogVideoXPipeline::load(const fs::path& dir,
                                                  const DeviceChoice& device,
                                                  const std::string& variant,
                                                  const JobContext& job) {
    return capture([&] { return loadImpl(dir, device, variant, job); });
}

CogVideoXPipeline CogVideoXPipeline::loadImpl(const fs::path& dir,
                                              const DeviceChoice& device,
                                              const std::string& variant,
                                              const JobContext& job) {
    constexpr int kSteps = 4;
    job.report("load", 0, kSteps);
    const auto className =
        parts::pipelineClass(dir, {"tokenizer", "text_encoder", "transformer", "vae", "scheduler"});
    // Another family's denoiser, or a CogVideoX 1.5 / image-to-video one, fails here, before any
    // weights are read.
    (void)loading("transformer", [&] {
        return models::CogVideoXConfig::fromFile(dir / "transformer" / "config.json");
    });
    auto tokenizer = parts::loadT5Tokenizer(dir);
    CogVideoXPipeline p(std::move(tokenizer), loading("scheduler", [&] {
                            return sampling::DdimScheduler::fromModel(dir / "scheduler");
                        }));
    p.m_device = device;
    if (className != "CogVideoXPipeline")
        p.m_notes.push_back("model_index.json names " + className +
                            "; loading it as a CogVideoXPipeline");
    job.report("load", 1, kSteps);
    p.m_t5 = parts::loadT5Encoder(p.m_t5.tokenizer, dir, variant, device);
    job.report("load", 2, kSteps);
    p.m_transformer = loading(
        "transformer", [&] { return models::loadCogVideoXTransformer(dir, variant, device); });
    job.report("load", 3, kSteps);
    p.m_vae = loading("vae", [&] { return models::loadCogVideoXVae(dir, variant, device); });
    const auto& tc = p.m_transformer->config();
    parts::requireMatch("text_encoder d_model", p.m_t5.encoder->config().dModel,
                        "transformer text_embed_dim", tc.textEmbedDim);
    parts::requireMatch("vae latent_channels", p.m_vae->config().latentChannels,
                        "transformer in_channels", tc.inChannels);
    parts::requireMatch("transformer out_channels", tc.outChannels, "in_channels", tc.inChannels);
    parts::requireMatch("vae temporal_compression_ratio", p.m_vae->config().temporalFactor(),
                        "transformer temporal_compression_ratio", tc.temporalCompressionRatio);
    tuneForDevice(device);
    job.report("load", kSteps, kSteps);
    return p;
}

std::string CogVideoXPipeline::describeDenoiser() const {
    return m_transformer->config().toString();
}

int CogVideoXPipeline::defaultFrames() const {
    return static_cast<int>(m_transformer->config().sampleFrames);
}

std::int64_t CogVideoXPipeline::defaultHeight() const {
    return m_transformer->config().sampleHeight * vaeFactor();
}

std::int64_t CogVideoXPipeline::defaultWidth() const {
    return m_transformer->config().sampleWidth * vaeFactor();
}

std::vector<std::int64_t> CogVideoXPipeline::latentShape(int batch,
                                                         int frames,
                                                         std::int64_t height,
                                                         std::int64_t width) const {
    const auto t = m_vae->config().temporalFactor();
    if (frames < 1 || (frames - 1) % t != 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CogVideoX takes " + std::to_string(t) +
                              "k + 1 frames (the VAE keeps "
                              "the first and compresses the rest " +
                              std::to_string(t) + " to 1), e.g. 49; got " + std::to_string(frames));
    return {batch, (frames - 1) / t + 1, latentChannels(), height / vaeFactor(),
            width / vaeFactor()};
}

int CogVideoXPipeline::decodedFrames(int frames) const {
    const auto& c = m_vae->config();
    return static_cast<int>(c.decodedFrames(c.latentFrames(frames)));
}

at::Tensor CogVideoXPipeline::encodeCaption(const std::string& caption) const {
    // CogVideoXPipeline: padding to max_length 226, truncation, no attention mask.
    return parts::encodeT5(m_t5, caption, kMaxCaptionTokens, /*masked=*/false, m_device.device);
}

sampling::Conditioning CogVideoXPipeline::encodePrompt(
    const std::string& prompt,
    const std::optional<std::string>& negative) const {
    const parts::TextEncoderVisit visit(m_t5.encoder, m_device.device, m_t5.visits);
    return {encodeCaption(prompt), encodeCaption(negative.value_or(std::string()))};
}

sampling::ModelFn CogVideoXPipeline::transformerFn(
    std::shared_ptr<adapters::LoraAdapter> adapter) const {
    return [model = m_transformer, dtype = m_device.dtype,
            lora = std::move(adapter)](const sampling::ModelInput& in) mutable {
        torch::NoGradGuard noGrad;
        if (in.contextMask.defined())
            throw EngineError(ErrorCode::Internal,
                              "CogVideoX: prompts of different lengths cannot be batched (every "
                              "caption is 226 tokens)");
        if (lora && lora->scale() != in.adapterScale)
            lora->apply(in.adapterScale);
        return model->forward(in.latents.to(dtype), in.timesteps, in.context.to(dtype));
    };
}

sampling::ModelFn CogVideoXPipeline::modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const {
    return transformerFn(std::move(adapter));
}

sampling::ModelFn CogVideoXPipeline::eagerModelFn() const {
    return transformerFn(m_lora);
}

at::Tensor CogVideoXPipeline::trainingForward(const at::Tensor& noisy,
                                              const at::Tensor& timesteps,
                                              const at::Tensor& context) const {
    const auto dtype = m_device.dtype;
    auto model = m_transformer;
    return model->forward(noisy.to(dtype), timesteps, context.to(dtype)).to(at::kFloat);
}

void CogVideoXPipeline::setGradientCheckpointing(bool on) const {
    auto model = m_transformer;
    model->setGradientCheckpointing(on);
}

at::Tensor CogVideoXPipeline::decode(const at::Tensor& latents, std::int64_t) const {
    torch::NoGradGuard noGrad;
    // (B, F, C, h, w) → (B, C, F, h, w), × 1/scaling_factor as diffusers does.
    const auto z = latents.to(m_device.device, at::kFloat).permute({0, 2, 1, 3, 4}) *
                   (1.0 / m_vae->config().scalingFactor);
    auto vae = m_vae;
    const auto video = vae->decode(z.to(m_device.dtype)).to(at::kFloat);
    return (video / 2 + 0.5).clamp(0, 1);
}

at::Tensor CogVideoXPipeline::encodeVideo(const at::Tensor& video, std::int64_t) const {
    torch::NoGradGuard noGrad;
    auto vae = m_vae;
    const auto mean = vae->encode(video.to(m_device.device, m_device.dtype)).first;
    return (mean.to(at::kFloat) * m_vae->config().scalingFactor)
        .permute({0, 2, 1, 3, 4})
        .contiguous();
}

bool CogVideoXPipeline::setVaeTiling(bool on) {
    models::CogVideoXVaeTiling tiling;  // diffusers' enable_tiling() sizes
    tiling.enabled = on;
    m_vae->setTiling(tiling);
    return true;
}

}  // namespace mp::pipelines
