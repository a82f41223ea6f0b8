#include "commands.h"

#include "adapters/lora.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "io/config.h"
#include "io/snapshot.h"
#include "models/cogvideox.h"
#include "models/cogvideox_vae.h"
#include "models/latte.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "pipelines/pipeline.h"
#include "probe/probe.h"
#include "runtime/cuda_graph.h"
#include "runtime/cuda_memory.h"
#include "runtime/device.h"
#include "runtime/torch_shim.h"
#include "train/trainer.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/nn/module.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <optional>

namespace mp::cli {

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// The attention our models run on this build (shim::sdpa: the fused kernel on LibTorch 2.x; on
// 1.13 the short-sequence kernel or the blocked path) against the reference that materialises
// every score, on the same inputs, in alternating rounds; medians and their ratio. Where sdpa
// takes the short-sequence kernel, the blocked path it replaced runs in the rounds too.
int runAttention(const ParsedArgs& args,
                 const DeviceChoice& device,
                 long long warmup,
                 long long reps) {
    const auto batch = parseInteger("batch", args.value("batch"), 1, 1 << 20);
    const auto tokens = parseInteger("tokens", args.value("tokens"), 1, 1 << 20);
    const auto dim = parseInteger("head-dim", args.value("head-dim"), 1, 1024);
    const auto opts = at::TensorOptions().device(device.device).dtype(device.dtype);
    torch::NoGradGuard noGrad;
    at::manual_seed(0);
    const auto q = at::randn({batch, tokens, dim}, opts), k = at::randn({batch, tokens, dim}, opts),
               v = at::randn({batch, tokens, dim}, opts);
    const bool shortPath =
        !shim::kHasNativeSdpa && shim::shortAttentionApplies(q, k, v, std::nullopt, false);
    struct Side {
        std::function<at::Tensor()> run;
        std::vector<double> ms;
        at::Tensor out;
    };
    std::vector<Side> sides{{[&] { return shim::sdpa(q, k, v); }, {}, {}},
                            {[&] { return shim::attentionMath(q, k, v); }, {}, {}}};
    if (shortPath)
        sides.push_back({[&] { return shim::attentionBlocked(q, k, v); }, {}, {}});
    for (long long i = 0; i < warmup; ++i)
        for (auto& side : sides)
            (void)side.run();
    for (long long i = 0; i < reps; ++i)
        for (auto& side : sides) {
            synchronize(device.device);
            const Stopwatch w;
            side.out = side.run();
            synchronize(device.device);
            side.ms.push_back(w.milliseconds());
        }
    const auto& ours = sides[0];
    const auto& reference = sides[1];
    nlohmann::json j;
    j["component"] = "attention";
    j["what"] = std::to_string(batch) + " sequences of " + std::to_string(tokens) +
                " tokens, head size " + std::to_string(dim);
    j["device"] = device.describe();
    j["path"] = shim::kHasNativeSdpa ? "scaled_dot_product_attention"
                : shortPath          ? "short sequences (CPU)"
                                     : "blocked (CPU)";
    j["step_ms"] = median(ours.ms);
    j["step_ms_range"] = {*std::min_element(ours.ms.begin(), ours.ms.end()),
                          *std::max_element(ours.ms.begin(), ours.ms.end())};
    j["reference_ms"] = median(reference.ms);
    j["reference_over_ours"] = median(reference.ms) / std::max(1e-9, median(ours.ms));
    if (shortPath) {
        j["blocked_ms"] = median(sides[2].ms);
        j["blocked_over_ours"] = median(sides[2].ms) / std::max(1e-9, median(ours.ms));
    }
    j["reps"] = reps;
    j["max_rel_diff"] = ((ours.out.to(at::kFloat) - reference.out.to(at::kFloat)).abs().max() /
                         reference.out.to(at::kFloat).abs().max())
                            .item<double>();
    std::cout << j.dump() << "\n";
    return kExitOk;
}

// The whole probe on random clean latents (no video I/O, no metrics, so it runs on every build):
// the planned probe (shared prefixes, batched branches) and, with --naive, the paper's procedure
// through the same loop (one full resampling per pair), in alternating rounds; medians, ratio
// and evaluation counts.
int runProbeBench(const ParsedArgs& args,
                  const DeviceChoice& device,
                  long long warmup,
                  long long reps) {
    const auto loaded = pipelines::loadPipeline(modelFromArgs(args), device).value();
    auto& pipeline = *loaded;
    pipeline.setCudaGraphs(!args.flag("no-cuda-graph"));
    const auto model = probe::probeModelOf(pipeline);
    probe::ProbeRequest req;
    req.caption = "a red circle moves from left to right on a white background";
    req.edit = "a blue square moves from left to right on a white background";
    req.steps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000));
    req.grid.interval = static_cast<int>(parseInteger("interval", args.value("interval"), 1, 1000));
    req.maxBatch =
        args.value("max-batch") == "auto"
            ? (device.device.is_cuda() ? 16 : 4)
            : static_cast<int>(parseInteger("max-batch", args.value("max-batch"), 1, 4096));
    const auto frames = args.has("frames") ? parseInteger("frames", args.value("frames"), 1, 1024)
                                           : std::int64_t{pipeline.defaultFrames()};
    const auto f = pipeline.vaeFactor();
    const auto h = args.has("height") ? parseInteger("height", args.value("height"), 1, 4096)
                                      : pipeline.defaultHeight() / f;
    const auto w = args.has("width") ? parseInteger("width", args.value("width"), 1, 4096)
                                     : pipeline.defaultWidth() / f;
    at::manual_seed(0);
    req.latents = at::randn(pipeline.latentShape(1, static_cast<int>(frames), h * f, w * f));
    const bool naive = args.flag("naive");
    probe::ProbeResult last;
    const auto planned = [&] {
        last = probe::runProbe(model, req).value();
        synchronize(device.device);
    };
    const auto naiveLoop = [&] {
        // x̂_T from the same inversion, then every pair from scratch.
        const auto c = model.encodePrompt(req.caption, std::nullopt);
        const auto e = model.encodePrompt(req.edit, std::nullopt);
        sampling::InversionRequest inv;
        inv.latents = req.latents;
        inv.condition = c;
        inv.numSteps = req.steps;
        inv.measureReconstruction = false;
        const auto noise = sampling::invert(*model.scheduler, model.model, inv).value();
        for (const auto& pair : probe::gridPairs(req.grid))
            (void)probe::resampleNaive(
                model, noise.trajectory.latents.back(), c, e,
                sampling::ConditionSchedule::window(1, 0, pair.start, pair.end), req.steps,
                model.defaultGuidance);
        synchronize(device.device);
    };
    for (long long i = 0; i < warmup; ++i) {
        planned();
        if (naive)
            naiveLoop();
    }
    std::vector<double> plannedMs, naiveMs;
    std::optional<torch::autograd::profiler::RecordProfile> trace;
    if (args.has("trace"))
        trace.emplace(args.value("trace"));
    for (long long i = 0; i < reps; ++i) {
        Stopwatch one;
        planned();
        plannedMs.push_back(one.milliseconds());
        if (naive) {
            Stopwatch two;
            naiveLoop();
            naiveMs.push_back(two.milliseconds());
        }
    }
    nlohmann::json j;
    if (trace) {
        trace.reset();  // writes the file
        j["trace"] = args.value("trace");
    }
    j["component"] = "probe";
    j["what"] = "probe of " + std::to_string(frames) + " frames, latents " +
                str::shape(req.latents.sizes().vec()) + ", " + std::to_string(req.steps) +
                " steps, interval " + std::to_string(req.grid.interval) + ", guidance " +
                std::to_string(static_cast<int>(model.defaultGuidance)) +
                ", no video I/O or metrics";
    j["device"] = device.describe();
    j["max_batch"] = req.maxBatch;
    j["max_batch_used"] = last.batchUsed;
    j["evaluations"] = {{"planned", last.plan.evaluations()},
                        {"naive", last.plan.naiveEvaluations()},
                        {"inversion", req.steps}};
    j["planned_ms"] = median(plannedMs);
    j["planned_ms_range"] = {*std::min_element(plannedMs.begin(), plannedMs.end()),
                             *std::max_element(plannedMs.begin(), plannedMs.end())};
    if (naive) {
        j["naive_ms"] = median(naiveMs);
        j["naive_ms_range"] = {*std::min_element(naiveMs.begin(), naiveMs.end()),
                               *std::max_element(naiveMs.begin(), naiveMs.end())};
        j["naive_over_planned"] = median(naiveMs) / std::max(1e-9, median(plannedMs));
    }
    j["reps"] = reps;
    if (auto m = cudaMemory(device.device))
        j["peak_GiB"] = static_cast<double>(m->peakAllocated) / (1024.0 * 1024 * 1024);
    std::cout << j.dump() << "\n";
    return kExitOk;
}

