// motionprobe-cli train-toy: the toy world's models, trained by the engine (docs/toy-world.md).

#include "commands.h"

#include "core/strings.h"
#include "train/toy_clip.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace mp::cli {

namespace {

int run(const ParsedArgs& args) {
    const auto component = args.value("component");
    if (component != "clip")
        throw UsageError(
            "--component: expected clip (the VAE and the video model come next), "
            "got '" +
            component + "'");
    const auto device = deviceFromArgs(args);
    train::ToyClipOptions o;
    o.tokenizerDir = args.value("tokenizer");
    o.width = parseInteger("width", args.value("width"), 8, 4096);
    o.layers = parseInteger("layers", args.value("layers"), 1, 64);
    o.heads = parseInteger("heads", args.value("heads"), 1, 64);
    o.projection = parseInteger("projection", args.value("projection"), 4, 4096);
    o.batch = static_cast<int>(parseInteger("batch", args.value("batch"), 2, 65536));
    o.train.totalSteps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 10000000));
    o.train.warmupSteps =
        static_cast<int>(parseInteger("warmup", args.value("warmup"), 0, o.train.totalSteps));
    o.train.adamw.lr = parseNumber("lr", args.value("lr"), 1e-7, 1);
    o.train.adamw.weightDecay = parseNumber("weight-decay", args.value("weight-decay"), 0, 1);
    o.train.minLrRatio = 0.1;
    o.train.gradClipNorm = 1.0;
    o.train.emaDecay = parseNumber("ema", args.value("ema"), 0, 0.99999);
    o.train.bf16Autocast = device.device.is_cuda();
    o.train.seed =
        static_cast<std::uint64_t>(parseInteger("seed", args.value("seed"), 0, 1LL << 62));
    if (args.has("checkpoints")) {
        o.train.checkpointDir = args.value("checkpoints");
        o.train.checkpointEvery = static_cast<int>(
            parseInteger("checkpoint-every", args.value("checkpoint-every"), 1, 10000000));
    }
    const auto out = args.value("out");
    const auto job = commandJob(args);
    const auto report =
        forOption("out", out, [&] { return train::trainToyClip(o, device, out, job); }).value();
    nlohmann::json j;
    j["component"] = component;
    j["folder"] = out;
    j["device"] = device.describe();
    j["steps"] = report.training.steps;
    j["resumed_at"] = report.training.firstStep;
    j["seconds"] = report.training.seconds;
    const auto& l = report.training.losses;
    if (!l.empty()) {
        j["first_loss"] = l.front();
        j["last_loss"] = l.back();
    }
    const auto evalClips = parseInteger("eval", args.value("eval"), 0, 100000);
    if (evalClips > 0)
        j["retrieval_top1"] =
            train::toyClipRetrieval(out, static_cast<int>(evalClips), 1'000'000'007ull, device)
                .value();
    std::cout << j.dump() << "\n";
    return kExitOk;
}

}  // namespace

Command trainToyCommand() {
    std::vector<OptionSpec> options = {
        {"component", "NAME", "clip", true},
        {"out", "DIR", "the model folder to write", true},
        {"tokenizer", "DIR", "the toy tokenizer", false, "resources/models/toy/tokenizer"},
        {"steps", "N", "training steps", false, "3000"},
        {"batch", "B", "pairs per step", false, "256"},
        {"lr", "LR", "peak learning rate", false, "0.001"},
        {"warmup", "N", "warm-up steps", false, "200"},
        {"weight-decay", "W", "AdamW weight decay", false, "0.01"},
        {"ema", "D", "EMA decay of the shipped weights (0: none)", false, "0"},
        {"width", "D", "hidden size of each tower", false, "128"},
        {"layers", "N", "layers per tower", false, "4"},
        {"heads", "N", "attention heads", false, "4"},
        {"projection", "D", "shared embedding size", false, "128"},
        {"seed", "S", "seeds the batches", false, "0"},
        {"checkpoints", "DIR", "checkpoint folder; a run resumes from its newest"},
        {"checkpoint-every", "N", "steps between checkpoints", false, "500"},
        {"eval", "N", "held-out clips for the caption-retrieval check after training", false,
         "200"},
        progressOptionSpec()};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{"train-toy",
                     "Train a toy-world model with the engine's trainer and write it as a "
                     "transformers/diffusers folder: the toy CLIP (scorer and text encoder).",
                     {},
                     std::move(options),
                     "Every setting goes into the weights file's metadata. On CUDA the loss runs "
                     "under bf16 autocast."};
    return {spec, run};
}

}  // namespace mp::cli
