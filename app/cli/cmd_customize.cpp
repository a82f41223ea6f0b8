// motionprobe-cli customize: one-shot motion customization (docs/customization.md). Trains a LoRA
// on one reference video with training timesteps from [τ, 1000) (and, for comparison, one without
// the constraint), then generates the prompts three ways — the base model, the τ-LoRA active
// while t ≥ τ, the unconstrained LoRA throughout — and writes the LoRA files, the samples, a
// side-by-side video and report.json.

#include "commands.h"
#include "toy_examples.h"
#include "video_args.h"

#include "adapters/lora.h"
#include "core/stopwatch.h"
#include "io/file_util.h"
#include "io/fingerprint.h"
#include "io/json_util.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "metrics/clip_scorer.h"
#include "pipelines/pipeline.h"
#include "runtime/device.h"
#include "session/probe_session.h"
#include "toy/world.h"
#include "train/customize.h"
#include "video/compose.h"
#include "video/video_tensor.h"

#include <ATen/ATen.h>

#include <cstdio>

namespace mp::cli {

namespace {

namespace fs = std::filesystem;

struct Variant {
    std::string name, label;
    fs::path lora;  // empty: the base model
    sampling::AdapterSchedule schedule;
};

int run(const ParsedArgs& args) {
    const fs::path finalOut = args.value("out");
    fs::path videoPath;
    std::string caption = args.value("caption");
    auto prompts = args.values("prompt");
    if (args.flag("demo")) {
        const auto ex =
            demoExample(static_cast<int>(parseInteger("example", args.value("example"), 0, 1000)));
        videoPath = ex.frames;
        if (caption.empty())
            caption = ex.caption;
        if (prompts.empty())
            prompts = {ex.edit};
    } else {
        if (!args.has("video"))
            throw UsageError("--video is needed (or --demo for a shipped example)");
        videoPath = args.value("video");
    }
    if (caption.empty())
        throw UsageError("--caption: the reference video's caption is needed");
    if (prompts.empty())
        throw UsageError("--prompt: at least one prompt to generate with the learnt motion");
    train::CustomizeOptions o;
    o.caption = caption;
    o.tau = static_cast<int>(parseInteger("tau", args.value("tau"), 0, 999));
    try {
        o.preset = adapters::parsePreset(args.value("preset"));
    } catch (const EngineError& e) {
        throw UsageError("--preset: " + e.message());
    }
    // "full": direct tuning, a full-rank ΔW per layer (the paper's upper bound).
    o.rank = args.value("rank") == "full" ? 0 : parseInteger("rank", args.value("rank"), 1, 1024);
    o.dropout = parseNumber("dropout", args.value("dropout"), 0, 0.99);
    o.gradientCheckpointing = args.flag("gradient-checkpointing");
    o.batch = static_cast<int>(parseInteger("batch", args.value("batch"), 1, 256));
    o.train.accumulate =
        static_cast<int>(parseInteger("accumulate", args.value("accumulate"), 1, 1024));
    o.alpha = parseNumber("alpha", args.value("alpha"), 1e-6, 1e6);
    o.train.totalSteps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000000));
    o.train.adamw.lr = parseNumber("lr", args.value("lr"), 1e-7, 1);
    o.train.adamw.weightDecay = 0;
    o.train.gradClipNorm = 1.0;
    o.train.seed =
        static_cast<std::uint64_t>(parseInteger("seed", args.value("seed"), 0, 1LL << 62));
    const int samples = static_cast<int>(parseInteger("samples", args.value("samples"), 1, 64));
    pipelines::GenerateRequest gen;
    gen.steps = static_cast<int>(parseInteger("sample-steps", args.value("sample-steps"), 1, 1000));
    if (args.has("guidance"))
        gen.guidance = parseNumber("guidance", args.value("guidance"), 0, 100);
    // The reference and the samples at the model's own frame count, or at --frames.
    if (args.has("frames"))
        gen.frames = static_cast<int>(parseInteger("frames", args.value("frames"), 1, 1024));
    const auto encode = encodeOptionsFrom(args);