// One LoRA training step of customization as the trainer takes it (forward in bf16 autocast on
// CUDA, ε loss, backward, clipping, AdamW), on the UNet folder with random inputs: the base
// frozen in the device's dtype, the adapter (a preset, rank, α) in float32. Each step is timed
// from one loss call to the next (synchronised), so the figure is the whole step.
int runLoraTrainBench(const ParsedArgs& args,
                      const DeviceChoice& device,
                      long long warmup,
                      long long reps) {
    const auto batch = parseInteger("batch", args.value("batch"), 1, 1024);
    const auto frames = parseInteger("frames", args.value("frames"), 1, 1024);
    const auto height = parseInteger("height", args.value("height"), 1, 4096);
    const auto width = parseInteger("width", args.value("width"), 1, 4096);
    const auto rank = parseInteger("rank", args.value("rank"), 1, 1024);
    adapters::Preset preset;
    try {
        preset = adapters::parsePreset(args.value("preset"));
    } catch (const EngineError& e) {
        throw UsageError("--preset: " + e.message());
    }
    auto unet = models::loadUNet3D(modelFromArgs(args));
    unet->to(device.device, device.dtype);
    for (auto& p : unet->parameters())
        p.set_requires_grad(false);
    unet->train();
    adapters::LoraOptions lo;
    lo.pattern = adapters::presetPattern(ModelFamily::ModelScope, preset);
    lo.rank = rank;
    lo.alpha = static_cast<double>(rank);
    auto lora = adapters::LoraAdapter::inject(*unet, lo);
    for (auto& [name, p] : lora.parameters())
        p.set_data(p.data().to(at::kFloat));
    const bool checkpointing = args.flag("gradient-checkpointing");
    unet->setGradientCheckpointing(checkpointing);
    const auto& c = unet->config();
    at::manual_seed(0);
    const auto opts = at::TensorOptions().device(device.device).dtype(device.dtype);
    const auto x0 = at::randn({batch, c.inChannels, frames, height, width}, opts);
    const auto ctx = at::randn({batch, 77, c.crossAttentionDim}, opts);
    train::TrainConfig tc;
    tc.totalSteps = static_cast<int>(warmup + reps);
    tc.adamw.lr = 1e-4;
    tc.adamw.weightDecay = 0;
    tc.gradClipNorm = 1.0;
    tc.bf16Autocast = device.device.is_cuda();
    train::Trainer trainer(lora.parameters(), tc);
    std::vector<double> each;
    std::optional<Stopwatch> since;
    const auto loss = [&](int step, at::Generator& g) {
        synchronize(device.device);
        if (since)
            each.push_back(since->milliseconds());
        if (step == warmup) {
            each.clear();
            resetCudaPeak(device.device);
        }
        since.emplace();
        lora.apply(1.0);
        const auto t = at::randint(0, 1000, {batch}, g, at::kLong).to(device.device);
        const auto noise = at::randn(x0.sizes(), g).to(opts);
        const auto noisy = (x0.to(at::kFloat) * 0.7 + noise.to(at::kFloat) * 0.7).to(opts);
        const auto prediction = unet->forward(noisy, t, ctx).to(at::kFloat);
        return (prediction - noise.to(at::kFloat)).pow(2).mean();
    };
    const auto report = trainer.run(loss).value();
    synchronize(device.device);
    each.push_back(since->milliseconds());  // the last step, ended by the run's return
    std::int64_t trainable = 0;
    for (const auto& [name, p] : lora.parameters())
        trainable += p.numel();
    nlohmann::json j;
    j["component"] = "lora-train";
    j["what"] = "LoRA " + adapters::presetName(preset) + " rank " + std::to_string(rank) +
                " training step, latents " + std::to_string(batch) + "x" +
                std::to_string(c.inChannels) + "x" + std::to_string(frames) + "x" +
                std::to_string(height) + "x" + std::to_string(width);
    j["device"] = device.describe();
    j["adapted_layers"] = lora.modules().size();
    j["gradient_checkpointing"] = checkpointing;
    j["trainable_M"] = static_cast<double>(trainable) / 1e6;
    j["step_ms"] = median(each);
    j["range_ms"] = {*std::min_element(each.begin(), each.end()),
                     *std::max_element(each.begin(), each.end())};
    j["reps"] = each.size();
    j["last_loss"] = report.losses.empty() ? 0.0 : report.losses.back();
    if (auto m = cudaMemory(device.device))
        j["peak_GiB"] = static_cast<double>(m->peakAllocated) / (1024.0 * 1024 * 1024);
    std::cout << j.dump() << "\n";
    return kExitOk;
}

