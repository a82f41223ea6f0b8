// motionprobe-cli bench customize: one-shot motion customization over a TGVE-layout dataset, as
// the paper evaluates it (docs/benchmarks.md). Per video: one adapter per configuration of the
// tables (the τ sweep of Table 1, the tunable layers of Table 3, the ranks and direct tuning of
// Table 4), trained on the video with its caption; then every edit caption sampled with each
// adapter and with the base model, and every sample scored (CLIP text alignment, temporal
// consistency, PickScore, flow similarity to the reference, and on the toy world the oracle).
// Each video's results land in a work folder beside the output as soon as they are complete, so
// a rerun after a kill redoes at most the video it was on; the output folder appears only when
// every video is done.

#include "commands.h"
#include "report_util.h"
#include "toy_examples.h"
#include "video_args.h"

#include "adapters/lora.h"
#include "core/stopwatch.h"
#include "io/file_util.h"
#include "io/json_util.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "metrics/clip_scorer.h"
#include "pipelines/pipeline.h"
#include "report/customize_report.h"
#include "runtime/device.h"
#include "session/probe_session.h"
#ifdef MP_HAVE_STORE
#include "store/store.h"
#endif
#include "toy/world.h"
#include "train/customize.h"
#include "video/video_tensor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace mp::cli {

namespace {

namespace fs = std::filesystem;

const std::vector<std::pair<std::string, int>> kEditKinds{{"style", kTgveStyle},
                                                          {"object", kTgveObject},
                                                          {"background", kTgveBackground},
                                                          {"multiple", kTgveMultiple}};

// One adapter trained per video: its place in the tables is decided by the settings alone.
struct Training {
    std::string key;  // "tau700-temporal-vo-r4", "tau700-temporal-vo-direct"
    int tau = 700;
    adapters::Preset preset = adapters::Preset::TemporalVO;
    std::int64_t rank = 4;  // 0: direct tuning
};

std::string trainingKey(int tau, adapters::Preset preset, std::int64_t rank) {
    return "tau" + std::to_string(tau) + "-" + adapters::presetName(preset) + "-" +
           (rank == 0 ? std::string("direct") : "r" + std::to_string(rank));
}

// A row of a table: a label and the variant it reads ("base" or a training's key).
struct TableRow {
    std::string label, variant;
};
struct BenchTable {
    std::string id, title;
    std::vector<TableRow> rows;
};

struct Plan {
    std::vector<Training> trainings;
    std::vector<BenchTable> tables;
};

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string part; std::getline(s, part, ',');)
        if (!part.empty())
            out.push_back(part);
    return out;
}

Plan planFrom(const ParsedArgs& args) {
    Plan plan;
    const int tau = static_cast<int>(parseInteger("tau", args.value("tau"), 0, 999));
    const auto preset = [&](const std::string& name, const char* option) {
        try {
            return adapters::parsePreset(name);
        } catch (const EngineError& e) {
            throw UsageError(std::string("--") + option + ": " + e.message());
        }
    };
    const auto defaultPreset = preset(args.value("preset"), "preset");
    const auto rankOf = [](const std::string& text) -> std::int64_t {
        return text == "full" ? 0 : parseInteger("ranks", text, 1, 1024);
    };
    const auto defaultRank = rankOf(args.value("rank"));
    const auto add = [&](int t, adapters::Preset p, std::int64_t r) {
        const auto key = trainingKey(t, p, r);
        for (const auto& x : plan.trainings)
            if (x.key == key)
                return key;
        plan.trainings.push_back({key, t, p, r});
        return key;
    };
    const auto rankLabel = [](std::int64_t r) {
        return r == 0 ? std::string("direct (full rank)") : "r = α = " + std::to_string(r);
    };

    BenchTable taus{"tau", "Timestep range: the adapter trained at t ≥ τ (Table 1)", {}};
    std::vector<int> tauValues;
    for (const auto& t : splitList(args.value("taus")))
        tauValues.push_back(static_cast<int>(parseInteger("taus", t, 0, 1000)));
    if (tauValues.empty())
        throw UsageError("--taus: give at least one τ (1000: the base model)");
    for (const int t : tauValues) {
        if (t == 1000)
            taus.rows.push_back({"τ = 1000 (base model)", "base"});
        else
            taus.rows.push_back({t == 0 ? "τ = 0 (every timestep)" : "τ = " + std::to_string(t),
                                 add(t, defaultPreset, defaultRank)});
    }
    plan.tables.push_back(std::move(taus));

    BenchTable layers{"layers",
                      "Tunable layers at τ = " + std::to_string(tau) + ", " +
                          rankLabel(defaultRank) + " (Table 3)",
                      {}};
    for (const auto& name : splitList(args.value("presets"))) {
        const auto p = preset(name, "presets");
        layers.rows.push_back({adapters::presetName(p), add(tau, p, defaultRank)});
    }
    if (!layers.rows.empty())
        plan.tables.push_back(std::move(layers));

    BenchTable ranks{"rank",
                     "Rank and direct tuning at τ = " + std::to_string(tau) + ", " +
                         adapters::presetName(defaultPreset) + " (Table 4)",
                     {}};
    for (const auto& r : splitList(args.value("ranks"))) {
        const auto rank = rankOf(r);
        ranks.rows.push_back({rankLabel(rank), add(tau, defaultPreset, rank)});
    }
    if (!ranks.rows.empty())
        plan.tables.push_back(std::move(ranks));
    return plan;
}