    StagedFolder staged(finalOut, "customize writes a new folder");
    const auto& out = staged.path();
    fs::create_directories(out / "samples");
    const auto device = deviceFromArgs(args);
    const auto job = commandJob(args);
    const Stopwatch total;
    o.train.bf16Autocast = device.device.is_cuda();
    const std::string modelDir = modelFromArgs(args);
    const auto loaded = forOption("model", modelDir, [&] {
                            return pipelines::loadPipeline(modelDir, device, "", job);
                        }).value();
    auto& pipeline = *loaded;
    const bool toyWorld = isToyWorldModel(modelDir);
    // The paper's metrics beside the oracle: CLIP text alignment with the prompt (TGVE variant)
    // and flow similarity to the reference.
    std::string scorerDir = args.value("scorer");
    if (scorerDir.empty() && toyWorld)
        scorerDir = findResource(kToyClipResource).string();
    std::optional<metrics::ClipScorer> scorer;
    if (!scorerDir.empty()) {
        metrics::ClipScorerOptions so;
        so.device = device;
        scorer = forOption("scorer", scorerDir, [&] {
                     return metrics::ClipScorer::load(scorerDir, so, job);
                 }).value();
    }

    const auto decode = session::referenceDecodeOptions(pipeline, gen.frames, videoPath, job);
    const auto reference = forOption("video", videoPath.string(), [&] {
                               return video::decodeVideo(videoPath, decode, job);
                           }).value();
    gen.frames = static_cast<int>(reference.frames.size());  // the samples match the reference
    o.latents = pipeline.encodeVideo(video::clipToTensor(reference, video::TensorLayout::BCFHW,
                                                         video::ValueRange::MinusOneToOne));
    const auto videoFingerprint = session::clipFingerprint(reference);
    o.fileMetadata = {{"motionprobe.video", videoPath.string()},
                      {"motionprobe.video_fingerprint", videoFingerprint}};

    nlohmann::ordered_json report;
    report["model"] = modelDir;
    report["video"] = videoPath.string();
    report["frames"] = static_cast<int>(reference.frames.size());
    report["caption"] = caption;
    report["device"] = device.describe();
    report["family"] = familyName(pipeline.family());
    report["training"] = {
        {"preset", adapters::presetName(o.preset)},
        {"rank", o.rank == 0 ? nlohmann::ordered_json("full") : nlohmann::ordered_json(o.rank)},
        {"alpha", o.alpha},
        {"dropout", o.dropout},
        {"batch", o.batch},
        {"accumulate", o.train.accumulate},
        {"steps", o.train.totalSteps},
        {"lr", o.train.adamw.lr},
        {"seed", o.train.seed}};
    std::vector<Variant> variants{{"base", "base", {}, sampling::AdapterSchedule::none()}};
    // The τ-LoRA, and for comparison the unconstrained one (τ = 0), each in its own file.
    std::vector<std::pair<int, std::string>> trainings{{o.tau, "tau" + std::to_string(o.tau)}};
    if (o.tau > 0 && !args.flag("no-unconstrained"))
        trainings.emplace_back(0, "unconstrained");
    // Training checkpoints live beside the output, outside the staged folder, so that an
    // interrupted or killed run, started again with the same settings, resumes; they go once
    // the output is complete.
    const auto checkpoints =
        finalOut.parent_path() / ("." + finalOut.filename().string() + ".checkpoints");
    nlohmann::ordered_json settings = report;
    settings.erase("device");
    // The same paths with other contents must not resume: the model's weights and the frames.
    settings["model_fingerprint"] = modelFingerprint(modelDir);
    settings["video_fingerprint"] = videoFingerprint;
    settings["tau"] = o.tau;
    settings["trainings"] = nlohmann::ordered_json::array();
    for (const auto& t : trainings)
        settings["trainings"].push_back(t.second);
    const auto settingsFile = checkpoints / "settings.json";
    if (fs::exists(settingsFile) && readTextFile(settingsFile) != settings.dump(2) + "\n") {
        std::fprintf(stderr, "%s holds checkpoints of other settings; starting afresh\n",
                     checkpoints.string().c_str());
        removeTree(checkpoints);
    }
    fs::create_directories(checkpoints);
    writeJsonAtomically(settingsFile, settings);
    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    for (const auto& [tau, name] : trainings) {
        auto opts = o;
        opts.tau = tau;
        opts.train.checkpointDir = checkpoints / name;
        opts.train.checkpointEvery = 25;
        const auto file = out / ("lora-" + name + ".safetensors");
        const auto r = train::trainCustomization(pipeline, opts, file, job).value();
        const auto& losses = r.training.losses;
        runs.push_back(
            nlohmann::ordered_json{{"name", name},
                                   {"tau", tau},
                                   {"file", file.filename().string()},
                                   {"seconds", r.training.seconds},
                                   {"resumed_from_step", r.training.firstStep},
                                   {"first_loss", losses.empty() ? 0.0 : losses.front()},
                                   {"last_loss", losses.empty() ? 0.0 : losses.back()},
                                   {"timesteps", {r.smallestTimestep, r.largestTimestep}},
                                   {"modules", r.modules.size()}});
        variants.push_back({name, tau > 0 ? "LoRA t>=" + std::to_string(tau) : "LoRA always", file,
                            tau > 0 ? sampling::AdapterSchedule::from(tau)
                                    : sampling::AdapterSchedule::constant(1.0)});
    }
    report["trainings"] = runs;

