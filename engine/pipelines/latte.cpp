#include "pipelines/latte.h"

#include "adapters/lora.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "pipelines/family_parts.h"
#include "text/unicode.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mp::pipelines {

namespace fs = std::filesystem;
using parts::loading;

namespace {

// Python's str.isspace(): White_Space plus the information separators U+001C..U+001F.
bool pythonSpace(char32_t c) {
    return text::isWhitespace(c) || (c >= 0x1C && c <= 0x1F);
}

}  // namespace

std::string latteCaption(std::string_view caption) {
    const auto lower = text::toLowercase(text::decodeUtf8(caption));
    std::size_t first = 0, last = lower.size();
    while (first < last && pythonSpace(lower[first]))
        ++first;
    while (last > first && pythonSpace(lower[last - 1]))
        --last;
    return text::encodeUtf8(std::u32string_view(lower).substr(first, last - first));
}

Result<LattePipeline> LattePipeline::load(const fs::path& dir,
                                          const DeviceChoice& device,
                                          const std::string& variant,
                                          const JobContext& job) {
    return capture([&] { return loadImpl(dir, device, variant, job); });
}

LattePipeline LattePipeline::loadImpl(const fs::path& dir,
                                      const DeviceChoice& device,
                                      const std::string& variant,
                                      const JobContext& job) {
    constexpr int kSteps = 4;
    job.report("load", 0, kSteps);
    const auto className =
        parts::pipelineClass(dir, {"tokenizer", "text_encoder", "transformer", "vae", "scheduler"});
    // Another family's denoiser fails here, before any weights are read.
    const auto transformerConfig = loading("transformer", [&] {
        return models::LatteConfig::fromFile(dir / "transformer" / "config.json");
    });
    auto tokenizer = parts::loadT5Tokenizer(dir);
    LattePipeline p(std::move(tokenizer), loading("scheduler", [&] {
                        return sampling::DdimScheduler::fromModel(dir / "scheduler");
                    }));
    p.m_device = device;
    if (className != "LattePipeline")
        p.m_notes.push_back("model_index.json names " + className +
                            "; loading it as a LattePipeline");
    const auto& scheduler = p.m_scheduler.config();
    if (scheduler.raw.is_object() && scheduler.raw.contains("variance_type") &&
        scheduler.raw["variance_type"].is_string()) {
        const auto v = scheduler.raw["variance_type"].get<std::string>();
        if (v == "learned" || v == "learned_range")
            p.m_notes.push_back(
                "scheduler: variance_type '" + v +
                "' is ignored: DDIM takes the transformer's noise channels only (diffusers would "
                "pass all " +
                std::to_string(transformerConfig.outChannels) + " to the scheduler)");
    }
    job.report("load", 1, kSteps);
    p.m_t5 = parts::loadT5Encoder(p.m_t5.tokenizer, dir, variant, device);
    job.report("load", 2, kSteps);
    p.m_transformer =
        loading("transformer", [&] { return models::loadLatteTransformer(dir, variant, device); });
    job.report("load", 3, kSteps);
    p.m_vae = loading("vae", [&] { return models::loadAutoencoderKL(dir, variant, device); });
    const auto& tc = p.m_transformer->config();
    parts::requireMatch("text_encoder d_model", p.m_t5.encoder->config().dModel,
                        "transformer caption_channels", tc.captionChannels);
    parts::requireMatch("vae latent_channels", p.m_vae->config().latentChannels,
                        "transformer in_channels", tc.inChannels);
    if (tc.outChannels != tc.inChannels && tc.outChannels != 2 * tc.inChannels)
        throw EngineError(ErrorCode::Config,
                          "transformer/config.json: out_channels " +
                              std::to_string(tc.outChannels) + " must be in_channels " +
                              std::to_string(tc.inChannels) + " or twice it (learned variance)");
    for (const auto& k : p.m_vae->config().unknownKeys)
        p.m_notes.push_back("vae/config.json: key '" + k + "' is not used");
    tuneForDevice(device);
    p.m_transformer->to(device.device, device.dtype);
    p.m_vae->to(device.device, device.dtype);
    job.report("load", kSteps, kSteps);
    return p;
}