struct Env {
    explicit Env(const ParsedArgs& a) : args(a), plan(planFrom(a)) {}
    const ParsedArgs& args;
    Plan plan;
    DeviceChoice device;
    JobContext job;
    std::string modelDir;
    std::unique_ptr<pipelines::Pipeline> pipeline;
    bool toyWorld = false;
    std::optional<metrics::ClipScorer> scorer, pickscore;
    train::CustomizeOptions base;  // every training's settings but τ, preset and rank
    pipelines::GenerateRequest gen;
    int samples = 4;
    std::vector<std::string> edits;  // edit kinds, in kEditKinds' order
    bool keepVideos = false;
    video::EncodeOptions encode;
};

struct Video {
    DatasetRow row;
    std::map<std::string, std::string> edits;  // kind → caption
};

nlohmann::ordered_json readResults(const fs::path& file) {
    std::ifstream in(file);
    try {
        return nlohmann::ordered_json::parse(in);
    } catch (const std::exception& e) {
        throw EngineError(ErrorCode::Format, file.string() + ": not valid JSON (" + e.what() + ")");
    }
}

// scoreSample's values under flat keys ("clip_text", "oracle/shape"); booleans as 0/1.
nlohmann::ordered_json flatScores(Env& env,
                                  const video::Clip& clip,
                                  const video::Clip& reference,
                                  const std::string& prompt,
                                  const toy::CaptionAttributes& referenceCaption,
                                  const std::optional<toy::ClipEstimate>& referenceEstimate) {
    SampleScoring scoring;
    scoring.scorer = env.scorer ? &*env.scorer : nullptr;
    scoring.pickscore = env.pickscore ? &*env.pickscore : nullptr;
    scoring.referenceEstimate = referenceEstimate ? &*referenceEstimate : nullptr;
    scoring.referenceCaption = &referenceCaption;
    const auto scores = cli::scoreSample(clip, reference, prompt, scoring, env.job);
    nlohmann::ordered_json m;
    for (const auto& [key, value] : scores.items())
        if (value.is_number())
            m[key] = value;
    if (scores.contains("oracle")) {
        const auto& v = scores["oracle"];
        for (const char* k : {"colour", "shape", "background", "motion_similarity", "same_path"})
            if (v.contains(k) && !v[k].is_null())
                m[std::string("oracle/") + k] =
                    v[k].is_boolean() ? (v[k].get<bool>() ? 1.0 : 0.0) : v[k].get<double>();
        if (v.contains("leak"))
            for (const char* k : {"colour", "shape", "background"})
                if (!v["leak"][k].is_null())
                    m[std::string("oracle/leak_") + k] = v["leak"][k].get<bool>() ? 1.0 : 0.0;
    }
    return m;
}

