#include "commands.h"

#include "core/strings.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "pipelines/pipeline.h"
#include "runtime/cuda_memory.h"
#include "runtime/device.h"

#ifdef MP_HAVE_VIDEO
#include "video/video_tensor.h"
#include "video_args.h"
#endif

#include <ATen/ATen.h>

#include <cstdio>
#include <iostream>

namespace mp::cli {

std::vector<OptionSpec> deviceOptionSpecs(const std::string& dtypeDefault) {
    return {{"device", "DEV", "auto, cpu, cuda or cuda:N", false, "auto"},
            {"dtype", "TYPE", "auto (fp32 on the CPU, bf16 on CUDA), fp32, bf16 or fp16", false,
             dtypeDefault},
            {"gpu-memory", "GIB",
             "on CUDA: use at most this much of the GPU's memory (GiB), as a card of that size "
             "would (the probe then halves its batch where a batch does not fit)"}};
}

std::string modelFromArgs(const ParsedArgs& args) {
    if (args.has("model"))
        return args.value("model");
    return findResource(kToyPipelineResource).string();
}

DeviceChoice deviceFromArgs(const ParsedArgs& args) {
    DeviceChoice device;
    const auto deviceText = args.value("device");
    const auto dtypeText = args.value("dtype");
    try {
        (void)resolveDevice(deviceText, "auto");
    } catch (const EngineError& e) {
        throw UsageError("--device: " + e.message());
    }
    try {
        device = resolveDevice(deviceText, dtypeText);
    } catch (const EngineError& e) {
        throw UsageError("--dtype: " + e.message());
    }
    configureThreads();
    tuneForDevice(device);
    if (args.has("gpu-memory")) {
        const auto gib = parseNumber("gpu-memory", args.value("gpu-memory"), 0.5, 1 << 20);
        if (!setCudaMemoryLimit(device.device,
                                static_cast<std::int64_t>(gib * 1024.0 * 1024.0 * 1024.0)))
            throw UsageError("--gpu-memory: only on a CUDA device of a CUDA build");
    }
    return device;
}

namespace {

bool isTensorOutput(const std::filesystem::path& out) {
    return out.extension() == ".safetensors";
}

int run(const ParsedArgs& args) {
    const std::filesystem::path out = args.value("out");
#ifndef MP_HAVE_VIDEO
    if (!isTensorOutput(out))
        throw UsageError(
            "--out: this build has no video encoder (built without FFmpeg); write "
            "OUT.safetensors instead");
#endif
    pipelines::GenerateRequest req;
    req.prompt = args.value("prompt");
    if (args.has("negative"))
        req.negativePrompt = args.value("negative");
    req.seed = static_cast<std::uint64_t>(
        parseInteger("seed", args.value("seed"), 0, std::numeric_limits<long long>::max()));
    req.steps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000));
    if (args.has("guidance"))
        req.guidance = parseNumber("guidance", args.value("guidance"), 0, 100);
    req.dynamicGuidance = args.flag("dynamic-cfg");
    req.eta = parseNumber("eta", args.value("eta"), 0, 1);
    if (args.has("frames"))
        req.frames = static_cast<int>(parseInteger("frames", args.value("frames"), 1, 1024));
    if (args.has("height"))
        req.height = parseInteger("height", args.value("height"), 8, 8192);
    if (args.has("width"))
        req.width = parseInteger("width", args.value("width"), 8, 8192);
    if (args.has("decode-batch"))
        req.decodeFrameBatch = parseInteger("decode-batch", args.value("decode-batch"), 0, 4096);
    if (!args.has("lora") && (args.has("lora-scale") || args.has("lora-min-t")))
        throw UsageError("--lora-scale and --lora-min-t need --lora FILE");
    if (args.has("lora")) {
        const double scale = parseNumber("lora-scale", args.value("lora-scale"), -100, 100);
        req.adapterSchedule =
            args.has("lora-min-t")
                ? sampling::AdapterSchedule::from(
                      parseNumber("lora-min-t", args.value("lora-min-t"), 0, 1000), scale)
                : sampling::AdapterSchedule::constant(scale);
    }
#ifdef MP_HAVE_VIDEO
    const auto encode = encodeOptionsFrom(args);
#endif
    const auto device = deviceFromArgs(args);
    const auto job = commandJob(args);