    std::optional<toy::ClipEstimate> referenceEstimate;
    const auto referenceCaption = toy::parseCaption(caption);
    if (toyWorld)
        referenceEstimate = toy::analyse(session::toyFrames(reference));
    if (scorer)
        report["scorer"] = {{"folder", scorerDir}, {"backbone", scorer->backbone()}};
    SampleScoring scoring;
    scoring.scorer = scorer ? &*scorer : nullptr;
    scoring.referenceEstimate = referenceEstimate ? &*referenceEstimate : nullptr;
    scoring.referenceCaption = &referenceCaption;
    nlohmann::ordered_json sampled = nlohmann::ordered_json::array();
    std::vector<video::Clip> sideBySide{reference};
    std::vector<std::string> labels{"reference"};
    for (const auto& v : variants) {
        if (!v.lora.empty())  // the base runs first, before any LoRA is attached
            pipeline.attachLora(v.lora);
        for (std::size_t p = 0; p < prompts.size(); ++p) {
            for (int s = 0; s < samples; ++s) {
                auto req = gen;
                req.prompt = prompts[p];
                req.seed = o.train.seed + static_cast<std::uint64_t>(s);
                req.adapterSchedule = v.schedule;
                const auto result = pipelines::generate(pipeline, req, job).value();
                auto clip = video::tensorToClip(result.video, video::TensorLayout::BCFHW,
                                                video::ValueRange::ZeroToOne,
                                                reference.fps > 0 ? reference.fps : 8);
                const auto file = "samples/p" + std::to_string(p) + "-s" + std::to_string(s) + "-" +
                                  v.name + ".mp4";
                (void)video::encodeVideo(clip, out / file, encode, job).value();
                nlohmann::ordered_json j{{"variant", v.name},
                                         {"prompt", prompts[p]},
                                         {"seed", req.seed},
                                         {"video", file}};
                j.update(scoreSample(clip, reference, prompts[p], scoring, job));
                sampled.push_back(j);
                if (p == 0 && s == 0) {
                    sideBySide.push_back(std::move(clip));
                    labels.push_back(v.label);
                }
            }
        }
    }
    report["samples"] = sampled;