// One video: its adapters trained (each resumable from its checkpoints), every edit sampled
// with each variant, every sample scored; results.json written last, so its presence means the
// video is done.
void customizeVideo(Env& env, const Video& v, const fs::path& dir) {
    auto& pipeline = *env.pipeline;
    pipeline.detachLora();  // the previous video's last adapter: training starts from the base
    const Stopwatch clock;
    const auto decode = session::referenceDecodeOptions(pipeline, env.gen.frames);
    const auto reference = forOption("dataset", v.row.frames.string(), [&] {
                               return video::decodeVideo(v.row.frames, decode, env.job);
                           }).value();
    auto options = env.base;
    options.caption = v.row.caption;
    options.latents = pipeline.encodeVideo(video::clipToTensor(
        reference, video::TensorLayout::BCFHW, video::ValueRange::MinusOneToOne));
    options.fileMetadata = {{"motionprobe.video", v.row.name},
                            {"motionprobe.video_fingerprint", session::clipFingerprint(reference)}};
    fs::create_directories(dir / "adapters");

    nlohmann::ordered_json trainings = nlohmann::ordered_json::array();
    struct Variant {
        std::string key;
        fs::path file;
        sampling::AdapterSchedule schedule;
    };
    std::vector<Variant> variants{{"base", {}, sampling::AdapterSchedule::none()}};
    for (const auto& t : env.plan.trainings) {
        auto o = options;
        o.tau = t.tau;
        o.preset = t.preset;
        o.rank = t.rank;
        if (t.rank > 0 && !env.args.has("alpha"))
            o.alpha = static_cast<double>(t.rank);  // r = α, as the paper's tables
        o.train.checkpointDir = dir / "checkpoints" / t.key;
        o.train.checkpointEvery = 25;
        const auto file = dir / "adapters" / (t.key + ".safetensors");
        // An adapter finished before a kill is kept with its record; only sampling is redone.
        const auto record = dir / "adapters" / (t.key + ".json");
        if (!fs::exists(file) || !fs::exists(record)) {
            const auto r = train::trainCustomization(pipeline, o, file, env.job).value();
            removeTree(o.train.checkpointDir);
            writeJsonAtomically(
                record,
                nlohmann::ordered_json{
                    {"variant", t.key},
                    {"tau", t.tau},
                    {"preset", adapters::presetName(t.preset)},
                    {"rank",
                     t.rank == 0 ? nlohmann::ordered_json("full") : nlohmann::ordered_json(t.rank)},
                    {"alpha", o.alpha},
                    {"seconds", r.training.seconds},
                    {"last_loss", r.training.losses.empty() ? 0.0 : r.training.losses.back()},
                    {"modules", r.modules.size()}});
        }
        trainings.push_back(readResults(record));
        variants.push_back({t.key, file,
                            t.tau > 0 ? sampling::AdapterSchedule::from(t.tau)
                                      : sampling::AdapterSchedule::constant(1.0)});
    }
    removeTree(dir / "checkpoints");

    std::optional<toy::ClipEstimate> referenceEstimate;
    const auto referenceCaption = toy::parseCaption(v.row.caption);
    if (env.toyWorld)
        referenceEstimate = toy::analyse(session::toyFrames(reference));
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (const auto& variant : variants) {
        if (variant.file.empty())
            pipeline.detachLora();
        else
            pipeline.attachLora(variant.file);
        for (const auto& kind : env.edits) {
            const auto& prompt = v.edits.at(kind);
            for (int s = 0; s < env.samples; ++s) {
                auto req = env.gen;
                req.prompt = prompt;
                req.seed = env.base.train.seed + static_cast<std::uint64_t>(s);
                req.adapterSchedule = variant.schedule;
                const auto result = pipelines::generate(pipeline, req, env.job).value();
                const auto clip = video::tensorToClip(result.video, video::TensorLayout::BCFHW,
                                                      video::ValueRange::ZeroToOne,
                                                      reference.fps > 0 ? reference.fps : 8);
                nlohmann::ordered_json j{{"variant", variant.key},
                                         {"edit", kind},
                                         {"prompt", prompt},
                                         {"seed", req.seed}};
                if (env.keepVideos) {
                    const auto file =
                        "samples/" + variant.key + "-" + kind + "-s" + std::to_string(s) + ".mp4";
                    fs::create_directories(dir / "samples");
                    (void)video::encodeVideo(clip, dir / file, env.encode, env.job).value();
                    j["video"] = file;
                }
                j["metrics"] =
                    flatScores(env, clip, reference, prompt, referenceCaption, referenceEstimate);
                samples.push_back(std::move(j));
            }
        }
    }
    nlohmann::ordered_json results{{"video", v.row.name},
                                   {"row", v.row.line},
                                   {"caption", v.row.caption},
                                   {"edits", v.edits},
                                   {"trainings", trainings},
                                   {"samples", samples},
                                   {"seconds", clock.milliseconds() / 1000}};
    writeJsonAtomically(dir / "results.json", results);
}

