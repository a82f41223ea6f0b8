#include "pipelines/pipeline.h"

#include "adapters/lora.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "io/config.h"
#include "pipelines/cogvideox.h"
#include "pipelines/latte.h"
#include "pipelines/modelscope.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

namespace mp::pipelines {

namespace fs = std::filesystem;

Pipeline::~Pipeline() = default;

std::vector<std::int64_t> Pipeline::latentShape(int batch,
                                                int frames,
                                                std::int64_t height,
                                                std::int64_t width) const {
    return {batch, latentChannels(), frames, height / vaeFactor(), width / vaeFactor()};
}

at::Tensor Pipeline::initialNoise(std::uint64_t seed,
                                  int batch,
                                  int frames,
                                  std::int64_t height,
                                  std::int64_t width) const {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    return at::randn(latentShape(batch, frames, height, width), generator,
                     at::TensorOptions().dtype(at::kFloat));
}

void Pipeline::attachLora(const fs::path& file) {
    m_lora.reset();  // puts the denoiser's own weights back first
    m_lora = std::make_shared<adapters::LoraAdapter>(
        adapters::LoraAdapter::load(denoiser(), file, denoiserComponent()));
}

ModelFamily pipelineFamily(const fs::path& dir, std::string* why) {
    const auto say = [&](std::string text) {
        if (why)
            *why = std::move(text);
        return ModelFamily::Unknown;
    };
    std::error_code ec;
    if (!fs::exists(dir / "model_index.json", ec))
        return say(dir.string() + ": not a pipeline folder (no model_index.json)");
    const auto index = JsonConfig::load(dir / "model_index.json");
    const auto className = index.getString("_class_name", "");
    if (className == "TextToVideoSDPipeline")
        return ModelFamily::ModelScope;
    if (className == "LattePipeline")
        return ModelFamily::Latte;
    if (className == "CogVideoXPipeline")
        return ModelFamily::CogVideoX;
    if (className.find("CogVideoX") != std::string::npos)
        return say(dir.string() + ": " + className +
                   " is not supported yet; this build runs CogVideoX text-to-video folders "
                   "(CogVideoXPipeline), ModelScope (TextToVideoSDPipeline) and Latte "
                   "(LattePipeline)");
    // Another pipeline class (or none): go by the denoiser folder that is there.
    if (fs::is_directory(dir / "unet", ec))
        return ModelFamily::ModelScope;
    if (fs::exists(dir / "transformer" / "config.json", ec)) {
        const auto config = JsonConfig::load(dir / "transformer" / "config.json");
        const auto denoiser = config.getString("_class_name", "");
        if (denoiser == "LatteTransformer3DModel")
            return ModelFamily::Latte;
        if (denoiser == "CogVideoXTransformer3DModel")
            return ModelFamily::CogVideoX;
    }
    return say(dir.string() + "/model_index.json: _class_name '" + className +
               "' is not a pipeline this build runs (TextToVideoSDPipeline, LattePipeline, "
               "CogVideoXPipeline), and the folder has no unet/ or Latte or CogVideoX "
               "transformer/");
}

Result<std::unique_ptr<Pipeline>> loadPipeline(const fs::path& dir,
                                               const DeviceChoice& device,
                                               const std::string& variant,
                                               const JobContext& job) {
    return capture([&]() -> std::unique_ptr<Pipeline> {
        std::string why;
        switch (pipelineFamily(dir, &why)) {
            case ModelFamily::ModelScope:
                return std::make_unique<ModelScopePipeline>(
                    ModelScopePipeline::load(dir, device, variant, job).value());
            case ModelFamily::Latte:
                return std::make_unique<LattePipeline>(
                    LattePipeline::load(dir, device, variant, job).value());
            case ModelFamily::CogVideoX:
                return std::make_unique<CogVideoXPipeline>(
                    CogVideoXPipeline::load(dir, device, variant, job).value());
            default:
                throw EngineError(ErrorCode::Unsupported, why);
        }
    });
}

Result<GenerateResult> generate(const Pipeline& pipeline,
                                const GenerateRequest& request,
                                const JobContext& context) {
    return capture([&] {
        const int frames = request.frames > 0 ? request.frames : pipeline.defaultFrames();
        const auto height = request.height > 0 ? request.height : pipeline.defaultHeight();
        const auto width = request.width > 0 ? request.width : pipeline.defaultWidth();
        const auto f = pipeline.vaeFactor();
        if (height % f != 0 || width % f != 0)
            throw EngineError(ErrorCode::InvalidArgument,
                              "height and width must be multiples of " + std::to_string(f) +
                                  ", got " + std::to_string(height) + "×" + std::to_string(width));
        if (frames < 1 || frames > 1024)
            throw EngineError(ErrorCode::InvalidArgument,
                              "frames must be between 1 and 1024, got " + std::to_string(frames));
        GenerateResult result;
        result.guidance = request.guidance.value_or(pipeline.defaultGuidance());
        Stopwatch watch;
        const auto condition = during("encoding the prompt", [&] {
            return pipeline.encodePrompt(request.prompt, request.negativePrompt);
        });
        result.encodeMs = watch.milliseconds();

        sampling::DenoiseRequest d;
        d.numSteps = request.steps;
        const auto expected = pipeline.latentShape(1, frames, height, width);
        if (request.initialLatents.defined()) {
            // Their own frames and size count (the request's are for the seeded noise).
            d.latents = request.initialLatents;
            const auto c = pipeline.latentChannelDim();
            if (d.latents.dim() != static_cast<std::int64_t>(expected.size()) ||
                d.latents.size(c) != expected[static_cast<std::size_t>(c)])
                throw EngineError(ErrorCode::InvalidArgument,
                                  "initial latents are " + str::shape(d.latents.sizes().vec()) +
                                      " where the shape of " + str::shape(expected) +
                                      " (any batch, frames and size) was expected");
        } else {
            d.latents = during(
                "drawing the initial noise " + str::shape(expected) + " float32",
                [&] { return pipeline.initialNoise(request.seed, 1, frames, height, width); });
        }
        d.latents = d.latents.to(pipeline.device().device, at::kFloat);
        d.conditions = {condition};
        d.guidance.scale = result.guidance;
        d.guidance.dynamic = request.dynamicGuidance;
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
            const auto frameBatch = request.decodeFrameBatch >= 0
                                        ? request.decodeFrameBatch
                                        : pipeline.defaultDecodeFrameBatch();
            result.video =
                during("decoding " + std::to_string(frames) + " frames of " +
                           std::to_string(height) + "×" + std::to_string(width),
                       [&] { return pipeline.decode(result.latents, frameBatch).cpu(); });
            result.decodeMs = watch.milliseconds();
            context.report("decode", 1, 1);
        }
        return result;
    });
}

}  // namespace mp::pipelines
