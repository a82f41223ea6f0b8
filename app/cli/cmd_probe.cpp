// motionprobe-cli probe: the prompt-tampering probe on one video (docs/probe.md). Inverts the
// video with its caption, resamples every (τ_start, τ_end) pair of the grid with the edited
// caption inside the window (probe/probe.h), and writes per run the video, the metrics (CLIP
// score change toward c', flow similarity to the original, and on the toy world the oracle's
// verdicts) and, with --tensors, the final latents and decoded video.

#include "commands.h"
#include "toy_examples.h"
#include "video_args.h"

#include "core/stopwatch.h"
#include "io/file_util.h"
#include "io/json_util.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "metrics/clip_scorer.h"
#include "metrics/clip_scores.h"
#include "pipelines/modelscope.h"
#include "probe/analysis.h"
#include "probe/figure.h"
#include "probe/probe.h"
#include "runtime/device.h"
#include "session/probe_session.h"
#ifdef MP_HAVE_STORE
#include "session/probe_store.h"
#endif
#ifdef MP_HAVE_STORE
#include "store/store.h"
#endif
#include "toy/oracle.h"
#include "video/video_io.h"
#include "video/video_tensor.h"
#ifdef MP_HAVE_VISION
#include "vision/figure_png.h"
#include "vision/flow_similarity.h"
#endif

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