    std::vector<video::LabeledClip> cells;
    for (std::size_t i = 0; i < sideBySide.size(); ++i)
        cells.push_back({&sideBySide[i], labels[i]});
    video::ComposeOptions compose;
    compose.cellWidth = compose.cellHeight = std::max(128, reference.width);
    const auto composed = video::composeClips(cells, compose).value();
    (void)video::encodeVideo(composed, out / "side-by-side.mp4", encode, job).value();
    report["side_by_side"] = {{"video", "side-by-side.mp4"}, {"cells", labels}};
    report["seconds"] = total.milliseconds() / 1000;
    writeJsonAtomically(out / "report.json", report);
    staged.commit();
    removeTree(checkpoints);
    std::printf("wrote %s: %zu LoRA file%s, %zu samples, side-by-side.mp4, report.json; %.1f s\n",
                finalOut.string().c_str(), trainings.size(), trainings.size() == 1 ? "" : "s",
                sampled.size(), total.milliseconds() / 1000);
    return kExitOk;
}

}  // namespace

Command customizeCommand() {
    std::vector<OptionSpec> options = {
        {"model", "DIR",
         "a ModelScope (TextToVideoSDPipeline), Latte (LattePipeline) or CogVideoX "
         "(CogVideoXPipeline) folder; default: the "
         "embedded toy world's model"},
        {"video", "V", "the reference video (file or frame folder)"},
        {"caption", "TEXT", "the reference video's caption"},
        {"prompt", "TEXT", "a prompt to generate with the learnt motion (repeatable)", false, "",
         true},
        {"demo", "", "a shipped toy example (its caption, and its object edit as the prompt)"},
        {"example", "N", "--demo: which example", false, "0"},
        {"out", "DIR", "a new folder for the LoRA files, samples, side-by-side video and report",
         true},
        {"tau", "T", "training timesteps from [T, 1000); the LoRA acts while t >= T", false, "700"},
        {"preset", "NAME", "temporal-vo, temporal-qkvo or all-attention", false, "temporal-vo"},
        {"rank", "R", "LoRA rank, or 'full' for direct tuning (a full-rank update of the layers)",
         false, "4"},
        {"alpha", "A", "LoRA alpha (scale alpha/rank)", false, "4"},
        {"dropout", "P", "LoRA dropout on the adapter's input (applies it unmerged)", false, "0"},
        {"gradient-checkpointing", "",
         "recompute the denoiser's layers in the backward instead of keeping their activations "
         "(less memory, about one more forward per step; not with --dropout)"},
        {"batch", "N", "noise draws of the video per micro-batch", false, "1"},
        {"accumulate", "N", "micro-batches per training step (gradient accumulation)", false, "1"},
        {"steps", "N", "training steps", false, "200"},
        {"lr", "LR", "learning rate (AdamW, no weight decay)", false, "1e-3"},
        {"seed", "N", "seeds the LoRA, the training draws and the samples", false, "0"},
        {"samples", "N", "samples per prompt and variant (seeds seed, seed+1, ...)", false, "1"},
        {"sample-steps", "K", "DDIM steps of each sample", false, "50"},
        {"frames", "F",
         "frames the model trains and samples at, chosen evenly from the video (default: the "
         "model's own, or for a shorter video the most up to its length that the model takes)"},
        {"guidance", "G",
         "guidance of each sample (default: the family's, ModelScope 9, Latte 7.5)"},
        {"no-unconstrained", "", "skip the comparison LoRA trained without the constraint"},
        {"scorer", "DIR",
         "a CLIP folder for the samples' text alignment (default on the toy world: its CLIP)"},
        progressOptionSpec(),
    };
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    for (auto& o : encodeOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "customize",
        "One-shot motion customization: a LoRA trained on one video at t >= tau, then the "
        "prompts generated with it (docs/customization.md).",
        {},
        std::move(options),
        "Writes DIR/lora-tauT.safetensors (and lora-unconstrained.safetensors), "
        "samples/pI-sS-{base,tauT,unconstrained}.mp4, side-by-side.mp4 (reference | base | "
        "LoRA t>=T | LoRA always, first prompt and seed) and report.json (settings, losses, "
        "and on the toy world the oracle's verdicts per sample)."};
    return {std::move(spec), run};
}

}  // namespace mp::cli