// The summary of every video's results (report/customize_report.h): results.json, report.md and
// report.html. `j` holds the settings and receives the rest.
void writeCustomizeSummary(const std::vector<nlohmann::ordered_json>& videos,
                           const fs::path& out,
                           nlohmann::ordered_json& j) {
    const auto r = report::customizeReport(videos, j);
    j = r.summary;
    writeJsonAtomically(out / "results.json", j);
    writeFileAtomically(out / "report.md",
                        [&](std::ostream& s) { report::writeCustomizeMarkdown(s, r); });
    writeFileAtomically(out / "report.html",
                        [&](std::ostream& s) { report::writeCustomizeHtml(s, r); });
}

int run(const ParsedArgs& args) {
    const fs::path finalOut = args.value("out");
    Env env(args);
    env.samples = static_cast<int>(parseInteger("samples", args.value("samples"), 1, 64));
    env.keepVideos = args.flag("videos");
    env.encode = encodeOptionsFrom(args);
    const auto editList = splitList(args.value("edits"));
    for (const auto& e : editList)
        if (std::none_of(kEditKinds.begin(), kEditKinds.end(),
                         [&](const auto& kind) { return kind.first == e; }))
            throw UsageError("--edits: expected style, object, background or multiple, got '" + e +
                             "'");
    for (const auto& [kind, column] : kEditKinds)  // in the dataset's column order
        if (std::find(editList.begin(), editList.end(), kind) != editList.end())
            env.edits.push_back(kind);
    if (env.edits.empty())
        throw UsageError("--edits: give at least one edit kind");
    auto& o = env.base;
    o.dropout = 0;
    o.batch = 1;
    o.train.totalSteps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000000));
    o.train.adamw.lr = parseNumber("lr", args.value("lr"), 1e-7, 1);
    o.train.adamw.weightDecay = 0;
    o.train.gradClipNorm = 1.0;
    o.train.seed =
        static_cast<std::uint64_t>(parseInteger("seed", args.value("seed"), 0, 1LL << 62));
    if (args.has("alpha"))
        o.alpha = parseNumber("alpha", args.value("alpha"), 1e-6, 1e6);
    env.gen.steps =
        static_cast<int>(parseInteger("sample-steps", args.value("sample-steps"), 1, 1000));
    if (args.has("guidance"))
        env.gen.guidance = parseNumber("guidance", args.value("guidance"), 0, 100);
    if (args.has("frames"))
        env.gen.frames = static_cast<int>(parseInteger("frames", args.value("frames"), 1, 1024));
    const int limit = static_cast<int>(parseInteger("limit", args.value("limit"), 0, 1000000));
    std::optional<std::pair<int, int>> shard;
    if (args.has("shard"))
        shard = parseShard(args.value("shard"));

    // Every edit column the run uses, read once per kind; the rows agree on their lines.
    std::vector<Video> videos;
    for (const auto& kind : env.edits) {
        int column = 0;
        for (const auto& [k, c] : kEditKinds)
            if (k == kind)
                column = c;
        const auto rows = forOption("dataset", args.value("dataset"), [&] {
            return readTgveDataset(args.value("dataset"), column, limit);
        });
        if (videos.empty())
            for (const auto& r : rows)
                videos.push_back({r, {}});
        for (std::size_t i = 0; i < rows.size() && i < videos.size(); ++i)
            videos[i].edits[kind] = rows[i].edit;
    }
    if (shard) {
        std::vector<DatasetRow> rows;
        for (const auto& v : videos)
            rows.push_back(v.row);
        const auto mine = shardRows(rows, *shard, args.value("shard"));
        std::vector<Video> kept;
        for (const auto& v : videos)
            for (const auto& r : mine)
                if (r.line == v.row.line)
                    kept.push_back(v);
        videos = std::move(kept);
    }

    // Checked before the long part: the output must be new.
    if (fs::exists(finalOut) && !(fs::is_directory(finalOut) && fs::is_empty(finalOut)))
        throw UsageError("--out: " + finalOut.string() +
                         " exists and is not empty; the benchmark writes a new run folder");
    env.device = deviceFromArgs(args);
    env.job = commandJob(args);
    o.train.bf16Autocast = env.device.device.is_cuda();
    const Stopwatch total;
    env.modelDir = modelFromArgs(args);
    env.pipeline = forOption("model", env.modelDir, [&] {
                       return pipelines::loadPipeline(env.modelDir, env.device, "", env.job);
                   }).value();
    env.toyWorld = isToyWorldModel(env.modelDir);
    // The frames every video is read at, checked before the work folder exists: a count the
    // model cannot run, or a video too short for it, is refused (naming the row).
    video::DecodeOptions decode;
    try {
        decode = session::referenceDecodeOptions(*env.pipeline, env.gen.frames);
    } catch (const EngineError& e) {
        throw UsageError(std::string("--frames: ") + e.what());
    }
    std::vector<DatasetRow> rows;
    for (const auto& v : videos)
        rows.push_back(v.row);
    requireDatasetFrames(rows, decode.select.count, env.job);
    std::string scorerDir = args.value("scorer");
    if (scorerDir.empty() && env.toyWorld)
        scorerDir = findResource(kToyClipResource).string();
    metrics::ClipScorerOptions so;
    so.device = env.device;
    if (!scorerDir.empty())
        env.scorer = forOption("scorer", scorerDir, [&] {
                         return metrics::ClipScorer::load(scorerDir, so, env.job);
                     }).value();
    if (args.has("pickscore"))
        env.pickscore = forOption("pickscore", args.value("pickscore"), [&] {
                            return metrics::ClipScorer::load(args.value("pickscore"), so, env.job);
                        }).value();

    // The settings the numbers depend on: a work folder of other settings is started afresh.
    nlohmann::ordered_json settings;
    settings["benchmark"] = "customize";
    settings["dataset"] = args.value("dataset");
    settings["model"] = env.modelDir;
    settings["edits"] = env.edits;
    settings["samples"] = env.samples;
    settings["steps"] = o.train.totalSteps;
    settings["lr"] = o.train.adamw.lr;
    settings["alpha"] =
        args.has("alpha") ? nlohmann::ordered_json(o.alpha) : nlohmann::ordered_json("rank");
    settings["seed"] = o.train.seed;
    settings["sample_steps"] = env.gen.steps;
    if (env.gen.frames > 0)
        settings["frames"] = env.gen.frames;
    settings["guidance"] = env.gen.guidance.value_or(env.pipeline->defaultGuidance());
    settings["scorer"] = env.scorer ? nlohmann::ordered_json(env.scorer->backbone()) : nullptr;
    settings["pickscore"] =
        env.pickscore ? nlohmann::ordered_json(env.pickscore->backbone()) : nullptr;
    nlohmann::ordered_json tables = nlohmann::ordered_json::array();
    for (const auto& t : env.plan.tables) {
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        for (const auto& r : t.rows)
            rows.push_back({{"label", r.label}, {"variant", r.variant}});
        tables.push_back({{"id", t.id}, {"title", t.title}, {"rows", rows}});
    }
    settings["tables"] = tables;
    const auto work = finalOut.parent_path() / ("." + finalOut.filename().string() + ".work");
    const auto settingsFile = work / "settings.json";
    if (fs::exists(settingsFile) && readTextFile(settingsFile) != settings.dump(2) + "\n") {
        std::fprintf(stderr, "%s holds results of other settings; starting afresh\n",
                     work.string().c_str());
        removeTree(work);
    }
    fs::create_directories(work / "videos");
    writeJsonAtomically(settingsFile, settings);