int run(const ParsedArgs& args) {
    const auto device = deviceFromArgs(args);
    const auto component = args.value("component");
    const auto warmup = parseInteger("warmup", args.value("warmup"), 0, 1000);
    const auto reps = parseInteger("reps", args.value("reps"), 1, 100000);
    if (component == "attention")
        return runAttention(args, device, warmup, reps);
    if (component == "probe")
        return runProbeBench(args, device, warmup, reps);
    if (component == "lora-train")
        return runLoraTrainBench(args, device, warmup, reps);
    const auto batch = parseInteger("batch", args.value("batch"), 1, 1024);
    const auto frames = parseInteger("frames", args.value("frames"), 1, 1024);
    const auto height = parseInteger("height", args.value("height"), 1, 4096);
    const auto width = parseInteger("width", args.value("width"), 1, 4096);
    const auto opts = at::TensorOptions().device(device.device).dtype(device.dtype);
    torch::NoGradGuard noGrad;
    at::manual_seed(0);

    nlohmann::json j;
    std::function<at::Tensor()> step;
    std::optional<double> verify;
    std::int64_t params = 0;
    std::string what;
    if (component == "unet") {
        auto unet = models::loadUNet3D(modelFromArgs(args));
        unet->to(device.device, device.dtype);
        const auto& c = unet->config();
        auto sample = at::randn({batch, c.inChannels, frames, height, width}, opts);
        auto t = at::full({batch}, 981, at::TensorOptions().device(device.device).dtype(at::kLong));
        auto ctx = at::randn({batch, 77, c.crossAttentionDim}, opts);
        auto forward = models::graphedForward(unet, !args.flag("no-cuda-graph"));
        step = [forward, sample, t, ctx]() mutable { return forward({sample, t, ctx}); };
        if (args.flag("verify-graph")) {
            // Same process, so cuDNN's autotuned choices are shared: a correct replay matches
            // the eager forward exactly.
            auto graphed = step();
            graphed = step();
            auto eager = unet->forward(sample, t, ctx);
            verify = ((graphed.to(at::kFloat) - eager.to(at::kFloat)).abs().max() /
                      eager.to(at::kFloat).abs().max())
                         .item<double>();
        }
        for (const auto& p : unet->parameters())
            params += p.numel();
        what = "UNet3D forward, latents " + std::to_string(batch) + "x" +
               std::to_string(c.inChannels) + "x" + std::to_string(frames) + "x" +
               std::to_string(height) + "x" + std::to_string(width);
    } else if (component == "transformer" &&
               JsonConfig::load(componentFolder(modelFromArgs(args), "transformer") / "config.json")
                       .getString("_class_name", "") == "CogVideoXTransformer3DModel") {
        // CogVideoX's transformer at the guidance batch: `frames` latent frames in its
        // (B, F, C, H, W) layout, captions of 226 tokens as CogVideoXPipeline pads them.
        auto model = models::loadCogVideoXTransformer(modelFromArgs(args), {}, device);
        model->to(device.device, device.dtype);
        const auto& c = model->config();
        auto sample = at::randn({batch, frames, c.inChannels, height, width}, opts);
        auto t = at::full({batch}, 999, at::TensorOptions().device(device.device).dtype(at::kLong));
        auto ctx = at::randn({batch, c.maxTextSeqLength, c.textEmbedDim}, opts);
        step = [model, sample, t, ctx]() mutable { return model->forward(sample, t, ctx); };
        for (const auto& p : model->parameters())
            params += p.numel();
        what = "CogVideoX transformer forward (" + c.positionScheme() + " positions), latents " +
               std::to_string(batch) + "x" + std::to_string(frames) + "x" +
               std::to_string(c.inChannels) + "x" + std::to_string(height) + "x" +
               std::to_string(width) + ", " + std::to_string(c.maxTextSeqLength) +
               " caption tokens";
    } else if (component == "transformer") {
        // Latte's transformer at the guidance batch, captions cut to `caption-tokens` as
        // LattePipeline cuts them; eager (no CUDA graph for Latte yet).
        auto model = models::loadLatteTransformer(modelFromArgs(args), {}, device);
        model->to(device.device, device.dtype);
        const auto& c = model->config();
        const auto tokens = parseInteger("caption-tokens", args.value("caption-tokens"), 1, 4096);
        auto sample = at::randn({batch, c.inChannels, frames, height, width}, opts);
        auto t = at::full({batch}, 981, at::TensorOptions().device(device.device).dtype(at::kLong));
        auto ctx = at::randn({batch, tokens, c.captionChannels}, opts);
        step = [model, sample, t, ctx]() mutable { return model->forward(sample, t, ctx); };
        for (const auto& p : model->parameters())
            params += p.numel();
        what = "Latte transformer forward, latents " + std::to_string(batch) + "x" +
               std::to_string(c.inChannels) + "x" + std::to_string(frames) + "x" +
               std::to_string(height) + "x" + std::to_string(width) + ", " +
               std::to_string(tokens) + " caption tokens";
    } else if (component == "vae-decode" &&
               JsonConfig::load(componentFolder(modelFromArgs(args), "vae") / "config.json")
                       .getString("_class_name", "") == "AutoencoderKLCogVideoX") {
        // The causal 3-D VAE: `frames` latent frames in its own 2-frame batches, tiled with
        // --vae-tiling as diffusers' enable_tiling().
        auto vae = models::loadCogVideoXVae(modelFromArgs(args), {}, device);
        vae->to(device.device, device.dtype);
        if (args.flag("vae-tiling")) {
            models::CogVideoXVaeTiling tiling;
            tiling.enabled = true;
            vae->setTiling(tiling);
        }
        auto z = at::randn({batch, vae->config().latentChannels, frames, height, width}, opts);
        step = [vae, z]() mutable { return vae->decode(z); };
        for (const auto& p : vae->parameters())
            params += p.numel();
        what = std::string("CogVideoX VAE decode of ") + std::to_string(batch * frames) +
               " latent frames" + (args.flag("vae-tiling") ? ", tiled" : "");
    } else if (component == "vae-decode") {
        auto vae = models::loadAutoencoderKL(modelFromArgs(args));
        vae->to(device.device, device.dtype);
        auto z = at::randn({batch, vae->config().latentChannels, frames, height, width}, opts);
        const auto chunk = parseInteger("decode-batch", args.value("decode-batch"), 0, 4096);
        step = [vae, z, chunk]() mutable { return vae->decode(z, chunk); };
        for (const auto& p : vae->parameters())
            params += p.numel();
        what = "VAE decode of " + std::to_string(batch * frames) + " latent frames";
    } else if (component == "generate") {
        // What a user waits for: prompt → decoded video with guidance, the pipeline loaded once
        // (its load time reported apart).
        const Stopwatch loading;
        auto loaded = pipelines::loadPipeline(modelFromArgs(args), device).value();
        j["load_ms"] = loading.milliseconds();
        loaded->setCudaGraphs(!args.flag("no-cuda-graph"));
        const std::shared_ptr<const pipelines::Pipeline> pipeline = std::move(loaded);
        pipelines::GenerateRequest req;
        req.prompt = "a blue square moves up on a black background";
        req.steps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000));
        step = [pipeline, req]() { return pipelines::generate(*pipeline, req).value().video; };
        for (const auto& p : pipeline->denoiser().parameters())
            params += p.numel();
        what = "generate: " + std::to_string(pipeline->defaultFrames()) + " frames of " +
               std::to_string(pipeline->defaultHeight()) + "x" +
               std::to_string(pipeline->defaultWidth()) + ", " + std::to_string(req.steps) +
               " steps, guidance " + str::number(pipeline->defaultGuidance()) + ", decoded";
    } else {
        throw UsageError(
            "--component: expected unet, transformer, vae-decode, generate, probe, lora-train or "
            "attention, "
            "got '" +
            component + "'");
    }

    for (long long i = 0; i < warmup; ++i)
        (void)step();
    synchronize(device.device);
    resetCudaPeak(device.device);
    // Only the timed runs are traced; the trace costs time, so a traced run's figures are marked.
    std::optional<torch::autograd::profiler::RecordProfile> trace;
    if (args.has("trace"))
        trace.emplace(args.value("trace"));
    const Stopwatch watch;
    at::Tensor out;
    std::vector<double> each;  // whole jobs: each run timed, for the median
    for (long long i = 0; i < reps; ++i) {
        const Stopwatch one;
        out = step();
        if (component == "generate") {
            synchronize(device.device);
            each.push_back(one.milliseconds());
        }
    }
    synchronize(device.device);
    const double ms = watch.milliseconds() / static_cast<double>(reps);
    if (trace) {
        trace.reset();  // writes the file
        j["trace"] = args.value("trace");
    }
    if (!each.empty()) {
        j["median_ms"] = median(each);
        j["range_ms"] = {*std::min_element(each.begin(), each.end()),
                         *std::max_element(each.begin(), each.end())};
    }
    j["component"] = component;
    j["what"] = what;
    j["device"] = device.describe();
    j["params_M"] = static_cast<double>(params) / 1e6;
    j["step_ms"] = ms;
    j["reps"] = reps;
    j["cuda_graph"] = component == "unet" && !args.flag("no-cuda-graph") &&
                      device.device.is_cuda() && GraphedFunction::supported();
    if (auto m = cudaMemory(device.device))
        j["peak_GiB"] = static_cast<double>(m->peakAllocated) / (1024.0 * 1024 * 1024);
    j["output_finite"] = out.isfinite().all().item<bool>();
    // The whole process so far: loading included.
    if (const auto host = hostPeakResidentBytes())
        j["host_peak_GiB"] = static_cast<double>(*host) / (1024.0 * 1024 * 1024);
    if (verify)
        j["graph_vs_eager_max_rel"] = *verify;
    std::cout << j.dump() << "\n";
    return kExitOk;
}

}  // namespace