namespace mp::cli {

namespace {

namespace fs = std::filesystem;

std::string number(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

// A number of a run's results by a path of keys ("clip_change", "oracle/shape"); booleans as 0/1.
std::optional<double> valueAt(const nlohmann::ordered_json& run, const std::string& key) {
    const nlohmann::ordered_json* v = &run;
    std::size_t from = 0;
    while (true) {
        const auto slash = key.find('/', from);
        const auto part = key.substr(from, slash == std::string::npos ? slash : slash - from);
        if (!v->is_object() || !v->contains(part))
            return std::nullopt;
        v = &(*v)[part];
        if (slash == std::string::npos)
            break;
        from = slash + 1;
    }
    if (v->is_boolean())
        return v->get<bool>() ? 1.0 : 0.0;
    if (v->is_number())
        return v->get<double>();
    return std::nullopt;
}

void writeFigure(const probe::Figure& figure, const fs::path& stem) {
    writeFileAtomically(stem.string() + ".svg",
                        [&](std::ostream& s) { s << probe::toSvg(figure); });
#ifdef MP_HAVE_VISION
    vision::writeFigurePng(figure, stem.string() + ".png");
#endif
}

// The heatmap of every metric the runs have, the τ_end = 0 trade-off curve and the suggested τ
// (into results.json).
// `halves`, for a dataset's means: the 95% intervals' half widths under the same keys.
void writeFigures(const probe::ProbePlan& plan,
                  const std::vector<nlohmann::ordered_json>& byRun,
                  const fs::path& dir,
                  nlohmann::ordered_json& results,
                  const std::vector<nlohmann::ordered_json>* halves = nullptr) {
    fs::create_directories(dir);
    struct Metric {
        const char* key;
        const char* title;
    };
    const Metric metrics[] = {{"clip_change", "CLIP score change toward c'"},
                              {"flow_similarity", "flow similarity to the original"},
                              {"oracle/colour", "oracle: colour follows c' (1/0)"},
                              {"oracle/shape", "oracle: shape follows c' (1/0)"},
                              {"oracle/background", "oracle: background follows c' (1/0)"},
                              {"oracle/motion_similarity", "oracle: motion similarity"}};
    std::vector<probe::TauPair> pairs;
    std::vector<std::size_t> runOf;
    for (std::size_t r = 0; r < plan.runs.size(); ++r)
        if (plan.runs[r].kind == probe::ProbePlan::RunKind::Pair) {
            pairs.push_back(plan.runs[r].pair);
            runOf.push_back(r);
        }
    nlohmann::ordered_json written = nlohmann::ordered_json::array();
    for (const auto& m : metrics) {
        std::vector<std::optional<double>> values, half;
        bool any = false;
        for (const auto r : runOf) {
            values.push_back(valueAt(byRun[r], m.key));
            half.push_back(halves ? valueAt((*halves)[r], m.key) : std::nullopt);
            any = any || values.back().has_value();
        }
        if (!any)
            continue;
        std::string name = m.key;
        std::replace(name.begin(), name.end(), '/', '-');
        writeFigure(probe::heatmapFigure(pairs, values, m.title, m.key, half),
                    dir / ("heatmap-" + name));
        written.push_back("figures/heatmap-" + name);
    }
    // Appearance: the CLIP change, else the oracle's shape verdict; motion: the flow similarity,
    // else the oracle's motion similarity.
    const char* appearance = nullptr;
    const char* motion = nullptr;
    for (const char* k : {"clip_change", "oracle/shape"})
        if (!appearance && valueAt(byRun[runOf.front()], k))
            appearance = k;
    for (const char* k : {"flow_similarity", "oracle/motion_similarity"})
        if (!motion && valueAt(byRun[runOf.front()], k))
            motion = k;
    std::vector<probe::CurvePoint> curve;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (pairs[i].end != 0 || !appearance || !motion)
            continue;
        const auto a = valueAt(byRun[runOf[i]], appearance);
        const auto b = valueAt(byRun[runOf[i]], motion);
        if (a && b) {
            probe::CurvePoint point{pairs[i].start, *a, *b};
            if (halves) {
                point.appearanceHalf = valueAt((*halves)[runOf[i]], appearance).value_or(0);
                point.motionHalf = valueAt((*halves)[runOf[i]], motion).value_or(0);
            }
            curve.push_back(point);
        }
    }
    if (curve.empty()) {
        results["suggested_tau"] = nullptr;
    } else {
        const auto suggested = probe::suggestTau(curve);
        writeFigure(probe::tradeOffFigure(curve, suggested, "τ_end = 0: appearance against motion",
                                          appearance, motion),
                    dir / "tradeoff");
        written.push_back("figures/tradeoff");
        if (suggested) {
            nlohmann::ordered_json frontier = nlohmann::ordered_json::array();
            for (const int i : suggested->frontier)
                frontier.push_back(curve[static_cast<std::size_t>(i)].tauStart);
            results["suggested_tau"] = {
                {"tau", suggested->tau},          {"rule", suggested->rule},
                {"appearance", appearance},       {"motion", motion},
                {"frontier_tau_start", frontier}, {"reasoning", suggested->reasoning}};
        }
    }
    results["figures"] = written;
}

// What every probed video shares: the model, the scorer, the store and the settings.
struct Env {
    const ParsedArgs& args;
    DeviceChoice device;
    JobContext job;
    fs::path modelDir;
    std::optional<pipelines::ModelScopePipeline> pipeline;
    bool toyWorld = false;
    std::optional<metrics::ClipScorer> scorer;
    std::string scorerDir;
#ifdef MP_HAVE_STORE
    fs::path storePath;
    std::optional<store::ExperimentStore> experiments;
#endif
    probe::ProbeRequest request;  // without the video's latents and captions
};

struct VideoProbe {
    nlohmann::ordered_json results;  // results.json
    probe::ProbeResult result;       // its plan, x̂_T, the runs' latents, counts and timings
};

// One video, written into `out` (results.json, results.csv, videos/, figures/, tensors/).
VideoProbe probeVideo(Env& env,
                      const fs::path& videoPath,
                      const std::string& caption,
                      const std::string& edit,
                      const fs::path& out) {
    const auto& args = env.args;
    const auto& job = env.job;
    const auto& device = env.device;
    const auto& modelDir = env.modelDir;
    auto& pipeline = *env.pipeline;
    const bool toyWorld = env.toyWorld;
    auto& scorer = env.scorer;
    const Stopwatch total;
    probe::ProbeRequest req = env.request;
    req.caption = caption;
    req.edit = edit;

    // The reference at the model's size and frame count, its latents and the baselines.
    const session::ProbeSession probed(
        pipeline, scorer ? &*scorer : nullptr, toyWorld,
        forOption("video", videoPath.string(),
                  [&] {
                      return video::decodeVideo(videoPath,
                                                session::referenceDecodeOptions(pipeline), job);
                  })
            .value(),
        edit, job);
    const auto& original = probed.original();
    req.latents = probed.latents();

#ifdef MP_HAVE_STORE
    // Every finished part goes into the experiment store as it finishes; a rerun of the same
    // probe (same key) after a kill takes them back instead of computing them again.
    auto& experiments = *env.experiments;
    const auto key = session::probeKey(modelDir, original, req, device.describe());
    const auto probeRow = experiments.probe(
        key,
        nlohmann::json{{"model", modelDir.string()},
                       {"video", videoPath.string()},
                       {"caption", caption},
                       {"edit", edit},
                       {"steps", req.steps},
                       {"guidance", req.guidance.value_or(pipelines::GenerateRequest{}.guidance)},
                       {"inversion_guidance", req.inversionGuidance},
                       {"device", device.describe()}}
            .dump());
    req.checkpoints = session::storeCheckpoints(experiments, probeRow.id);
#endif

    fs::create_directories(out / "videos");
    if (args.flag("tensors"))
        fs::create_directories(out / "tensors");
    video::EncodeOptions encode;
    encode.fps = probed.fps();
    (void)video::encodeVideo(original, out / "videos" / "original.mp4", encode, job).value();

    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    std::vector<nlohmann::ordered_json> byRun;
    const auto onFinished = [&](const probe::ProbePlan& plan,
                                const std::vector<probe::ProbeRunOutput>& finished) {
        byRun.resize(plan.runs.size());
        for (const auto& o : finished) {
            const auto& r = plan.runs[static_cast<std::size_t>(o.run)];
            const auto report = probed.evaluate(plan, o, job);
            auto j = session::runJson(report);
            j["video"] = "videos/" + r.name() + ".mp4";
            (void)video::encodeVideo(report.clip, out / "videos" / (r.name() + ".mp4"), encode, job)
                .value();
            if (args.flag("tensors")) {
                saveTensorFile(
                    out / "tensors" / (r.name() + ".safetensors"),
                    {{"latents", o.latents.contiguous()}, {"video", report.video.contiguous()}},
                    {{"run", r.name()}});
                j["tensors"] = "tensors/" + r.name() + ".safetensors";
            }
#ifdef MP_HAVE_STORE
            session::recordRun(experiments, probeRow.id, report, j);
#endif
            byRun[static_cast<std::size_t>(o.run)] = std::move(j);
        }
    };
    auto result = probe::runProbe(probe::probeModelOf(pipeline), req, job, onFinished).value();

    nlohmann::ordered_json j;
    j["model"] = modelDir.string();
    j["toy_world"] = toyWorld;
    j["video"] = videoPath.string();
    j["caption"] = caption;
    j["edit"] = edit;
    j["negative_prompt"] = req.negativePrompt ? nlohmann::ordered_json(*req.negativePrompt)
                                              : nlohmann::ordered_json(nullptr);
    j["steps"] = req.steps;
    j["interval"] = req.grid.interval;
    j["only_end_zero"] = req.grid.onlyEndZero;
    j["max_batch"] = req.maxBatch;
    j["inversion_guidance"] = req.inversionGuidance;
    j["guidance"] = req.guidance.value_or(pipelines::GenerateRequest{}.guidance);
    j["latents"] = "VAE posterior mean x scaling factor";
    j["boundary_rule"] = "c' at every step whose timestep t has tau_end <= t <= tau_start";
    const auto& plan = result.plan;
    j["timesteps"] = plan.timesteps;
    j["device"] = device.describe();
    if (scorer) {
        j["scorer"] = {{"folder", env.scorerDir},
                       {"backbone", scorer->backbone()},
                       {"metric", "text_alignment"},
                       {"variant", "tgve"},
                       {"base_score", probed.baseClipScore().value_or(0.0)}};
    }
    j["evaluations"] = {{"planned", result.plan.evaluations()},
                        {"naive", result.plan.naiveEvaluations()},
                        {"inversion", result.inversionResumed ? 0 : req.steps},
                        {"computed", result.evaluationsComputed},
                        {"runs_resumed", result.runsResumed}};
#ifdef MP_HAVE_STORE
    j["store"] = {{"file", env.storePath.string()}, {"probe", probeRow.id}, {"key", key}};
#endif
    j["seconds"] = {{"inversion", result.inversionSeconds},
                    {"resampling", result.resamplingSeconds},
                    {"total", total.milliseconds() / 1000}};
    writeFigures(plan, byRun, out / "figures", j);
    for (auto& r : byRun)
        runs.push_back(std::move(r));
    j["runs"] = runs;
    writeJsonAtomically(out / "results.json", j);

    writeFileAtomically(out / "results.csv", [&](std::ostream& s) {
        s << "run,tau_start,tau_end,clip_change,flow_similarity,oracle_colour,oracle_shape,"
             "oracle_background,oracle_motion_similarity,oracle_same_path\n";
        const auto cell = [](const nlohmann::ordered_json& v) -> std::string {
            if (v.is_null())
                return "";
            if (v.is_boolean())
                return v.get<bool>() ? "1" : "0";
            if (v.is_number())
                return number(v.get<double>());
            return v.get<std::string>();
        };
        for (const auto& r : j["runs"]) {
            const auto get = [&](const char* k) {
                return r.contains(k) ? r[k] : nlohmann::ordered_json(nullptr);
            };
            const auto oracle = [&](const char* k) {
                return r.contains("oracle") ? r["oracle"][k] : nlohmann::ordered_json(nullptr);
            };
            s << cell(r["run"]) << "," << cell(get("tau_start")) << "," << cell(get("tau_end"))
              << "," << cell(get("clip_change")) << "," << cell(get("flow_similarity")) << ","
              << cell(oracle("colour")) << "," << cell(oracle("shape")) << ","
              << cell(oracle("background")) << "," << cell(oracle("motion_similarity")) << ","
              << cell(oracle("same_path")) << "\n";
        }
    });
#ifdef MP_HAVE_STORE
    experiments.setStatus(probeRow.id, "finished");
#endif
    return {std::move(j), std::move(result)};
}

// Per pair and metric over the videos: the mean and a 95% interval (mean ± 1.96·s/√n, the normal
// approximation; with one video no interval).
void writeDatasetSummary(const std::vector<VideoProbe>& videos,
                         const std::vector<DatasetRow>& rows,
                         const fs::path& out,
                         nlohmann::ordered_json& j) {
    const auto& plan = videos.front().result.plan;
    const char* keys[] = {"clip_change",  "flow_similarity",   "oracle/colour",
                          "oracle/shape", "oracle/background", "oracle/motion_similarity"};
    nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
    std::vector<nlohmann::ordered_json> meanRuns(plan.runs.size()), halfRuns(plan.runs.size());
    for (std::size_t r = 0; r < plan.runs.size(); ++r) {
        const auto& run = plan.runs[r];
        nlohmann::ordered_json row;
        row["run"] = run.name();
        if (run.kind == probe::ProbePlan::RunKind::Pair) {
            row["tau_start"] = run.pair.start;
            row["tau_end"] = run.pair.end;
        }
        auto& meanRun = meanRuns[r];
        for (const char* k : keys) {
            std::vector<double> v;
            for (const auto& vp : videos)
                if (auto x = valueAt(vp.results["runs"][r], k))
                    v.push_back(*x);
            if (v.empty())
                continue;
            double mean = 0;
            for (const double x : v)
                mean += x;
            mean /= static_cast<double>(v.size());
            double var = 0;
            for (const double x : v)
                var += (x - mean) * (x - mean);
            const double half = v.size() > 1 ? 1.96 * std::sqrt(var / (v.size() - 1)) /
                                                   std::sqrt(static_cast<double>(v.size()))
                                             : 0;
            row[k] = {{"mean", mean}, {"ci95", {mean - half, mean + half}}, {"n", v.size()}};
            // For the figures: the means and half widths under the same keys as one video's
            // results.
            std::string key = k;
            if (const auto slash = key.find('/'); slash != std::string::npos) {
                meanRun[key.substr(0, slash)][key.substr(slash + 1)] = mean;
                halfRuns[r][key.substr(0, slash)][key.substr(slash + 1)] = half;
            } else {
                meanRun[key] = mean;
                halfRuns[r][key] = half;
            }
        }
        pairs.push_back(std::move(row));
    }
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& r : rows)
        names.push_back({{"row", r.line},
                         {"video", r.name},
                         {"caption", r.caption},
                         {"edit", r.edit},
                         {"results", "videos/" + r.name + "/results.json"}});
    j["videos"] = names;
    j["interval_rule"] = "mean ± 1.96·s/√n over the videos (normal approximation)";
    j["runs"] = pairs;
    writeFigures(plan, meanRuns, out / "figures", j, &halfRuns);
    writeJsonAtomically(out / "results.json", j);
}

int run(const ParsedArgs& args) {
    const fs::path finalOut = args.value("out");
    const bool dataset = args.has("dataset");
    fs::path videoPath;
    std::string caption = args.value("caption"), edit = args.value("edit");
    if (dataset) {
        if (args.flag("demo") || args.has("video"))
            throw UsageError("--dataset runs every video of the dataset; leave out --video/--demo");
    } else if (args.flag("demo")) {
        const auto ex =
            demoExample(static_cast<int>(parseInteger("example", args.value("example"), 0, 1000)));
        videoPath = ex.frames;
        if (!args.has("caption"))
            caption = ex.caption;
        if (!args.has("edit"))
            edit = ex.edit;
    } else {
        if (!args.has("video"))
            throw UsageError("--video is needed (or --demo for a shipped example)");
        videoPath = args.value("video");
    }
    if (!dataset && caption.empty())
        throw UsageError("--caption: the video's caption c is needed");
    if (!dataset && edit.empty())
        throw UsageError("--edit: the edited caption c' is needed");
    const std::map<std::string, int> editColumns{
        {"style", 2}, {"object", 3}, {"background", 4}, {"multiple", 5}};
    const auto column = editColumns.find(args.value("edit-column"));
    if (column == editColumns.end())
        throw UsageError("--edit-column: expected style, object, background or multiple, got '" +
                         args.value("edit-column") + "'");

    Env env{args,
            {},
            {},
            {},
            std::nullopt,
            false,
            std::nullopt,
            {}
#ifdef MP_HAVE_STORE
            ,
            {},
            std::nullopt
#endif
            ,
            {}};
    auto& req = env.request;
    if (args.has("negative"))
        req.negativePrompt = args.value("negative");
    req.steps = static_cast<int>(parseInteger("steps", args.value("steps"), 1, 1000));
    req.grid.interval = static_cast<int>(parseInteger("interval", args.value("interval"), 1, 1000));
    req.grid.onlyEndZero = args.flag("only-end-zero");
    req.inversionGuidance =
        parseNumber("inversion-guidance", args.value("inversion-guidance"), 0, 100);
    if (args.has("guidance"))
        req.guidance = parseNumber("guidance", args.value("guidance"), 0, 100);
    // On two CPU cores a batch of more than a few runs is slower per run (bench unet: 81 ms per
    // guided run alone, 78 in fours, 93 in sixteens); a GPU wants many.
    const bool autoBatch = args.value("max-batch") == "auto";
    if (!autoBatch)
        req.maxBatch =
            static_cast<int>(parseInteger("max-batch", args.value("max-batch"), 1, 4096));
    const int limit = static_cast<int>(parseInteger("limit", args.value("limit"), 0, 1000000));
    // Checked before anything loads.
    try {
        (void)probe::gridPairs(req.grid);
    } catch (const EngineError& e) {
        throw UsageError("--interval: " + e.message());
    }
    std::vector<DatasetRow> rows;
    if (dataset)
        rows = forOption("dataset", args.value("dataset"), [&] {
            return readTgveDataset(args.value("dataset"), column->second, limit);
        });

    // Everything is written into a staging folder beside RUN_DIR and moved into place at the end,
    // so a failed or interrupted probe leaves nothing half-written and never touches an earlier
    // run.
    StagedFolder staged(finalOut, "the probe writes a new run folder");
    const fs::path& out = staged.path();

    env.device = deviceFromArgs(args);
    env.job = commandJob(args);
    const Stopwatch total;
    env.modelDir = modelFromArgs(args);
    env.pipeline =
        forOption("model", env.modelDir.string(), [&] {
            return pipelines::ModelScopePipeline::load(env.modelDir, env.device, "", env.job);
        }).value();
    env.toyWorld = isToyWorldModel(env.modelDir);
    if (autoBatch)
        req.maxBatch = env.device.device.is_cuda() ? 16 : 4;
    env.scorerDir = args.value("scorer");
    if (env.scorerDir.empty() && env.toyWorld)
        env.scorerDir = findResource(kToyClipResource).string();
    if (!env.scorerDir.empty()) {
        metrics::ClipScorerOptions so;
        so.device = env.device;
        env.scorer = forOption("scorer", env.scorerDir, [&] {
                         return metrics::ClipScorer::load(env.scorerDir, so, env.job);
                     }).value();
    }
#ifdef MP_HAVE_STORE
    env.storePath =
        args.has("store") ? fs::path(args.value("store")) : store::ExperimentStore::defaultPath();
    env.experiments.emplace(forOption("store", env.storePath.string(),
                                      [&] { return store::ExperimentStore::open(env.storePath); }));
#endif

    std::vector<VideoProbe> done;
    int resumed = 0, computed = 0;
    if (!dataset) {
        done.push_back(probeVideo(env, videoPath, caption, edit, out));
    } else {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            env.job.report("videos", static_cast<int>(i), static_cast<int>(rows.size()));
            done.push_back(probeVideo(env, rows[i].frames, rows[i].caption, rows[i].edit,
                                      out / "videos" / rows[i].name));
        }
        env.job.report("videos", static_cast<int>(rows.size()), static_cast<int>(rows.size()));
        nlohmann::ordered_json j;
        j["dataset"] = args.value("dataset");
        j["edit_column"] = args.value("edit-column");
        j["model"] = env.modelDir.string();
        j["steps"] = req.steps;
        j["interval"] = req.grid.interval;
        j["guidance"] = req.guidance.value_or(pipelines::GenerateRequest{}.guidance);
        j["inversion_guidance"] = req.inversionGuidance;
        writeDatasetSummary(done, rows, out, j);
    }
    for (const auto& d : done) {
        resumed += d.result.runsResumed;
        computed += d.result.evaluationsComputed;
    }
    staged.commit();
    if (resumed > 0)
        std::printf("resumed %d runs from the experiment store; computed %d evaluations\n", resumed,
                    computed);
    const auto& plan = done.front().result.plan;
    std::printf(
        "wrote %s: %zu video%s, %zu runs each; %d denoiser evaluations with shared prefixes (the "
        "reconstruction included) for the naive loop's %d (%.2fx) per video; total %.1f s\n",
        finalOut.string().c_str(), done.size(), done.size() == 1 ? "" : "s", plan.runs.size(),
        plan.evaluations(), plan.naiveEvaluations(),
        static_cast<double>(plan.evaluations()) / plan.naiveEvaluations(),
        total.milliseconds() / 1000);
    return kExitOk;
}

}  // namespace