#ifdef MP_HAVE_STORE
    // Each finished video's results go into the experiment store too, under the settings, where
    // `bench report` and the other shards' merges find them.
    const fs::path storePath =
        args.has("store") ? fs::path(args.value("store")) : store::ExperimentStore::defaultPath();
    auto experiments = forOption("store", storePath.string(),
                                 [&] { return store::ExperimentStore::open(storePath); });
    const auto benchmark = experiments.benchmark(store::BenchmarkKind::Customize, settings.dump());
#endif

    int resumed = 0;
    std::vector<nlohmann::ordered_json> results;
    for (std::size_t i = 0; i < videos.size(); ++i) {
        env.job.report("videos", static_cast<int>(i), static_cast<int>(videos.size()));
        const auto dir = work / "videos" / videos[i].row.name;
        if (fs::exists(dir / "results.json")) {
            ++resumed;
        } else {
            customizeVideo(env, videos[i], dir);
            // A shared log of per-video times for whoever watches a long run.
            std::fprintf(stderr, "%s: done\n", videos[i].row.name.c_str());
        }
        results.push_back(readResults(dir / "results.json"));
#ifdef MP_HAVE_STORE
        experiments.putBenchmarkVideo(store::BenchmarkKind::Customize, benchmark.id,
                                      videos[i].row.name, results.back().dump());
#endif
    }
    env.job.report("videos", static_cast<int>(videos.size()), static_cast<int>(videos.size()));

    StagedFolder staged(finalOut, "the benchmark writes a new run folder");
    const auto& out = staged.path();
    fs::create_directories(out);
    fs::rename(work / "videos", out / "videos");
    auto j = settings;
    if (shard)
        j["shard"] = args.value("shard");
