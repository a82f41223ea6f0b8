// motionprobe-cli score: every metric that applies to one video (docs/metrics.md).
//   --scorer DIR (any number): CLIP text alignment (tgve, torchmetrics) and temporal consistency
//                              (consecutive, all-pairs); with --reference also the alignment
//                              change over the reference (the paper's CLIP score change)
//   --pickscore DIR:           PickScore; with --reference the change and the preference
//   --reference R:             Lucas–Kanade flow similarity of the video to the reference

#include "commands.h"
#include "video_args.h"

#include "core/strings.h"
#include "metrics/clip_scorer.h"
#include "metrics/clip_scores.h"
#include "runtime/device.h"
#include "session/probe_session.h"
#include "video/clip.h"
#include "video/video_io.h"
#ifdef MP_HAVE_VISION
#include "vision/flow_similarity.h"
#endif

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

namespace mp::cli {

namespace {

struct Report {
    std::vector<metrics::ScoreResult> scores;
    std::vector<std::pair<std::string, std::string>> skipped;  // metric, why
    std::vector<std::string> notes;
};

metrics::ClipScorer loadScorer(const char* option,
                               const std::string& dir,
                               const metrics::ClipScorerOptions& options,
                               const JobContext& job,
                               Report& report) {
    auto scorer = forOption(option, dir, [&] {
        auto loaded = metrics::ClipScorer::load(dir, options, job);
        if (!loaded && !loaded.cancelled())
            throw EngineError(loaded.error().code(),
                              "not a usable CLIPModel folder: " + loaded.error().message());
        return std::move(loaded).value();
    });
    for (const auto& n : scorer.notes())
        report.notes.push_back(n);
    return scorer;
}

// Text alignment (both variants) and temporal consistency with one CLIP backbone.
void clipScores(const metrics::ClipScorer& scorer,
                const std::string& prompt,
                const video::Clip& clip,
                const video::Clip* reference,
                const JobContext& job,
                Report& report) {
    const auto text = scorer.embedPrompt(prompt);
    const auto frames = scorer.embedImages(session::rgbImages(clip), job).value();
    std::optional<at::Tensor> refFrames;
    if (reference)
        refFrames = scorer.embedImages(session::rgbImages(*reference), job).value();
    auto add = [&](metrics::ScoreResult r) {
        r.backbone = scorer.backbone();
        report.scores.push_back(std::move(r));
    };
    for (auto variant :
         {metrics::AlignmentVariant::Tgve, metrics::AlignmentVariant::Torchmetrics}) {
        const auto r = metrics::textAlignment(frames, text, scorer.logitScale(), variant);
        add(r);
        if (refFrames)
            add(metrics::scoreChange(
                r, metrics::textAlignment(*refFrames, text, scorer.logitScale(), variant)));
    }
    if (clip.frameCount() < 2) {
        report.skipped.emplace_back("temporal_consistency", "the video has one frame");
        return;
    }
    for (auto variant :
         {metrics::ConsistencyVariant::Consecutive, metrics::ConsistencyVariant::AllPairs})
        add(metrics::temporalConsistency(frames, variant));
}

void pickScores(const metrics::ClipScorer& scorer,
                const std::string& prompt,
                const video::Clip& clip,
                const video::Clip* reference,
                const JobContext& job,
                Report& report) {
    const auto text = scorer.embedPrompt(prompt);
    auto r = metrics::pickScore(scorer.embedImages(session::rgbImages(clip), job).value(), text,
                                scorer.logitScale());
    r.backbone = scorer.backbone();
    report.scores.push_back(r);
    if (!reference)
        return;
    auto base = metrics::pickScore(scorer.embedImages(session::rgbImages(*reference), job).value(),
                                   text, scorer.logitScale());
    base.backbone = scorer.backbone();
    report.scores.push_back(metrics::scoreChange(r, base));
    // PickScore's own use: the probability that the video is preferred over the reference.
    metrics::ScoreResult pref;
    pref.metric = "pickscore_preference";
    pref.variant = "vs-reference";
    pref.backbone = scorer.backbone();
    pref.perItem = metrics::preferenceProbabilities({r.value, base.value});
    pref.value = pref.perItem[0];
    report.scores.push_back(pref);
}

void printText(const Report& report) {
    for (const auto& s : report.scores) {
        std::cout << s.metric << " [" << s.variant << "] " << s.backbone << ": "
                  << (s.valid ? str::fixed(s.value, 4) : std::string("undefined")) << "\n";
        if (!s.note.empty())
            std::cout << "  " << s.note << "\n";
    }
    for (const auto& [metric, why] : report.skipped)
        std::cout << metric << ": skipped (" << why << ")\n";
}

int run(const ParsedArgs& args) {
    const auto scorers = args.values("scorer");
    const bool pick = args.has("pickscore");
    const bool withReference = args.has("reference");
    if (scorers.empty() && !pick && !withReference)
        throw UsageError("nothing to score: give --scorer DIR, --pickscore DIR or --reference R");
    if (args.has("pickscore-processor") && !pick)
        throw UsageError("--pickscore-processor needs --pickscore");
    const auto prompt = args.value("prompt");
    const auto decode = decodeOptionsFrom(args);
    metrics::ClipScorerOptions options;
    options.batchSize = static_cast<int>(parseInteger("batch", args.value("batch"), 1, 4096));
    options.device = deviceFromArgs(args);

    const auto job = commandJob(args);
    Report report;
    auto clip = video::decodeVideo(args.value("video"), decode, job).value();
    std::optional<video::Clip> reference;
    if (withReference) {
        reference = video::decodeVideo(args.value("reference"), decode, job).value();
        if (reference->frameCount() != clip.frameCount())
            throw EngineError(ErrorCode::InvalidArgument,
                              "--reference has " + std::to_string(reference->frameCount()) +
                                  " frames and --video " + std::to_string(clip.frameCount()) +
                                  "; flow similarity compares them frame by frame (--frames N "
                                  "keeps the first N of both)");
        if (reference->width != clip.width || reference->height != clip.height) {
            report.notes.push_back("--video is " + std::to_string(clip.width) + "x" +
                                   std::to_string(clip.height) + ", --reference " +
                                   std::to_string(reference->width) + "x" +
                                   std::to_string(reference->height) +
                                   "; the video was resized to the reference's size (stretch, "
                                   "bicubic) for every score");
            clip =
                video::fitClip(clip, reference->width, reference->height, video::FitMode::Stretch);
        }
    }
    const video::Clip* ref = reference ? &*reference : nullptr;

    for (const auto& dir : scorers)
        clipScores(loadScorer("scorer", dir, options, job, report), prompt, clip, ref, job, report);
    if (scorers.empty())
        for (const char* metric : {"text_alignment", "temporal_consistency"})
            report.skipped.emplace_back(metric, "no --scorer folder");
    if (pick) {
        auto o = options;
        o.processorDir = args.value("pickscore-processor");
        pickScores(loadScorer("pickscore", args.value("pickscore"), o, job, report), prompt, clip,
                   ref, job, report);
    } else {
        report.skipped.emplace_back("pickscore", "no --pickscore folder");
    }
    if (ref) {
#ifdef MP_HAVE_VISION
        const auto r = vision::flowSimilarity({&ref->frames, ref->width, ref->height},
                                              {&clip.frames, clip.width, clip.height}, {}, job)
                           .value();
        report.scores.push_back(r);
#else
        report.skipped.emplace_back("flow_similarity", "this build has no OpenCV");
#endif
    } else {
        report.skipped.emplace_back("flow_similarity", "no --reference video");
    }

    if (args.flag("json")) {
        nlohmann::json j;
        j["video"] = {{"path", args.value("video")},
                      {"frames", clip.frameCount()},
                      {"width", clip.width},
                      {"height", clip.height}};
        if (ref)
            j["reference"] = {{"path", args.value("reference")},
                              {"frames", ref->frameCount()},
                              {"width", ref->width},
                              {"height", ref->height}};
        j["prompt"] = prompt;
        j["device"] = options.device.describe();
        auto scores = nlohmann::json::array();
        for (const auto& s : report.scores)
            scores.push_back(metrics::scoreToJson(s));
        j["scores"] = scores;
        auto skipped = nlohmann::json::array();
        for (const auto& [metric, why] : report.skipped)
            skipped.push_back({{"metric", metric}, {"reason", why}});
        j["skipped"] = skipped;
        j["notes"] = report.notes;
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        printText(report);
    }
    for (const auto& n : report.notes)
        std::cerr << "note: " << n << "\n";
    return kExitOk;
}

}  // namespace

Command scoreCommand() {
    std::vector<OptionSpec> options{
        {"video", "V", "the video to score (a file or a folder of frames)", true},
        {"prompt", "P", "the prompt the video should show", true},
        {"reference", "R", "the original video: flow similarity and score changes against it"},
        {"scorer", "DIR", "a CLIPModel folder (e.g. openai/clip-vit-large-patch14); repeatable",
         false, "", true},
        {"pickscore", "DIR", "a PickScore folder (yuvalkirstain/PickScore_v1)"},
        {"pickscore-processor", "DIR",
         "tokenizer and preprocessor_config.json for --pickscore when its folder lacks them "
         "(laion/CLIP-ViT-H-14-laion2B-s32B-b79K)"},
        {"batch", "N", "frames per CLIP forward", false, "16"},
        {"json", "", "print the results as JSON on stdout"},
        progressOptionSpec(),
    };
    for (auto& o : decodeOptionSpecs())
        options.push_back(std::move(o));
    // Scores are defined in fp32; bf16 moves them by up to 1e-2 (docs/metrics.md).
    for (auto& o : deviceOptionSpecs("fp32"))
        options.push_back(std::move(o));
    CommandSpec spec{
        "score",
        "Score a video: CLIP text alignment and temporal consistency (--scorer), PickScore "
        "(--pickscore), and Lucas–Kanade flow similarity to --reference. Every result names its "
        "metric, variant, backbone and parameters.",
        {},
        std::move(options),
        "Frames are scored as decoded (after --frames/--select/--size); TGVE's evaluation resizes "
        "to 480x480 first: --size 480x480 --fit stretch. Exits 2 on a wrong command line, 1 when "
        "a video or a model folder cannot be used; nothing is written."};
    return {spec, run};
}

}  // namespace mp::cli