    const auto model = modelFromArgs(args);
    const auto loaded =
        forOption("model", model, [&] {
            return pipelines::loadPipeline(model, device, args.value("variant"), job);
        }).value();
    auto& pipeline = *loaded;
    pipeline.setCudaGraphs(!args.flag("no-cuda-graph"));
    if (args.flag("vae-tiling") && !pipeline.setVaeTiling(true))
        throw UsageError("--vae-tiling: this model's VAE has no tiled mode (CogVideoX's has)");
    if (args.has("lora"))
        forOption("lora", args.value("lora"), [&] { pipeline.attachLora(args.value("lora")); });
    for (const auto& n : pipeline.notes())
        std::cerr << "note: " << n << "\n";
    const auto result = pipelines::generate(pipeline, req, job).value();
    const auto& r = result;
    if (isTensorOutput(out)) {
        saveTensorFile(out, {{"video", r.video.contiguous()}, {"latents", r.latents.cpu()}},
                       {{"prompt", req.prompt},
                        {"seed", std::to_string(req.seed)},
                        {"steps", std::to_string(req.steps)},
                        {"guidance", std::to_string(r.guidance)},
                        {"family", familyName(pipeline.family())},
                        {"layout", std::string("video: (B, 3, F, H, W) in [0, 1]; latents: ") +
                                       (pipeline.latentChannelDim() == 2 ? "(B, F, C, h, w)"
                                                                         : "(B, C, F, h, w)") +
                                       ", " + str::shape(r.latents.sizes().vec())}});
        std::cout << "wrote " << out.string() << "\n";
    }
#ifdef MP_HAVE_VIDEO
    else {
        auto clip =
            video::tensorToClip(r.video, video::TensorLayout::BCFHW, video::ValueRange::ZeroToOne,
                                encode.fps > 0 ? encode.fps : video::kDefaultFps);
        printEncodeReport(video::encodeVideo(clip, out, encode, job).value());
    }
#endif
    std::printf(
        "%s: %zu steps on %s; text %.0f ms, denoise %.0f ms (%.1f ms/step), decode %.0f ms\n",
        pipeline.describeDenoiser().c_str(), r.timesteps.size(), device.describe().c_str(),
        r.encodeMs, r.denoiseMs, r.denoiseMs / std::max<std::size_t>(1, r.timesteps.size()),
        r.decodeMs);
    return kExitOk;
}

}  // namespace

Command generateCommand() {
    std::vector<OptionSpec> options = {
        {"model", "DIR",
         "a TextToVideoSDPipeline (ModelScope), LattePipeline or CogVideoXPipeline folder "
         "(diffusers layout); default: the embedded toy world's model"},
        {"prompt", "TEXT", "what the video shows", true},
        {"out", "OUT", "video file or folder, or OUT.safetensors for tensors", true},
        {"negative", "TEXT", "negative prompt (default: \"\")"},
        {"seed", "N", "seed of the initial noise (torch.randn on a CPU generator)", false, "0"},
        {"steps", "K", "DDIM steps", false, "50"},
        {"guidance", "G",
         "classifier-free guidance scale (off at 1 or below; default: the family's, ModelScope 9, "
         "Latte 7.5, CogVideoX 6)"},
        {"vae-tiling", "",
         "the VAE in spatial tiles where the family has them (CogVideoX, as diffusers' "
         "enable_tiling()): less GPU memory for large videos"},
        {"dynamic-cfg", "",
         "CogVideoX's use_dynamic_cfg: the guidance scale follows the timestep, "
         "1 + G(1 - cos(pi((N - t)/N)^5))/2"},
        {"eta", "E", "DDIM eta", false, "0"},
        {"frames", "F",
         "frames (default: the family's, 16 for ModelScope and Latte, 49 for CogVideoX, which "
         "takes 4k + 1)"},
        {"height", "H", "pixels (default: the family's, ModelScope 256, Latte 512, CogVideoX 480)"},
        {"width", "W", "pixels (default: the family's, ModelScope 256, Latte 512, CogVideoX 720)"},
        {"decode-batch", "N",
         "frames per VAE decode batch (0: all at once; default: the family's, ModelScope 0, "
         "Latte 14)"},
        {"variant", "NAME", "weights variant, e.g. fp16"},
        {"quiet", "", "no progress on stderr (--progress never)"},
        progressOptionSpec(),
        {"no-cuda-graph", "", "on CUDA: run the UNet eagerly instead of replaying a CUDA graph"},
        {"lora", "FILE",
         "a LoRA for the denoiser (diffusers/peft safetensors: unet.* keys for ModelScope, "
         "transformer.* for Latte and CogVideoX)"},
        {"lora-scale", "S", "the LoRA's scale", false, "1"},
        {"lora-min-t", "T", "the LoRA acts only while t >= T (the paper's tau; default: always)"},
    };
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    std::string details =
        "Defaults are those of the folder's diffusers pipeline (TextToVideoSDPipeline, "
        "LattePipeline, CogVideoXPipeline).";
#ifdef MP_HAVE_VIDEO
    for (auto& o : encodeOptionSpecs())
        options.push_back(o);
    details += "\n" + std::string(kOutputHelp);
#endif
    CommandSpec spec{"generate",
                     "Text to video with a ModelScope or Latte pipeline folder.",
                     {},
                     options,
                     details};
    return {spec, run};
}

}  // namespace mp::cli
