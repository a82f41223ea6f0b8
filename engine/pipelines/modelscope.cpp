#include "pipelines/modelscope.h"

#include "adapters/lora.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "pipelines/family_parts.h"
#include "runtime/cpu_batch.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mp::pipelines {

namespace fs = std::filesystem;

using parts::loading;

Result<ModelScopePipeline> ModelScopePipeline::load(const fs::path& dir,
                                                    const DeviceChoice& device,
                                                    const std::string& variant,
                                                    const JobContext& job) {
    return capture([&] { return loadImpl(dir, device, variant, job); });
}

ModelScopePipeline ModelScopePipeline::loadImpl(const fs::path& dir,
                                                const DeviceChoice& device,
                                                const std::string& variant,
                                                const JobContext& job) {
    constexpr int kSteps = 4;
    job.report("load", 0, kSteps);
    const auto className =
        parts::pipelineClass(dir, {"tokenizer", "text_encoder", "unet", "vae", "scheduler"});
    // Another family's denoiser fails here, before any weights are read.
    (void)models::UNet3DConfig::fromFile(dir / "unet" / "config.json");

    ModelScopePipeline p(
        loading("tokenizer", [&] { return text::ClipTokenizer::fromFolder(dir / "tokenizer"); }),
        loading("scheduler",
                [&] { return sampling::DdimScheduler::fromModel(dir / "scheduler"); }));
    p.m_device = device;
    if (!className.empty() && className != "TextToVideoSDPipeline")
        p.m_notes.push_back("model_index.json names " + className +
                            "; loading it as a TextToVideoSDPipeline");
    const auto textConfig = JsonConfig::load(dir / "text_encoder" / "config.json");
    p.m_textAttentionMask = textConfig.getBool("use_attention_mask", false);
    job.report("load", 1, kSteps);
    p.m_textEncoder =
        loading("text_encoder", [&] { return models::loadClipTextModel(dir, variant, device); });
    job.report("load", 2, kSteps);
    p.m_unet = loading("unet", [&] { return models::loadUNet3D(dir, variant, device); });
    job.report("load", 3, kSteps);
    p.m_vae = loading("vae", [&] { return models::loadAutoencoderKL(dir, variant, device); });
    parts::requireMatch("text_encoder hidden_size", p.m_textEncoder->config().hiddenSize,
                        "unet cross_attention_dim", p.m_unet->config().crossAttentionDim);
    parts::requireMatch("vae latent_channels", p.m_vae->config().latentChannels, "unet in_channels",
                        p.m_unet->config().inChannels);
    for (const auto& k : p.m_unet->config().unknownKeys)
        p.m_notes.push_back("unet/config.json: key '" + k + "' is not used");
    for (const auto& k : p.m_vae->config().unknownKeys)
        p.m_notes.push_back("vae/config.json: key '" + k + "' is not used");
    tuneForDevice(device);
    p.m_textEncoder->to(device.device, device.dtype);
    p.m_unet->to(device.device, device.dtype);
    p.m_vae->to(device.device, device.dtype);
    job.report("load", kSteps, kSteps);
    return p;
}

std::int64_t ModelScopePipeline::defaultHeight() const {
    return m_unet->config().sampleSize * vaeFactor();
}

at::Tensor ModelScopePipeline::encodeText(const std::vector<std::string>& prompts) const {
    const auto length = m_tokenizer.modelMaxLength();
    auto ids = at::empty({static_cast<std::int64_t>(prompts.size()), length}, at::kLong);
    auto mask = at::empty_like(ids);
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        const auto t = m_tokenizer.encode(prompts[i], length, /*padToMax=*/true, /*truncate=*/true);
        std::copy(t.ids.begin(), t.ids.end(),
                  ids[static_cast<std::int64_t>(i)].data_ptr<std::int64_t>());
        std::copy(t.attentionMask.begin(), t.attentionMask.end(),
                  mask[static_cast<std::int64_t>(i)].data_ptr<std::int64_t>());
    }
    torch::NoGradGuard noGrad;
    std::optional<at::Tensor> attention;
    if (m_textAttentionMask)
        attention = mask.to(m_device.device);
    auto encoder = m_textEncoder;  // a holder copy: the modules run non-const
    return encoder->forward(ids.to(m_device.device), attention).lastHiddenState;
}

sampling::Conditioning ModelScopePipeline::encodePrompt(
    const std::string& prompt,
    const std::optional<std::string>& negative) const {
    auto both = encodeText({negative.value_or(std::string()), prompt});
    return {both[1].unsqueeze(0), both[0].unsqueeze(0)};
}

namespace {

sampling::ModelFn unetFn(const models::UNet3DConditionModel& unet,
                         at::ScalarType dtype,
                         bool cudaGraphs,
                         std::shared_ptr<adapters::LoraAdapter> adapter) {
    auto forward = models::graphedForward(unet, cudaGraphs);
    return [forward, dtype, lora = std::move(adapter)](const sampling::ModelInput& in) mutable {
        torch::NoGradGuard noGrad;
        if (in.contextMask.defined())
            throw EngineError(ErrorCode::Internal,
                              "UNet3D: prompts of different lengths cannot be batched");
        // Before the first forward too, so a CUDA graph captures the LoRA's weight buffers.
        if (lora && lora->scale() != in.adapterScale)
            lora->apply(in.adapterScale);
        // On the CPU the batch's items run side by side, one core each (cpu_batch.h).
        return forwardInCpuSlices([&forward](const auto& x) { return forward(x); },
                                  {in.latents.to(dtype), in.timesteps, in.context.to(dtype)});
    };
}

}  // namespace

sampling::ModelFn ModelScopePipeline::modelFn(
    std::shared_ptr<adapters::LoraAdapter> adapter) const {
    return unetFn(m_unet, m_device.dtype, m_cudaGraphs, std::move(adapter));
}

sampling::ModelFn ModelScopePipeline::eagerModelFn() const {
    return unetFn(m_unet, m_device.dtype, false, m_lora);
}

at::Tensor ModelScopePipeline::trainingForward(const at::Tensor& noisy,
                                               const at::Tensor& timesteps,
                                               const at::Tensor& context) const {
    const auto dtype = m_device.dtype;
    auto unet = m_unet;
    return unet->forward(noisy.to(dtype), timesteps, context.to(dtype)).to(at::kFloat);
}

void ModelScopePipeline::setGradientCheckpointing(bool on) const {
    auto unet = m_unet;
    unet->setGradientCheckpointing(on);
}

std::string ModelScopePipeline::describeDenoiser() const {
    return m_unet->config().toString();
}

at::Tensor ModelScopePipeline::decode(const at::Tensor& latents, std::int64_t frameBatch) const {
    return parts::decodeFrames(m_vae, m_device, latents, frameBatch);
}

at::Tensor ModelScopePipeline::encodeVideo(const at::Tensor& video, std::int64_t frameBatch) const {
    return parts::encodeFrames(m_vae, m_device, video, frameBatch);
}

}  // namespace mp::pipelines
