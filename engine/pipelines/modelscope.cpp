#include "pipelines/modelscope.h"

#include "adapters/lora.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "io/config.h"
#include "io/snapshot.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mp::pipelines {

namespace fs = std::filesystem;

namespace {

template <class Fn>
auto loading(const char* component, Fn&& fn) {
    try {
        return fn();
    } catch (const EngineError& e) {
        throw EngineError(e.code(), std::string(component) + ": " + e.what());
    }
}

}  // namespace

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
    std::error_code ec;
    if (!fs::exists(dir / "model_index.json", ec))
        throw EngineError(ErrorCode::NotFound,
                          dir.string() + ": not a pipeline folder (no model_index.json)");
    const auto index = JsonConfig::load(dir / "model_index.json");
    const auto className = index.getString("_class_name", "");
    for (const char* c : {"tokenizer", "text_encoder", "unet", "vae", "scheduler"})
        (void)componentFolder(dir, c);
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
    if (p.m_textEncoder->config().hiddenSize != p.m_unet->config().crossAttentionDim)
        throw EngineError(ErrorCode::Config,
                          "text_encoder hidden_size " +
                              std::to_string(p.m_textEncoder->config().hiddenSize) +
                              " does not match unet cross_attention_dim " +
                              std::to_string(p.m_unet->config().crossAttentionDim));
    if (p.m_vae->config().latentChannels != p.m_unet->config().inChannels)
        throw EngineError(ErrorCode::Config, "vae latent_channels " +
                                                 std::to_string(p.m_vae->config().latentChannels) +
                                                 " does not match unet in_channels " +
                                                 std::to_string(p.m_unet->config().inChannels));
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

std::int64_t ModelScopePipeline::defaultSize() const {
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
        // Before the first forward too, so a CUDA graph captures the LoRA's weight buffers.
        if (lora && lora->scale() != in.adapterScale)
            lora->apply(in.adapterScale);
        return forward({in.latents.to(dtype), in.timesteps, in.context.to(dtype)});
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

void ModelScopePipeline::attachLora(const std::filesystem::path& file) {
    m_lora.reset();  // puts the UNet's own weights back first
    m_lora = std::make_shared<adapters::LoraAdapter>(adapters::LoraAdapter::load(*m_unet, file));
}

at::Tensor ModelScopePipeline::initialNoise(std::uint64_t seed,
                                            int batch,
                                            int frames,
                                            std::int64_t height,
                                            std::int64_t width) const {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    return at::randn({batch, latentChannels(), frames, height / vaeFactor(), width / vaeFactor()},
                     generator, at::TensorOptions().dtype(at::kFloat));
}

at::Tensor ModelScopePipeline::decode(const at::Tensor& latents, std::int64_t frameBatch) const {
    torch::NoGradGuard noGrad;
    // diffusers multiplies by 1/scaling_factor (a float32 scalar), not divides.
    const auto z = latents.to(m_device.device, at::kFloat) * (1.0 / m_vae->config().scalingFactor);
    auto vae = m_vae;
    auto video = vae->decode(z.to(m_device.dtype), frameBatch).to(at::kFloat);
    return (video / 2 + 0.5).clamp(0, 1);
}

at::Tensor ModelScopePipeline::encodeVideo(const at::Tensor& video, std::int64_t frameBatch) const {
    torch::NoGradGuard noGrad;
    auto vae = m_vae;
    auto dist = vae->encode(video.to(m_device.device, m_device.dtype), frameBatch);
    return dist.mean.to(at::kFloat) * m_vae->config().scalingFactor;
}

Result<GenerateResult> generate(const ModelScopePipeline& pipeline,
                                const GenerateRequest& request,
                                const JobContext& context) {
    return capture([&] {
        const auto size = pipeline.defaultSize();
        const int frames = request.frames > 0 ? request.frames : pipeline.defaultFrames();
        const auto height = request.height > 0 ? request.height : size;
        const auto width = request.width > 0 ? request.width : size;
        const auto f = pipeline.vaeFactor();
        if (height % f != 0 || width % f != 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "height and width must be multiples of " + std::to_string(f) +
                                  ", got " + std::to_string(height) + "×" + std::to_string(width));
        if (frames < 1 || frames > 1024)
            throw EngineError(ErrorCode::InvalidArgument,
                              "frames must be between 1 and 1024, got " + std::to_string(frames));
        GenerateResult result;
        Stopwatch watch;
        const auto condition = during("encoding the prompt", [&] {
            return pipeline.encodePrompt(request.prompt, request.negativePrompt);
        });
        result.encodeMs = watch.milliseconds();

        sampling::DenoiseRequest d;
        d.numSteps = request.steps;
        const auto latentShape =
            str::shape({1, pipeline.latentChannels(), frames, height / f, width / f});
        d.latents = request.initialLatents.defined()
                        ? request.initialLatents
                        : during("drawing the initial noise " + latentShape + " float32", [&] {
                              return pipeline.initialNoise(request.seed, 1, frames, height, width);
                          });
        const std::vector<std::int64_t> expected{d.latents.size(0), pipeline.latentChannels(),
                                                 frames, height / f, width / f};
        if (request.initialLatents.defined() &&
            (d.latents.dim() != 5 || d.latents.size(1) != expected[1]))
            throw EngineError(
                ErrorCode::InvalidArgument,
                "initial latents must be (B, " + std::to_string(expected[1]) + ", F, h, w)");
        d.latents = d.latents.to(pipeline.device().device, at::kFloat);
        d.conditions = {condition};
        d.guidance.scale = request.guidance;
        d.eta = request.eta;
        d.seed = request.seed;
        d.adapterSchedule = request.adapterSchedule;
        // The LoRA comes off when the denoising ends, however it ends.
        struct LoraOff {
            std::shared_ptr<adapters::LoraAdapter> lora;
            ~LoraOff() {
                if (lora) {
                    torch::NoGradGuard noGrad;
                    lora->apply(0.0);
                }
            }
        } loraOff{request.adapter ? request.adapter : pipeline.lora()};
        watch.restart();
        auto denoised =
            sampling::denoise(pipeline.scheduler(), pipeline.modelFn(loraOff.lora), d, context)
                .value();
        result.latents = denoised.latents;
        result.timesteps = denoised.timesteps;
        result.denoiseMs = watch.milliseconds();
        if (request.decode) {
            context.report("decode", 0, 1);
            watch.restart();
            result.video = during(
                "decoding " + std::to_string(frames) + " frames of " + std::to_string(height) +
                    "×" + std::to_string(width),
                [&] { return pipeline.decode(result.latents, request.decodeFrameBatch).cpu(); });
            result.decodeMs = watch.milliseconds();
            context.report("decode", 1, 1);
        }
        return result;
    });
}

}  // namespace mp::pipelines