#ifdef MP_HAVE_STORE
    j["store"] = {{"file", storePath.string()}, {"benchmark", benchmark.id}};
#endif
    writeCustomizeSummary(results, out, j);
    staged.commit();
    removeTree(work);
    if (resumed > 0)
        std::printf("resumed %d videos from %s\n", resumed, work.string().c_str());
    std::printf("wrote %s: %zu videos, %zu adapters each, %zu samples per video; total %.1f s\n",
                finalOut.string().c_str(), videos.size(), env.plan.trainings.size(),
                results.empty() ? std::size_t(0) : results.front()["samples"].size(),
                total.milliseconds() / 1000);
    return kExitOk;
}

}  // namespace

bool isCustomizeBenchmark(const nlohmann::ordered_json& summary) {
    return summary.value("benchmark", std::string()) == "customize";
}

int mergeCustomizeShards(const std::vector<std::string>& shards,
                         const std::vector<nlohmann::ordered_json>& summaries,
                         const fs::path& finalOut,
                         const std::string& storeFile) {
    // Numbers from different settings do not average: every setting but the shard must agree.
    const auto settingsOf = [](nlohmann::ordered_json j) {
        for (const char* k :
             {"shard", "videos", "variants", "interval_rule", "merged_from", "store"})
            j.erase(k);
        return j;
    };
    for (std::size_t i = 1; i < summaries.size(); ++i) {
        if (!isCustomizeBenchmark(summaries[i]))
            throw UsageError("--from " + shards[i] + ": not a `bench customize` run, unlike " +
                             shards[0]);
        if (settingsOf(summaries[i]) != settingsOf(summaries[0]))
            throw UsageError("--from " + shards[i] + ": its settings differ from " + shards[0] +
                             "'s (" + settingsOf(summaries[i]).dump() + " against " +
                             settingsOf(summaries[0]).dump() + ")");
    }
    const auto entries = shardVideos(shards, summaries);
    StagedFolder staged(finalOut, "the merge writes a new run folder");
    const auto& out = staged.path();
    std::vector<nlohmann::ordered_json> results;
    for (const auto& e : entries) {
        fs::create_directories(out / "videos");
        fs::copy(e.folder, out / "videos" / e.entry["video"].get<std::string>(),
                 fs::copy_options::recursive);
        results.push_back(readResults(e.folder / "results.json"));
    }
    auto j = settingsOf(summaries[0]);
#ifdef MP_HAVE_STORE
    if (!storeFile.empty()) {
        auto experiments =
            forOption("store", storeFile, [&] { return store::ExperimentStore::open(storeFile); });
        const auto benchmark = experiments.benchmark(store::BenchmarkKind::Customize, j.dump());
        for (std::size_t i = 0; i < results.size(); ++i)
            experiments.putBenchmarkVideo(store::BenchmarkKind::Customize, benchmark.id,
                                          entries[i].entry["video"].get<std::string>(),
                                          results[i].dump());
        j["store"] = {{"file", storeFile}, {"benchmark", benchmark.id}};
    }
#else
    (void)storeFile;
#endif
    j["merged_from"] = shards;
    writeCustomizeSummary(results, out, j);
    staged.commit();
    std::printf("wrote %s: %zu videos merged from %zu shards\n", finalOut.string().c_str(),
                entries.size(), shards.size());
    return kExitOk;
}

