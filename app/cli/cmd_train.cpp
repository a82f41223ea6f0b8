// motionprobe-cli train-toy: the toy world's models, trained by the engine (docs/toy-world.md).

#include "commands.h"

#include "core/strings.h"
#include "train/toy_clip.h"
#include "train/toy_cogvideox.h"
#include "train/toy_data.h"
#include "train/toy_latte.h"
#include "train/toy_t2v.h"
#include "train/toy_t5.h"
#include "train/toy_vae.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <numeric>
#include <sstream>

namespace mp::cli {

namespace {

// The settings a component trains with unless told otherwise: the shipped models' recipes
// (docs/toy-world.md; each model's settings are in its weights' metadata). The shipped t2v ran
// 2,800 of these 6,000 steps in one go and was resumed to 5,000 within one session's GPU time.
struct Defaults {
    int steps, batch, warmup;
    double lr;
    double ema = 0;  // decay of the weights' moving average that ships (0: the last weights)
};
constexpr Defaults kClipDefaults{6000, 256, 300, 1e-3};
constexpr Defaults kVaeDefaults{8000, 64, 300, 1e-3};
// Samples are judged at generate's defaults.
constexpr int kEvalSteps = 50;
constexpr const char* kComponents = "clip, vae, t2v, t5, latte, cogvideox-vae or cogvideox";
constexpr double kEvalGuidance = 9.0;
constexpr Defaults kT2vDefaults{6000, 64, 300, 8e-4, 0.999};
constexpr Defaults kT5Defaults{1500, 256, 200, 1e-3};
constexpr Defaults kLatteDefaults{6000, 64, 300, 5e-4, 0.999};
constexpr Defaults kCogVideoXVaeDefaults{6000, 16, 300, 1e-3};
constexpr Defaults kCogVideoXDefaults{6000, 64, 300, 5e-4, 0.999};

std::vector<std::int64_t> parseChannels(const std::string& text) {
    std::vector<std::int64_t> out;
    std::stringstream s(text);
    for (std::string part; std::getline(s, part, ',');)
        out.push_back(parseInteger("channels", part, 4, 4096));
    if (out.empty())
        throw UsageError("--channels: expected a comma-separated list such as 32,64");
    return out;
}

train::TrainConfig trainConfigFrom(const ParsedArgs& args,
                                   const Defaults& d,
                                   const DeviceChoice& device) {
    train::TrainConfig t;
    const auto integer = [&](const char* name, int fallback, long long lo, long long hi) {
        return args.has(name) ? static_cast<int>(parseInteger(name, args.value(name), lo, hi))
                              : fallback;
    };
    t.totalSteps = integer("steps", d.steps, 1, 100000000);
    t.warmupSteps = integer("warmup", std::min(d.warmup, t.totalSteps), 0, t.totalSteps);
    t.adamw.lr = args.has("lr") ? parseNumber("lr", args.value("lr"), 1e-7, 1) : d.lr;
    t.adamw.weightDecay = parseNumber("weight-decay", args.value("weight-decay"), 0, 1);
    t.minLrRatio = 0.1;
    t.gradClipNorm = 1.0;
    t.emaDecay = args.has("ema") ? parseNumber("ema", args.value("ema"), 0, 0.99999) : d.ema;
    t.bf16Autocast = device.device.is_cuda();
    t.seed = static_cast<std::uint64_t>(parseInteger("seed", args.value("seed"), 0, 1LL << 62));
    if (args.has("checkpoints")) {
        t.checkpointDir = args.value("checkpoints");
        t.checkpointEvery = static_cast<int>(
            parseInteger("checkpoint-every", args.value("checkpoint-every"), 1, 100000000));
    }
    return t;
}

int batchFrom(const ParsedArgs& args, const Defaults& d) {
    return args.has("batch")
               ? static_cast<int>(parseInteger("batch", args.value("batch"), 2, 65536))
               : d.batch;
}

// The options the toy transformer pipelines (Latte, CogVideoX) share: their T5 and VAE
// folders, size, pool reuse, subject weight, text-encoder training, start and the trainer's.
template <class Options>
void transformerOptionsFrom(const ParsedArgs& args,
                            const std::string& component,
                            const std::string& vaeName,
                            const Defaults& d,
                            const DeviceChoice& device,
                            Options& o) {
    o.t5Folder = args.value("t5");
    o.vaeFolder = args.value("vae");
    if (o.t5Folder.empty() || o.vaeFolder.empty())
        throw UsageError("--component " + component +
                         " needs --t5 DIR and --vae DIR (the trained toy T5 and " + vaeName + ")");
    if (args.has("heads"))
        o.heads = parseInteger("heads", args.value("heads"), 1, 64);
    if (args.has("head-dim"))
        o.headDim = parseInteger("head-dim", args.value("head-dim"), 1, 512);
    if (args.has("layers"))
        o.layers = parseInteger("layers", args.value("layers"), 1, 64);
    if (args.has("reuse"))
        o.reuse = static_cast<int>(parseInteger("reuse", args.value("reuse"), 1, 1024));
    if (args.has("subject-weight"))
        o.subjectWeight = parseNumber("subject-weight", args.value("subject-weight"), 0, 1000);
    o.trainTextEncoder = args.flag("train-text-encoder");
    o.initFrom = args.value("init");
    o.batch = batchFrom(args, d);
    o.train = trainConfigFrom(args, d, device);
}

nlohmann::json trainingJson(const train::TrainReport& r) {
    nlohmann::json j;
    j["steps"] = r.steps;
    j["resumed_at"] = r.firstStep;
    j["seconds"] = r.seconds;
    if (!r.losses.empty()) {
        j["first_loss"] = r.losses.front();
        j["last_loss"] = r.losses.back();
    }
    return j;
}

// The quality measures of docs/toy-world.md on held-out items.
nlohmann::json evaluate(const std::string& component,
                        const std::filesystem::path& folder,
                        int count,
                        const DeviceChoice& device,
                        const JobContext& job,
                        int steps,
                        double guidance) {
    if (component == "clip") {
        const auto r =
            train::toyClipRetrieval(folder, count, train::kToyHeldOutSeed, device).value();
        return {{"clips", r.clips},
                {"top1", r.top1},
                {"colour", r.colour},
                {"shape", r.shape},
                {"background", r.background}};
    }
    if (component == "vae" || component == "cogvideox-vae")
        return {
            {"clips", count},
            {"psnr_db", train::toyVaePsnr(folder, count, train::kToyHeldOutSeed, device).value()}};
    if (component == "t5")
        return {
            {"pairs", count},
            {"direction_separation", train::toyDirectionSeparation(folder, count, device).value()}};
    const auto q =
        train::toyT2vQuality(folder, count, steps, guidance, train::kToyHeldOutSeed, device, job)
            .value();
    return {{"samples", q.samples}, {"steps", steps},   {"guidance", guidance},
            {"colour", q.colour},   {"shape", q.shape}, {"background", q.background},
            {"path", q.path}};
}

int run(const ParsedArgs& args) {
    const auto component = args.value("component");
    const auto device = deviceFromArgs(args);
    const auto out = args.value("out");
    const auto job = commandJob(args);
    const auto evalCount = static_cast<int>(parseInteger("eval", args.value("eval"), 0, 100000));
    nlohmann::json j;
    j["component"] = component;
    j["folder"] = out;
    j["device"] = device.describe();
    if (component == "clip") {
        train::ToyClipOptions o;
        o.tokenizerDir = args.value("tokenizer");
        o.width = parseInteger("width", args.value("width"), 8, 4096);
        o.layers = parseInteger("layers", args.value("layers"), 1, 64);
        o.heads = parseInteger("heads", args.value("heads"), 1, 64);
        o.projection = parseInteger("projection", args.value("projection"), 4, 4096);
        o.batch = batchFrom(args, kClipDefaults);
        o.train = trainConfigFrom(args, kClipDefaults, device);
        const auto report =
            forOption("out", out, [&] { return train::trainToyClip(o, device, out, job); }).value();
        j["training"] = trainingJson(report.training);
    } else if (component == "vae") {
        train::ToyVaeOptions o;
        if (args.has("channels"))
            o.channels = parseChannels(args.value("channels"));
        o.batch = batchFrom(args, kVaeDefaults);
        o.train = trainConfigFrom(args, kVaeDefaults, device);
        const auto report =
            forOption("out", out, [&] { return train::trainToyVae(o, device, out, job); }).value();
        j["training"] = trainingJson(report.training);
        j["scaling_factor"] = report.scalingFactor;
    } else if (component == "t2v") {
        train::ToyT2vOptions o;
        o.clipFolder = args.value("clip");
        o.vaeFolder = args.value("vae");
        if (o.clipFolder.empty() || o.vaeFolder.empty())
            throw UsageError(
                "--component t2v needs --clip DIR and --vae DIR (the trained toy "
                "CLIP and VAE)");
        if (args.has("channels"))
            o.channels = parseChannels(args.value("channels"));
        if (args.has("head-dim"))
            o.headDim = parseInteger("head-dim", args.value("head-dim"), 1, 512);
        if (args.has("reuse"))
            o.reuse = static_cast<int>(parseInteger("reuse", args.value("reuse"), 1, 1024));
        if (args.has("snr-gamma"))
            o.snrGamma = parseNumber("snr-gamma", args.value("snr-gamma"), 0, 1000);
        if (args.has("subject-weight"))
            o.subjectWeight = parseNumber("subject-weight", args.value("subject-weight"), 0, 1000);
        if (args.has("edge-frame-weight"))
            o.edgeFrameWeight =
                parseNumber("edge-frame-weight", args.value("edge-frame-weight"), 0, 1000);
        if (args.has("high-noise-weight"))
            o.highNoiseWeight =
                parseNumber("high-noise-weight", args.value("high-noise-weight"), 0, 1e6);
        o.zeroTerminalSnr = args.flag("zero-snr");
        o.reversedPairs = args.flag("reversed-pairs");
        o.reversedPairsShareNoise = !args.flag("reversed-pairs-own-noise");
        if (args.has("caption-path-weight"))
            o.captionPathWeight =
                parseNumber("caption-path-weight", args.value("caption-path-weight"), 0, 1000);
        if (args.has("frame-index-weight"))
            o.frameIndexWeight =
                parseNumber("frame-index-weight", args.value("frame-index-weight"), 0, 1000);
        if (args.has("noise-offset"))
            o.noiseOffset = parseNumber("noise-offset", args.value("noise-offset"), 0, 10);
        o.initFrom = args.value("init");
        o.trainTextEncoder = args.flag("train-text-encoder");
        o.batch = batchFrom(args, kT2vDefaults);
        o.train = trainConfigFrom(args, kT2vDefaults, device);
        const auto report =
            forOption("out", out, [&] { return train::trainToyT2v(o, device, out, job); }).value();
        j["training"] = trainingJson(report.training);
        // The auxiliary heads' figures: means over the first or last 100 steps of this run.
        const auto mean100 = [](const std::vector<double>& v, bool first) {
            const auto n = static_cast<std::ptrdiff_t>(std::min<std::size_t>(100, v.size()));
            return first ? std::accumulate(v.begin(), v.begin() + n, 0.0) / n
                         : std::accumulate(v.end() - n, v.end(), 0.0) / n;
        };
        if (const auto& e = report.frameIndexErrors; !e.empty()) {
            j["frame_index_mse_first"] = mean100(e, true);
            j["frame_index_mse_last"] = mean100(e, false);
        }
        if (const auto& e = report.captionPathLosses; !e.empty()) {
            j["caption_path_ce_first"] = mean100(e, true);
            j["caption_path_ce_last"] = mean100(e, false);
            j["caption_path_accuracy_last"] = mean100(report.captionPathAccuracies, false);
        }
    } else if (component == "cogvideox-vae") {
        train::ToyCogVideoXVaeOptions o;
        if (args.has("channels"))
            o.channels = parseChannels(args.value("channels"));
        o.batch = batchFrom(args, kCogVideoXVaeDefaults);
        o.train = trainConfigFrom(args, kCogVideoXVaeDefaults, device);
        const auto report = forOption("out", out, [&] {
                                return train::trainToyCogVideoXVae(o, device, out, job);
                            }).value();
        j["training"] = trainingJson(report.training);
        j["scaling_factor"] = report.scalingFactor;
    } else if (component == "cogvideox") {
        train::ToyCogVideoXOptions o;
        transformerOptionsFrom(args, "cogvideox", "CogVideoX VAE", kCogVideoXDefaults, device, o);
        const auto report = forOption("out", out, [&] {
                                return train::trainToyCogVideoX(o, device, out, job);
                            }).value();
        j["training"] = trainingJson(report.training);
    } else if (component == "t5") {
        train::ToyT5Options o;
        o.width = parseInteger("width", args.value("width"), 8, 4096);
        o.layers = parseInteger("layers", args.value("layers"), 1, 64);
        o.heads = parseInteger("heads", args.value("heads"), 1, 64);
        o.ff = 2 * o.width;
        o.batch = batchFrom(args, kT5Defaults);
        o.train = trainConfigFrom(args, kT5Defaults, device);
        const auto report =
            forOption("out", out, [&] { return train::trainToyT5(o, device, out, job); }).value();
        j["training"] = trainingJson(report.training);
        const char* names[] = {"colour", "shape", "size", "style", "path", "background"};
        for (int h = 0; h < train::kToyT5Attributes; ++h)
            j["held_out"][names[h]] = report.heldOut[h];
        j["held_out"]["all"] = report.heldOutAll;
        j["held_out"]["captions"] = report.heldOutCaptions;
    } else if (component == "latte") {
        train::ToyLatteOptions o;
        transformerOptionsFrom(args, "latte", "VAE", kLatteDefaults, device, o);
        o.reversedPairs = args.flag("reversed-pairs");
        o.zeroTerminalSnr = args.flag("zero-snr");
        const auto report = forOption("out", out, [&] {
                                return train::trainToyLatte(o, device, out, job);
                            }).value();
        j["training"] = trainingJson(report.training);
    } else {
        throw UsageError("--component: expected " + std::string(kComponents) + ", got '" +
                         component + "'");
    }
    if (evalCount > 0)
        j["quality"] = evaluate(component, out, evalCount, device, job, kEvalSteps, kEvalGuidance);
    std::cout << j.dump() << "\n";
    return kExitOk;
}

int runEval(const ParsedArgs& args) {
    const auto component = args.value("component");
    if (component != "clip" && component != "vae" && component != "t2v" && component != "t5" &&
        component != "latte" && component != "cogvideox-vae" && component != "cogvideox")
        throw UsageError("--component: expected " + std::string(kComponents) + ", got '" +
                         component + "'");
    const auto device = deviceFromArgs(args);
    const auto count = static_cast<int>(parseInteger("count", args.value("count"), 1, 1000000));
    const int steps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000));
    const double guidance = parseNumber("guidance", args.value("guidance"), 0, 100);
    const auto model = args.value("model");
    const auto job = commandJob(args);
    auto j = forOption("model", model, [&] {
                 return capture([&] {
                     return evaluate(component, model, count, device, job, steps, guidance);
                 });
             }).value();
    j["component"] = component;
    j["model"] = model;
    j["device"] = device.describe();
    std::cout << j.dump() << "\n";
    return kExitOk;
}

}  // namespace