std::string LattePipeline::describeDenoiser() const {
    return m_transformer->config().toString();
}

int LattePipeline::defaultFrames() const {
    return static_cast<int>(m_transformer->config().videoLength);
}

std::int64_t LattePipeline::defaultHeight() const {
    return m_transformer->config().sampleSize * vaeFactor();
}

std::vector<std::int64_t> LattePipeline::latentShape(int batch,
                                                     int frames,
                                                     std::int64_t height,
                                                     std::int64_t width) const {
    const auto length = m_transformer->config().videoLength;
    if (frames != 1 && frames != length)
        throw EngineError(ErrorCode::InvalidArgument,
                          "Latte takes its video_length (" + std::to_string(length) +
                              ") frames or 1: its temporal positions are a fixed table of that "
                              "length; got " +
                              std::to_string(frames));
    return Pipeline::latentShape(batch, frames, height, width);
}

std::pair<at::Tensor, std::int64_t> LattePipeline::encodeCaption(const std::string& caption) const {
    std::int64_t tokens = 0;
    auto states = parts::encodeT5(m_t5, latteCaption(caption), kMaxCaptionTokens,
                                  /*masked=*/true, m_device.device, &tokens);
    return {std::move(states), tokens};
}

sampling::Conditioning LattePipeline::encodePrompt(
    const std::string& prompt,
    const std::optional<std::string>& negative) const {
    // One visit for the prompt and its negative.
    const parts::TextEncoderVisit visit(m_t5.encoder, m_device.device, m_t5.visits);
    const auto [positive, tokens] = encodeCaption(prompt);
    const auto unconditional = encodeCaption(negative.value_or(std::string())).first;
    // mask_feature with one caption: both cut to the caption's real tokens.
    return {positive.narrow(1, 0, tokens), unconditional.narrow(1, 0, tokens)};
}

namespace {

// The transformer's noise half (B, C, F, H, W) of its (B, 2C, ...) learned-variance output.
at::Tensor noiseHalf(const at::Tensor& output, std::int64_t channels) {
    return output.size(1) == channels ? output : output.narrow(1, 0, channels);
}

}  // namespace

sampling::ModelFn LattePipeline::transformerFn(
    std::shared_ptr<adapters::LoraAdapter> adapter) const {
    return [model = m_transformer, dtype = m_device.dtype, channels = latentChannels(),
            lora = std::move(adapter)](const sampling::ModelInput& in) mutable {
        torch::NoGradGuard noGrad;
        if (lora && lora->scale() != in.adapterScale)
            lora->apply(in.adapterScale);
        std::optional<at::Tensor> mask;
        if (in.contextMask.defined())
            mask = in.contextMask;
        return noiseHalf(
            model->forward(in.latents.to(dtype), in.timesteps, in.context.to(dtype), true, mask),
            channels);
    };
}

// Eager on every device for now: CUDA-graph capture (models::graphedForward) is the UNet's.
sampling::ModelFn LattePipeline::modelFn(std::shared_ptr<adapters::LoraAdapter> adapter) const {
    return transformerFn(std::move(adapter));
}

sampling::ModelFn LattePipeline::eagerModelFn() const {
    return transformerFn(m_lora);
}

at::Tensor LattePipeline::trainingForward(const at::Tensor& noisy,
                                          const at::Tensor& timesteps,
                                          const at::Tensor& context) const {
    const auto dtype = m_device.dtype;
    auto model = m_transformer;
    return noiseHalf(model->forward(noisy.to(dtype), timesteps, context.to(dtype)),
                     latentChannels())
        .to(at::kFloat);
}

void LattePipeline::setGradientCheckpointing(bool on) const {
    auto model = m_transformer;
    model->setGradientCheckpointing(on);
}

at::Tensor LattePipeline::decode(const at::Tensor& latents, std::int64_t frameBatch) const {
    return parts::decodeFrames(m_vae, m_device, latents, frameBatch);
}

at::Tensor LattePipeline::encodeVideo(const at::Tensor& video, std::int64_t frameBatch) const {
    return parts::encodeFrames(m_vae, m_device, video, frameBatch);
}

}  // namespace mp::pipelines