Command benchCommand() {
    std::vector<OptionSpec> options = {
        {"model", "DIR",
         "pipeline folder or the component's folder (unet, vae-decode); default: the embedded "
         "toy model"},
        {"component", "NAME",
         "unet, transformer (Latte's), vae-decode, generate (a whole clip), probe (the whole probe "
         "on random latents), lora-train (a customization training step) or attention",
         false, "unet"},
        {"steps", "N", "generate, probe: sampling steps", false, "25"},
        {"interval", "I", "probe: grid interval", false, "100"},
        {"max-batch", "N", "probe: runs through the model at once (auto: 4 on the CPU, 16 on CUDA)",
         false, "auto"},
        {"naive", "", "probe: also time the naive loop (one resampling per pair), alternating"},
        {"preset", "NAME", "lora-train: the adapted layers", false, "temporal-vo"},
        {"rank", "R", "lora-train: LoRA rank", false, "4"},
        {"gradient-checkpointing", "", "lora-train: recompute the layers in the backward"},
        {"tokens", "L", "attention: tokens per sequence", false, "1024"},
        {"head-dim", "E", "attention: head size", false, "8"},
        {"caption-tokens", "L", "transformer: caption tokens", false, "16"},
        {"vae-tiling", "",
         "vae-decode of a CogVideoX VAE: in spatial tiles, as diffusers' enable_tiling()"},
        {"batch", "B", "batch (2 = a classifier-free guidance step)", false, "2"},
        {"frames", "F", "frames (probe: the pipeline's by default)", false, "16"},
        {"height", "h", "latent height (probe: the pipeline's by default)", false, "32"},
        {"width", "w", "latent width (probe: the pipeline's by default)", false, "32"},
        {"decode-batch", "N", "vae-decode: frames per decode batch (0: all)", false, "0"},
        {"warmup", "N", "untimed forwards first", false, "3"},
        {"reps", "N", "timed forwards", false, "10"},
        {"no-cuda-graph", "", "unet on CUDA: run eagerly instead of replaying a CUDA graph"},
        {"verify-graph", "", "unet: also compare the graph replay with an eager forward"},
        {"trace", "FILE",
         "write a Chrome trace (chrome://tracing, Perfetto) of the timed runs' operators; "
         "tracing slows them, so time without it"}};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "bench",
        "Time one component's forward on random inputs (the reference timing scripts run the "
        "same shapes; see docs/models.md). Prints one JSON line: ms per forward, peak memory. "
        "`bench probe` and `bench merge` are the dataset benchmarks (docs/benchmarks.md).",
        {},
        std::move(options),
        "Over datasets: `motionprobe-cli bench probe --dataset DIR --out RUN_DIR [--shard i/N]` "
        "and `motionprobe-cli bench merge --from RUN_DIR --from RUN_DIR … --out RUN_DIR` "
        "(each has --help)."};
    // Engine errors reach dispatch(), which prints them and exits 1.
    return {spec, run};
}

}  // namespace mp::cli