Command toyEvalCommand() {
    std::vector<OptionSpec> options = {
        {"component", "NAME", "clip, vae, t2v, t5, latte, cogvideox-vae or cogvideox", true},
        {"model", "DIR", "the model folder (t2v, latte, cogvideox: the pipeline folder)", true},
        {"count", "N",
         "held-out clips (clip, vae, cogvideox-vae), samples (t2v, latte, cogvideox) or caption "
         "pairs (t5)",
         false, "200"},
        {"steps", "N", "t2v, latte, cogvideox: sampling steps", false, std::to_string(kEvalSteps)},
        {"guidance", "G", "t2v, latte, cogvideox: guidance scale", false, "9"},
        progressOptionSpec()};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{"toy-eval",
                     "Measure a toy-world model on held-out seeds, as docs/toy-world.md's quality "
                     "table: the CLIP's caption retrieval among attribute swaps, the VAE's "
                     "reconstruction PSNR, the oracle's verdicts on a video model's samples, or "
                     "how far the T5 sets captions of opposite directions apart.",
                     {},
                     std::move(options),
                     "Held-out seeds start at 1000000007; training draws seeds below 10^9."};
    return {spec, runEval};
}

Command trainToyCommand() {
    std::vector<OptionSpec> options = {
        {"component", "NAME",
         "clip, vae, t2v, t5, latte, cogvideox-vae or cogvideox (t2v needs the trained clip and "
         "vae, latte the t5 and vae, cogvideox the t5 and cogvideox-vae)",
         true},
        {"out", "DIR", "the model folder to write", true},
        {"tokenizer", "DIR", "clip: the toy tokenizer", false, "resources/models/toy/tokenizer"},
        {"clip", "DIR", "t2v: the trained toy CLIP folder (text encoder and tokenizer)"},
        {"t5", "DIR", "latte, cogvideox: the trained toy T5 folder (text encoder and tokenizer)"},
        {"vae", "DIR", "t2v, latte: the trained toy VAE folder; cogvideox: the toy CogVideoX VAE"},
        {"steps", "N",
         "training steps (clip 6000, vae 8000, t2v 6000, t5 1500, latte 6000, "
         "cogvideox-vae 6000, cogvideox 6000)"},
        {"batch", "B",
         "items per step (clip 256 pairs, vae 64 frames, t2v 64 clips, t5 256 captions, latte "
         "64 clips, cogvideox-vae 16 clips of 17 frames, cogvideox 64 clips)"},
        {"lr", "LR",
         "peak learning rate (clip 1e-3, vae 1e-3, t2v 8e-4, t5 1e-3, latte 5e-4, "
         "cogvideox-vae 1e-3, cogvideox 5e-4)"},
        {"warmup", "N",
         "warm-up steps (clip 300, vae 300, t2v 300, t5 200, latte 300, "
         "cogvideox-vae 300, cogvideox 300)"},
        {"weight-decay", "W", "AdamW weight decay", false, "0.01"},
        {"ema", "D",
         "EMA decay of the shipped weights (0: none; clip 0, vae 0, t2v 0.999, t5 0, latte "
         "0.999, cogvideox-vae 0, cogvideox 0.999)"},
        {"channels", "LIST", "vae, cogvideox-vae: channels per level (32,64,64); t2v: (32,32)"},
        {"head-dim", "E",
         "t2v: attention head size (the config's attention_head_dim; 4); latte, cogvideox: "
         "(16)"},
        {"reuse", "R",
         "t2v, latte, cogvideox: draws each encoded clip serves, from a pool of 16 batches (4; 1: "
         "a fresh batch every step)"},
        {"snr-gamma", "G", "t2v: min-SNR-γ loss weight (0: plain MSE)"},
        {"subject-weight", "W",
         "t2v, latte, cogvideox: extra loss weight of the latent cells the subjects cover (0: "
         "plain MSE)"},
        {"edge-frame-weight", "W",
         "t2v: extra loss weight of the first and last frames, where a path starts and ends (0: "
         "none)"},
        {"high-noise-weight", "C",
         "t2v: weigh each item by 1/SNR of its timestep clamped to [1, C], up to the clean-latent "
         "error at high noise where the path is decided (0: plain)"},
        {"frame-index-weight", "L",
         "t2v: weight of an auxiliary loss asking the mid block's features for each frame's "
         "position (a linear head, not shipped; 0: none)"},
        {"reversed-pairs", "",
         "t2v, latte: the second half of each batch is the first half played backwards, captioned "
         "with "
         "the reversed path"},
        {"reversed-pairs-own-noise", "",
         "t2v: with --reversed-pairs, each half draws its own noise instead of the partner's "
         "played backwards"},
        {"caption-path-weight", "L",
         "t2v: weight of an auxiliary loss asking the text encoder's pooled state for the "
         "caption's path (a linear head, not shipped; needs --train-text-encoder; 0: none)"},
        {"noise-offset", "S",
         "t2v: a per-clip, per-channel constant of this spread added to the noise (0.1)"},
        {"zero-snr", "",
         "t2v, latte: the model's betas (ModelScope's, Latte-1's) rescaled to zero terminal SNR, "
         "with v-prediction and trailing "
         "timesteps, so the first step sees no clip and the caption must choose the layout"},
        {"init", "DIR",
         "t2v, latte, cogvideox: start from this pipeline's denoiser (and text encoder) weights, "
         "or a "
         "unet or transformer folder's"},
        {"train-text-encoder", "",
         "t2v, latte, cogvideox: train the pipeline's copy of the text encoder with the "
         "denoiser"},
        {"width", "D", "clip: hidden size of each tower; t5: d_model (d_ff twice it)", false,
         "128"},
        {"layers", "N",
         "clip: layers per tower; t5, cogvideox: blocks; latte: spatial+temporal pairs (4)", false,
         "4"},
        {"heads", "N", "clip, t5, latte, cogvideox: attention heads", false, "4"},
        {"projection", "D", "clip: shared embedding size", false, "128"},
        {"seed", "S", "seeds the initial weights and the batches", false, "0"},
        {"checkpoints", "DIR", "checkpoint folder; a run resumes from its newest"},
        {"checkpoint-every", "N", "steps between checkpoints", false, "500"},
        {"eval", "N",
         "held-out items measured after training (clip: retrieval, vae and cogvideox-vae: PSNR, "
         "t2v, latte and cogvideox: oracle on samples, t5: direction separation over caption "
         "pairs)",
         false, "0"},
        progressOptionSpec()};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{"train-toy",
                     "Train a toy-world model with the engine's trainer and write it as a "
                     "transformers/diffusers folder: the toy CLIP (scorer and text encoder), the "
                     "toy VAE, the toy text-to-video pipeline, the toy T5 (with its SentencePiece "
                     "tokenizer), or the toy Latte pipeline.",
                     {},
                     std::move(options),
                     "Every setting goes into the weights file's metadata. On CUDA the loss runs "
                     "under bf16 autocast."};
    return {spec, run};
}

}  // namespace mp::cli