#ifdef MP_HAVE_STORE
// `bench report`: the store's dataset benchmarks listed (both kinds, or the one --kind names), or
// one of them written as its run folder's summary: results.json, report.md and report.html (and
// each video's results; for a probe also the mean heatmaps).
int runReport(const ParsedArgs& args) {
    const fs::path storePath =
        args.has("store") ? fs::path(args.value("store")) : store::ExperimentStore::defaultPath();
    if (!fs::exists(storePath))
        throw UsageError("--store: " + storePath.string() + " does not exist");
    const std::map<std::string, store::BenchmarkKind> kinds{
        {"customize", store::BenchmarkKind::Customize}, {"probe", store::BenchmarkKind::Probe}};
    const auto kindText = args.value("kind");
    if (!kindText.empty() && !kinds.count(kindText))
        throw UsageError("--kind: expected customize or probe, got '" + kindText + "'");
    auto experiments = forOption("store", storePath.string(),
                                 [&] { return store::ExperimentStore::open(storePath); });
    if (!args.has("benchmark")) {
        for (const auto& [name, kind] : kinds) {
            if (!kindText.empty() && kindText != name)
                continue;
            const auto all = experiments.benchmarks(kind);
            const char* what =
                kind == store::BenchmarkKind::Probe ? "dataset probe" : "customization benchmark";
            std::printf("%zu %s%s in %s (--kind %s)\n", all.size(), what,
                        all.size() == 1 ? "" : "s", storePath.string().c_str(), name.c_str());
            for (const auto& b : all) {
                const auto settings = nlohmann::ordered_json::parse(b.settings);
                std::printf("%lld  %s  %zu videos  dataset %s  model %s\n",
                            static_cast<long long>(b.id), b.updated.c_str(),
                            experiments.benchmarkVideos(kind, b.id).size(),
                            settings.value("dataset", std::string("?")).c_str(),
                            settings.value("model", std::string("?")).c_str());
            }
        }
        return kExitOk;
    }
    if (!args.has("out"))
        throw UsageError("--out: the folder to write the report into is needed with --benchmark");
    const auto kind = kinds.at(kindText.empty() ? "customize" : kindText);
    const auto id = parseInteger("benchmark", args.value("benchmark"), 1, 1LL << 62);
    const auto all = experiments.benchmarks(kind);
    const auto found = std::find_if(all.begin(), all.end(),
                                    [&](const store::BenchmarkRow& b) { return b.id == id; });
    if (found == all.end())
        throw UsageError("--benchmark: " + storePath.string() + " has no benchmark " +
                         std::to_string(id) + " of kind " +
                         (kindText.empty() ? "customize" : kindText) +
                         " (run without --benchmark to list them)");
    if (kind == store::BenchmarkKind::Probe)
        return writeStoredDatasetProbe(experiments, *found, args.value("out"));
    const auto stored = experiments.benchmarkVideos(kind, id);
    if (stored.empty())
        throw UsageError("--benchmark " + std::to_string(id) + ": no finished video yet");
    const auto results = report::storedResultsInOrder(stored);
    StagedFolder staged(args.value("out"), "the report goes into a new folder");
    const auto& out = staged.path();
    for (const auto& r : results) {
        const auto dir = out / "videos" / r["video"].get<std::string>();
        fs::create_directories(dir);
        writeJsonAtomically(dir / "results.json", r);
    }
    auto j = nlohmann::ordered_json::parse(found->settings);
    j["store"] = {{"file", storePath.string()}, {"benchmark", id}};
    writeCustomizeSummary(results, out, j);
    staged.commit();
    std::printf("wrote %s: %zu videos from %s (benchmark %lld)\n", args.value("out").c_str(),
                results.size(), storePath.string().c_str(), static_cast<long long>(id));
    return kExitOk;
}