Command probeCommand() {
    std::vector<OptionSpec> options = {
        {"model", "DIR", "a TextToVideoSDPipeline folder; default: the embedded toy world's model"},
        {"video", "V", "the reference video (file or frame folder)"},
        {"caption", "TEXT", "the video's caption c"},
        {"edit", "TEXT", "the edited caption c' (subject changed, motion kept)"},
        {"demo", "", "probe a shipped toy example (--example) with its caption and object edit"},
        {"example", "N", "which shipped example --demo takes (0-15)", false, "0"},
        {"out", "RUN_DIR", "the run folder: results.json, results.csv, videos/", true},
        {"steps", "K", "DDIM steps of the inversion and of every resampling", false, "50"},
        {"interval", "I", "grid interval over the 1000 training timesteps", false, "100"},
        {"only-end-zero", "", "only the pairs with τ_end = 0 (the trade-off curve)"},
        {"guidance", "G", "resampling guidance (default: the pipeline's, 9)"},
        {"inversion-guidance", "G", "inversion guidance (1: none)", false, "1"},
        {"negative", "TEXT", "negative prompt of the resampling (default: \"\")"},
        {"scorer", "DIR",
         "CLIPModel folder for the CLIP score change (default: the toy CLIP on the toy world)"},
        {"max-batch", "N", "runs through the model at once (auto: 4 on the CPU, 16 on CUDA)", false,
         "auto"},
        {"tensors", "", "also write each run's final latents and decoded video as safetensors"},
        {"dataset", "DIR",
         "probe every video of a TGVE-layout dataset (CSV and 480p_frames/) and write the mean "
         "heatmaps with 95% intervals"},
        {"edit-column", "NAME",
         "--dataset: the edit caption: style, object, background or multiple", false, "object"},
        {"limit", "N", "--dataset: only the first N videos (0: all)", false, "0"},
        {"store", "FILE",
         "the experiment store (SQLite) the probe records into and resumes from (default: "
         "$MOTIONPROBE_STORE, else ~/.local/share/motionprobe/experiments.sqlite)"},
        progressOptionSpec()};
    for (auto& o : deviceOptionSpecs())
        options.push_back(std::move(o));
    CommandSpec spec{
        "probe",
        "The prompt-tampering probe: invert a video with its caption c, resample it with the "
        "edited caption c' for τ_end ≤ t ≤ τ_start and c elsewhere for every pair of the grid, "
        "and measure each resample (docs/probe.md).",
        {},
        std::move(options),
        ""};
    return {std::move(spec), run};
}

}  // namespace mp::cli