Command benchReportCommand() {
    CommandSpec spec{
        "bench report",
        "The experiment store's dataset benchmarks (bench customize, bench probe / probe "
        "--dataset): listed, or one written as results.json, report.md and report.html with the "
        "paper's tables or mean heatmaps (docs/benchmarks.md).",
        {},
        {{"store", "FILE",
          "the experiment store (default: $MOTIONPROBE_STORE, else "
          "~/.local/share/motionprobe/experiments.sqlite)"},
         {"kind", "KIND", "customize or probe (listing: both unless given; a report: customize)"},
         {"benchmark", "ID", "the benchmark to report (the first column of the list)"},
         {"out", "DIR", "a new folder for the report (with --benchmark)"}},
        "Without --benchmark, lists them. The videos finished so far are reported, so a run "
        "still going (or a shard) can be looked at."};
    return {std::move(spec), runReport};
}
#endif

Command benchCustomizeCommand() {
    std::vector<OptionSpec> options = {
        {"dataset", "DIR", "a LOVEU-TGVE-2023 layout folder (its CSV and 480p_frames/)", true},
        {"out", "DIR", "a new folder for the per-video results, results.json and the reports",
         true},
        {"model", "DIR",
         "a ModelScope, Latte or CogVideoX pipeline folder; default: the embedded toy world's "
         "model"},
        {"scorer", "DIR",
         "a CLIP folder for text alignment and temporal consistency (default on the toy world: "
         "its CLIP)"},
        {"pickscore", "DIR", "a PickScore folder (yuvalkirstain/PickScore_v1)"},
        {"edits", "LIST", "edit columns sampled", false, "style,object,background,multiple"},
        {"samples", "N", "samples per edit caption and variant (seeds seed, seed+1, ...)", false,
         "4"},
        {"taus", "LIST", "Table 1: the τ sweep (1000: the base model; 0: every timestep)", false,
         "1000,900,800,700,0"},
        {"tau", "T", "τ of the layer and rank tables", false, "700"},
        {"preset", "NAME", "the layers of the τ and rank tables", false, "temporal-vo"},
        {"presets", "LIST", "Table 3: the tunable layers compared (empty: no table)", false,
         "temporal-qkvo,temporal-vo"},
        {"rank", "R", "the rank of the τ and layer tables (r = α unless --alpha)", false, "4"},
        {"ranks", "LIST", "Table 4: ranks compared, 'full' for direct tuning (empty: no table)",
         false, "4,8,16,full"},
        {"alpha", "A", "LoRA alpha for every rank (default: α = r, as the paper)"},
        {"steps", "N", "training steps of each adapter", false, "200"},
        {"lr", "LR", "learning rate (AdamW, no weight decay)", false, "1e-3"},
        {"seed", "N", "seeds the adapters, the training draws and the samples", false, "0"},
        {"sample-steps", "K", "DDIM steps of each sample", false, "50"},
        {"frames", "F",
         "frames the model trains and samples at, chosen evenly from each video (default: the "
         "model's own)"},
        {"guidance", "G",
         "guidance of each sample (default: the family's, ModelScope 9, Latte 7.5)"},
        {"videos", "", "also write every sample as a video under videos/NAME/samples/"},
        {"limit", "N", "only the first N videos (0: all)", false, "0"},
        {"shard", "i/N", "run shard i of N (videos i, i+N, …); merge with `bench merge`"},
        devicesOptionSpec(),
#ifdef MP_HAVE_STORE
        {"store", "FILE",
         "the experiment store (SQLite) each finished video's results go into (default: "
         "$MOTIONPROBE_STORE, else ~/.local/share/motionprobe/experiments.sqlite)"},
#endif
        progressOptionSpec(),
    };
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    for (auto& o : encodeOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "bench customize",
        "One-shot motion customization over a dataset, as the paper's Tables 1, 3 and 4: per "
        "video one adapter per configuration, every edit caption sampled with each and with the "
        "base model, each sample scored; report.md and report.html with the tables.",
        {},
        std::move(options),
        "A killed run resumes from DIR's work folder (.DIR.work beside it): finished videos are "
        "kept, the video it was on restarts from its adapters' checkpoints. See "
        "docs/benchmarks.md."};
    return {std::move(spec), [](const ParsedArgs& args) {
                return args.has("devices") ? runBenchOnDevices(args, "customize") : run(args);
            }};
}

}  // namespace mp::cli
