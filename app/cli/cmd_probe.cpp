// motionprobe-cli probe: the prompt-tampering probe on one video (docs/probe.md). Inverts the
// video with its caption, resamples every (τ_start, τ_end) pair of the grid with the edited
// caption inside the window (probe/probe.h), and writes per run the video, the metrics (CLIP
// score change toward c', flow similarity to the original, and on the toy world the oracle's
// verdicts) and, with --tensors, the final latents and decoded video.

#include "commands.h"
#include "report_util.h"
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
#include "pipelines/pipeline.h"
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
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

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
    std::unique_ptr<pipelines::Pipeline> pipeline;
    bool toyWorld = false;
    std::optional<metrics::ClipScorer> scorer;
    std::string scorerDir;
#ifdef MP_HAVE_STORE
    fs::path storePath;
    std::optional<store::ExperimentStore> experiments;
#endif
    probe::ProbeRequest request;  // without the video's latents and captions
    int frames = 0;               // the frames the model runs at (0: its own count)
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
                      return video::decodeVideo(
                          videoPath,
                          session::referenceDecodeOptions(pipeline, env.frames, videoPath, job),
                          job);
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
        key, nlohmann::json{{"model", modelDir.string()},
                            {"video", videoPath.string()},
                            {"caption", caption},
                            {"edit", edit},
                            {"steps", req.steps},
                            {"guidance", req.guidance.value_or(pipeline.defaultGuidance())},
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
    j["family"] = familyName(pipeline.family());
    j["video"] = videoPath.string();
    j["frames"] = static_cast<int>(original.frames.size());
    j["caption"] = caption;
    j["edit"] = edit;
    j["negative_prompt"] = req.negativePrompt ? nlohmann::ordered_json(*req.negativePrompt)
                                              : nlohmann::ordered_json(nullptr);
    j["steps"] = req.steps;
    j["interval"] = req.grid.interval;
    j["only_end_zero"] = req.grid.onlyEndZero;
    j["max_batch"] = req.maxBatch;
    j["max_batch_used"] = result.batchUsed;
    j["inversion_guidance"] = req.inversionGuidance;
    j["guidance"] = req.guidance.value_or(pipeline.defaultGuidance());
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
                    {"decoding_and_scoring", result.runsFinishedSeconds},
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

// The dataset summary as people read it: report.md (tables and the figures beside it) and
// report.html (one self-contained page: the figures inlined as SVG), both from results.json.
void writeDatasetReport(const nlohmann::ordered_json& j, const fs::path& out) {
    // The summary keys its metrics flat: "clip_change", "oracle/colour".
    const auto cell = [](const nlohmann::ordered_json& run, const char* key) {
        return run.contains(key) ? intervalCell(run[key]) : std::string("–");
    };
    std::vector<std::pair<const char*, const char*>> columns{
        {"clip_change", "Δ CLIP score toward c′"}, {"flow_similarity", "flow similarity"}};
    const bool oracle = !j["runs"].empty() && j["runs"][0].contains("oracle/colour");
    if (oracle)
        for (const auto& c : std::vector<std::pair<const char*, const char*>>{
                 {"oracle/colour", "oracle: colour"},
                 {"oracle/shape", "oracle: shape"},
                 {"oracle/motion_similarity", "oracle: motion similarity"}})
            columns.push_back(c);
    const std::size_t videos = j["videos"].size();
    std::string suggested = "none";
    if (j.contains("suggested_tau") && j["suggested_tau"].is_object())
        suggested = std::to_string(j["suggested_tau"]["tau"].get<int>()) + " (" +
                    j["suggested_tau"]["rule"].get<std::string>() + ")";

    // One table, written as Markdown or as HTML by the two callers below.
    std::vector<std::vector<std::string>> table;
    std::vector<std::string> header{"run", "τ_start", "τ_end"};
    for (const auto& c : columns)
        header.push_back(c.second);
    for (const auto& run : j["runs"]) {
        std::vector<std::string> row{
            run["run"].get<std::string>(),
            run.contains("tau_start") ? std::to_string(run["tau_start"].get<int>()) : "",
            run.contains("tau_end") ? std::to_string(run["tau_end"].get<int>()) : ""};
        for (const auto& c : columns)
            row.push_back(cell(run, c.first));
        table.push_back(std::move(row));
    }
    const auto setting = [&](const char* key) {
        return j.contains(key) ? j[key].dump() : std::string("–");
    };
    const std::string facts =
        "dataset " + setting("dataset") + ", edit column " + setting("edit_column") + ", model " +
        setting("model") + "; " + std::to_string(videos) + " videos; " + setting("steps") +
        " DDIM steps, interval " + setting("interval") + ", guidance " + setting("guidance") +
        ", inversion guidance " + setting("inversion_guidance") +
        (j.contains("shard") ? "; shard " + j["shard"].get<std::string>() : std::string()) +
        (j.contains("merged_from")
             ? "; merged from " + std::to_string(j["merged_from"].size()) + " shards"
             : std::string());
    const std::string intervals = "Each cell: the mean over the videos [95% interval: " +
                                  j["interval_rule"].get<std::string>() + "].";
    writeFileAtomically(out / "report.md", [&](std::ostream& s) {
        s << "# Probe over a dataset\n\n"
          << facts << ".\n\nSuggested τ: " << suggested << ".\n\n"
          << intervals << "\n\n";
        writeMarkdownTable(s, header, table);
        s << "\n## Figures\n\n";
        for (const auto& f : j["figures"])
            s << "![" << f.get<std::string>() << "](" << f.get<std::string>() << ".svg)\n\n";
        s << "## Videos\n\n";
        for (const auto& v : j["videos"])
            s << "- row " << v["row"].get<int>() << ": `" << v["video"].get<std::string>()
              << "` — \"" << v["caption"].get<std::string>() << "\" → \""
              << v["edit"].get<std::string>() << "\" ([results](" << v["results"].get<std::string>()
              << "))\n";
    });
    writeFileAtomically(out / "report.html", [&](std::ostream& s) {
        s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<title>MotionProbe: probe over a dataset</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:right}td:first-child{text-align:left}"
             "figure{display:inline-block;margin:0.5em}</style></head><body>\n"
          << "<h1>Probe over a dataset</h1>\n<p>" << htmlEscape(facts)
          << ".</p>\n<p>Suggested τ: " << htmlEscape(suggested) << ".</p>\n<p>"
          << htmlEscape(intervals) << "</p>\n";
        writeHtmlTable(s, header, table);
        s << "<h2>Figures</h2>\n";
        // Inlined, so the page is one file to mail or attach.
        for (const auto& f : j["figures"]) {
            std::ifstream svg(out / (f.get<std::string>() + ".svg"), std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(svg)),
                             std::istreambuf_iterator<char>());
            if (const auto start = text.find("<svg"); start != std::string::npos)
                s << "<figure>" << text.substr(start) << "</figure>\n";
        }
        s << "<h2>Videos</h2>\n<ul>\n";
        for (const auto& v : j["videos"])
            s << "<li>row " << v["row"].get<int>() << ": <code>"
              << htmlEscape(v["video"].get<std::string>()) << "</code> — “"
              << htmlEscape(v["caption"].get<std::string>()) << "” → “"
              << htmlEscape(v["edit"].get<std::string>()) << "”</li>\n";
        s << "</ul>\n</body></html>\n";
    });
}

// Per pair and metric over the videos: the mean and a 95% interval (mean ± 1.96·s/√n, the normal
// approximation; with one video no interval).
// `videos` are the videos' results.json in dataset order, `names` their entries of the summary's
// "videos" list; the summary (with its figures and report) goes into `out`.
void writeDatasetSummary(const probe::ProbePlan& plan,
                         const std::vector<nlohmann::ordered_json>& videos,
                         const nlohmann::ordered_json& names,
                         const fs::path& out,
                         nlohmann::ordered_json& j) {
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
            for (const auto& video : videos)
                if (auto x = valueAt(video["runs"][r], k))
                    v.push_back(*x);
            if (v.empty())
                continue;
            row[k] = meanInterval(v);
            const double mean = row[k]["mean"].get<double>();
            // Half the interval's width (Wilson's interval of verdicts is not symmetric).
            const double half =
                (row[k]["ci95"][1].get<double>() - row[k]["ci95"][0].get<double>()) / 2;
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
    j["videos"] = names;
    j["interval_rule"] = std::string(kIntervalRule) + "; over the videos";
    j["runs"] = pairs;
    writeFigures(plan, meanRuns, out / "figures", j, &halfRuns);
    writeJsonAtomically(out / "results.json", j);
    writeDatasetReport(j, out);
}

// The grid every video of a dataset run was probed on, from its settings and the timesteps its
// videos record; each video's runs checked against it (`where(v)` names video v in errors).
probe::ProbePlan planOfVideos(const nlohmann::ordered_json& settings,
                              const std::vector<nlohmann::ordered_json>& videos,
                              const std::function<std::string(std::size_t)>& where) {
    probe::GridOptions grid;
    grid.interval = settings["interval"].get<int>();
    grid.onlyEndZero = settings.value("only_end_zero", false);
    const auto plan = probe::planProbe(videos.front()["timesteps"].get<std::vector<std::int64_t>>(),
                                       probe::gridPairs(grid));
    for (std::size_t v = 0; v < videos.size(); ++v)
        for (std::size_t r = 0; r < plan.runs.size(); ++r)
            if (videos[v]["runs"].size() != plan.runs.size() ||
                videos[v]["runs"][r]["run"].get<std::string>() != plan.runs[r].name())
                throw EngineError(ErrorCode::Format,
                                  where(v) + ": its runs are not the grid's (expected " +
                                      plan.runs[r].name() + " at position " + std::to_string(r) +
                                      ")");
    return plan;
}

// A dataset video as the store keeps it: its entry in the summary's "videos" and its results.
std::string storedDatasetVideo(const nlohmann::ordered_json& entry,
                               const nlohmann::ordered_json& results) {
    return nlohmann::ordered_json{{"entry", entry}, {"results", results}}.dump();
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
            nullptr,
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
    if (args.has("frames"))
        env.frames = static_cast<int>(parseInteger("frames", args.value("frames"), 1, 1024));
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
    std::optional<std::pair<int, int>> shard;
    if (args.has("shard")) {
        if (!dataset)
            throw UsageError("--shard splits a --dataset run");
        shard = parseShard(args.value("shard"));
    }
    if (dataset) {
        rows = forOption("dataset", args.value("dataset"), [&] {
            return readTgveDataset(args.value("dataset"), column->second, limit);
        });
        if (shard)
            rows = shardRows(rows, *shard, args.value("shard"));
    }

    // Everything is written into a staging folder beside RUN_DIR and moved into place at the end,
    // so a failed or interrupted probe leaves nothing half-written and never touches an earlier
    // run.
    StagedFolder staged(finalOut, "the probe writes a new run folder");
    const fs::path& out = staged.path();

    env.device = deviceFromArgs(args);
    env.job = commandJob(args);
    const Stopwatch total;
    env.modelDir = modelFromArgs(args);
    env.pipeline = forOption("model", env.modelDir.string(), [&] {
                       return pipelines::loadPipeline(env.modelDir, env.device, "", env.job);
                   }).value();
    env.toyWorld = isToyWorldModel(env.modelDir);
    if (dataset) {
        // The frame count and every video's length, before the first video's long probe.
        int count = 0;
        try {
            count = session::referenceDecodeOptions(*env.pipeline, env.frames).select.count;
        } catch (const EngineError& e) {
            throw UsageError(std::string("--frames: ") + e.what());
        }
        requireDatasetFrames(rows, count, env.job);
    }
    if (args.flag("vae-tiling") && !env.pipeline->setVaeTiling(true))
        throw UsageError("--vae-tiling: this model's VAE has no tiled mode (CogVideoX's has)");
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
        nlohmann::ordered_json j;
        j["dataset"] = args.value("dataset");
        j["edit_column"] = args.value("edit-column");
        j["model"] = env.modelDir.string();
        j["steps"] = req.steps;
        j["interval"] = req.grid.interval;
        j["guidance"] = req.guidance.value_or(env.pipeline->defaultGuidance());
        j["inversion_guidance"] = req.inversionGuidance;
        j["only_end_zero"] = req.grid.onlyEndZero;
        if (env.frames > 0)
            j["frames"] = env.frames;
#ifdef MP_HAVE_STORE
        // The dataset run in the store too, keyed by these settings (not the shard: shards and
        // reruns add to one), each video as it finishes: `bench report --kind probe` rebuilds
        // the summary from the store alone.
        const auto datasetRow = env.experiments->benchmark(store::BenchmarkKind::Probe, j.dump());
#endif
        std::vector<nlohmann::ordered_json> videos;
        nlohmann::ordered_json names = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            env.job.report("videos", static_cast<int>(i), static_cast<int>(rows.size()));
            done.push_back(probeVideo(env, rows[i].frames, rows[i].caption, rows[i].edit,
                                      out / "videos" / rows[i].name));
            videos.push_back(done[i].results);
            names.push_back({{"row", rows[i].line},
                             {"video", rows[i].name},
                             {"caption", rows[i].caption},
                             {"edit", rows[i].edit},
                             {"results", "videos/" + rows[i].name + "/results.json"}});
#ifdef MP_HAVE_STORE
            env.experiments->putBenchmarkVideo(store::BenchmarkKind::Probe, datasetRow.id,
                                               rows[i].name,
                                               storedDatasetVideo(names.back(), videos.back()));
#endif
        }
        env.job.report("videos", static_cast<int>(rows.size()), static_cast<int>(rows.size()));
        if (shard)
            j["shard"] = args.value("shard");
        writeDatasetSummary(done.front().result.plan, videos, names, out, j);
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

// A results.json as written (key order kept); errors name the file.
nlohmann::ordered_json readJsonFile(const fs::path& file) {
    const std::string text = readTextFile(file);
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw EngineError(ErrorCode::Format, file.string() + ": not valid JSON: " + e.what());
    }
}

// `bench merge`: the shards' videos (copied), their summary recomputed as one run's, and with
// --store their store rows copied into one store.
int runMerge(const ParsedArgs& args) {
    const fs::path finalOut = args.value("out");
    const auto shards = args.values("from");
    if (shards.size() < 2)
        throw UsageError("--from: give every shard's run folder (at least two)");
    std::vector<nlohmann::ordered_json> summaries;
    for (const auto& dir : shards) {
        const fs::path file = fs::path(dir) / "results.json";
        auto j = forOption("from", dir, [&] { return readJsonFile(file); });
        if (isCustomizeBenchmark(j) || (!summaries.empty() && isCustomizeBenchmark(summaries[0]))) {
            summaries.push_back(std::move(j));
            continue;
        }
        if (!j.contains("videos") || !j.contains("runs"))
            throw UsageError("--from " + dir + ": results.json is not a dataset probe's summary");
        summaries.push_back(std::move(j));
    }
    if (isCustomizeBenchmark(summaries[0]))
        return mergeCustomizeShards(shards, summaries, finalOut, args.value("store"));
    // Numbers from different settings do not average.
    for (const char* key : {"edit_column", "steps", "interval", "guidance", "inversion_guidance",
                            "only_end_zero", "frames"})
        for (std::size_t i = 1; i < summaries.size(); ++i)
            if (summaries[i].value(key, nlohmann::ordered_json()) !=
                summaries[0].value(key, nlohmann::ordered_json()))
                throw UsageError("--from " + shards[i] + ": its " + key + " (" +
                                 summaries[i].value(key, nlohmann::ordered_json()).dump() +
                                 ") differs from " + shards[0] + "'s (" +
                                 summaries[0].value(key, nlohmann::ordered_json()).dump() + ")");
    const auto entries = shardVideos(shards, summaries);

    StagedFolder staged(finalOut, "the merge writes a new run folder");
    const fs::path& out = staged.path();
    std::vector<nlohmann::ordered_json> videos;
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
        const fs::path target = out / "videos" / e.entry["video"].get<std::string>();
        fs::create_directories(target.parent_path());
        fs::copy(e.folder, target, fs::copy_options::recursive);
        videos.push_back(readJsonFile(target / "results.json"));
        names.push_back(e.entry);
    }
    // The plan every shard ran: the same grid over the same timesteps.
    const auto plan = planOfVideos(summaries[0], videos, [&](std::size_t v) {
        return (entries[v].folder / "results.json").string();
    });
    nlohmann::ordered_json j;
    for (const char* key : {"dataset", "edit_column", "model", "steps", "interval", "guidance",
                            "inversion_guidance", "only_end_zero", "frames"})
        if (summaries[0].contains(key))
            j[key] = summaries[0][key];
    const auto settings = j;  // the shards' common settings, as an unsharded run records them
    j["merged_from"] = shards;
    writeDatasetSummary(plan, videos, names, out, j);

#ifdef MP_HAVE_STORE
    // Each video's store row, found by its key in the store its shard wrote (when this machine
    // can read it), copied into one store for the workbench and later reports.
    int copied = 0;
    if (args.has("store")) {
        auto target = forOption("store", args.value("store"),
                                [&] { return store::ExperimentStore::open(args.value("store")); });
        // The dataset run under the shards' common settings, as an unsharded run records it.
        const auto datasetRow = target.benchmark(store::BenchmarkKind::Probe, settings.dump());
        for (std::size_t v = 0; v < videos.size(); ++v)
            target.putBenchmarkVideo(store::BenchmarkKind::Probe, datasetRow.id,
                                     names[v]["video"].get<std::string>(),
                                     storedDatasetVideo(names[v], videos[v]));
        for (const auto& video : videos) {
            if (!video.contains("store"))
                continue;
            const fs::path source = video["store"]["file"].get<std::string>();
            const auto key = video["store"]["key"].get<std::string>();
            if (!fs::exists(source)) {
                std::fprintf(stderr, "note: %s is not here; its probe is not copied\n",
                             source.string().c_str());
                continue;
            }
            const auto from = store::ExperimentStore::open(source);
            for (const auto& p : from.probes())
                if (p.key == key) {
                    const auto row = target.probe(p.key, p.params);
                    for (const auto& r : from.runs(p.id))
                        target.putRun(row.id, r);
                    target.setStatus(row.id, p.status);
                    ++copied;
                }
        }
    }
#endif
    staged.commit();
    std::printf("wrote %s: %zu videos from %zu shards\n", finalOut.string().c_str(), videos.size(),
                shards.size());
#ifdef MP_HAVE_STORE
    if (args.has("store"))
        std::printf("copied %d probes into %s\n", copied, args.value("store").c_str());
#endif
    return kExitOk;
}

std::vector<std::string>& subcommandArgs() {
    static std::vector<std::string> args;
    return args;
}

}  // namespace

#ifdef MP_HAVE_STORE
// `bench report --kind probe`: a dataset probe rebuilt from the store alone, as its run folder's
// summary: each video's results, the mean heatmaps with intervals, results.json and the reports.
int writeStoredDatasetProbe(const store::ExperimentStore& experiments,
                            const store::BenchmarkRow& row,
                            const fs::path& finalOut) {
    const auto stored = experiments.benchmarkVideos(store::BenchmarkKind::Probe, row.id);
    if (stored.empty())
        throw UsageError("--benchmark " + std::to_string(row.id) + ": no finished video yet");
    struct Video {
        nlohmann::ordered_json entry, results;
    };
    std::vector<Video> byRow;
    for (const auto& [name, text] : stored) {
        auto v = nlohmann::ordered_json::parse(text);
        byRow.push_back({v["entry"], v["results"]});
    }
    std::stable_sort(byRow.begin(), byRow.end(), [](const Video& a, const Video& b) {
        return a.entry["row"].get<int>() < b.entry["row"].get<int>();
    });
    std::vector<nlohmann::ordered_json> videos;
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& v : byRow) {
        videos.push_back(v.results);
        names.push_back(v.entry);
    }
    auto j = nlohmann::ordered_json::parse(row.settings);
    const auto plan = planOfVideos(j, videos, [&](std::size_t v) {
        return experiments.path().string() + ": video " + names[v]["video"].get<std::string>();
    });
    StagedFolder staged(finalOut, "the report goes into a new folder");
    const auto& out = staged.path();
    for (std::size_t v = 0; v < videos.size(); ++v) {
        const auto dir = out / "videos" / names[v]["video"].get<std::string>();
        fs::create_directories(dir);
        writeJsonAtomically(dir / "results.json", videos[v]);
    }
    j["store"] = {{"file", experiments.path().string()}, {"benchmark", row.id}};
    writeDatasetSummary(plan, videos, names, out, j);
    staged.commit();
    std::printf("wrote %s: %zu videos from %s (dataset probe %lld)\n", finalOut.string().c_str(),
                videos.size(), experiments.path().string().c_str(), static_cast<long long>(row.id));
    return kExitOk;
}
#endif

// `bench probe|customize --devices A,B,…`: one worker process per device, each running shard k
// of N of the same command into its own folder (and store) beside RUN_DIR, then the merge into
// RUN_DIR (and the store). A failed worker leaves its shard to resume: run the same command
// again; a shard that finished keeps its folder.
int runBenchOnDevices(const ParsedArgs& args, const std::string& benchmark) {
#ifdef MP_HAVE_STORE
    const bool withStore = true;
#else
    const bool withStore = false;
#endif
    if (args.has("shard"))
        throw UsageError("--devices runs every shard itself; leave out --shard");
    std::vector<std::string> devices;
    for (std::string rest = args.value("devices"); !rest.empty();) {
        const auto comma = rest.find(',');
        devices.push_back(rest.substr(0, comma));
        rest = comma == std::string::npos ? std::string() : rest.substr(comma + 1);
    }
    for (const auto& d : devices)
        if (d != "cpu" && d.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError("--devices: expected GPU numbers or cpu, e.g. 0,1,2,3; got '" + d +
                             "'");
    if (devices.size() < 2)
        throw UsageError("--devices: give at least two devices (one needs no workers)");
    const fs::path out = args.value("out");
#ifdef MP_HAVE_STORE
    const fs::path storeFile =
        args.has("store") ? fs::path(args.value("store")) : store::ExperimentStore::defaultPath();
#else
    const fs::path storeFile;
#endif
    const fs::path shardsDir = out.string() + ".shards";
    const int n = static_cast<int>(devices.size());
    // The worker's command line: this one without --devices/--out/--store, with its shard's.
    std::vector<std::string> base;
    const auto& given = subcommandArgs();
    for (std::size_t i = 0; i < given.size(); ++i) {
        const std::string& a = given[i];
        const bool withValue = a == "--devices" || a == "--out" || a == "--store";
        if (withValue) {
            ++i;
            continue;
        }
        if (a.rfind("--devices=", 0) == 0 || a.rfind("--out=", 0) == 0 ||
            a.rfind("--store=", 0) == 0)
            continue;
        base.push_back(a);
    }
    std::vector<std::pair<int, pid_t>> workers;  // shard, process
    std::vector<std::string> shardDirs;
    for (int k = 0; k < n; ++k) {
        const std::string shardDir = (shardsDir / ("shard-" + std::to_string(k))).string();
        shardDirs.push_back(shardDir);
        if (fs::exists(fs::path(shardDir) / "results.json")) {
            std::printf("worker %d: shard %d/%d finished before; kept\n", k, k, n);
            continue;
        }
        // An unfinished shard folder is output only: its work resumes from the store (probe) or
        // from its work folder beside it (customize).
        mp::removeTree(shardDir);
        std::vector<std::string> argv{"motionprobe-cli", "bench", benchmark};
        argv.insert(argv.end(), base.begin(), base.end());
        argv.insert(argv.end(),
                    {"--shard", std::to_string(k) + "/" + std::to_string(n), "--out", shardDir});
        if (withStore)
            argv.insert(
                argv.end(),
                {"--store", (shardsDir / ("shard-" + std::to_string(k) + ".sqlite")).string()});
        if (devices[k] == "cpu")
            argv.insert(argv.end(), {"--device", "cpu"});
        fs::create_directories(shardsDir);
        // Each worker sees only its own GPU (as cuda:0). posix_spawn, not fork: this process
        // already runs LibTorch's threads.
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "CUDA_VISIBLE_DEVICES=", 21) != 0)
                env.emplace_back(*e);
        if (devices[k] != "cpu")
            env.push_back("CUDA_VISIBLE_DEVICES=" + devices[k]);
        std::vector<char*> cargv, cenv;
        for (auto& a : argv)
            cargv.push_back(a.data());
        cargv.push_back(nullptr);
        for (auto& e : env)
            cenv.push_back(e.data());
        cenv.push_back(nullptr);
        pid_t pid = 0;
        if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, cargv.data(), cenv.data()) != 0)
            throw EngineError(ErrorCode::Io, "--devices: cannot start a worker process");
        std::printf("worker %d: shard %d/%d on %s (pid %d)\n", k, k, n,
                    devices[k] == "cpu" ? "the CPU" : ("GPU " + devices[k]).c_str(), pid);
        std::fflush(stdout);
        workers.emplace_back(k, pid);
    }
    std::vector<std::string> failures;
    for (const auto& [k, pid] : workers) {
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures.push_back("shard " + std::to_string(k) + " (" +
                               (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                  : std::string("killed")) +
                               ")");
    }
    if (!failures.empty()) {
        std::string list;
        for (const auto& f : failures)
            list += (list.empty() ? "" : ", ") + f;
        throw EngineError(
            ErrorCode::Internal,
            "--devices: " + list + " failed; run the same command again to resume what is missing");
    }
    std::vector<std::string> mergeArgs;
    for (const auto& d : shardDirs)
        mergeArgs.insert(mergeArgs.end(), {"--from", d});
    mergeArgs.insert(mergeArgs.end(), {"--out", out.string()});
    if (withStore && !storeFile.empty())
        mergeArgs.insert(mergeArgs.end(), {"--store", storeFile.string()});
    std::string error;
    const auto parsed = parseArgs(benchMergeCommand().spec, mergeArgs, error);
    if (!parsed)
        throw EngineError(ErrorCode::Internal, "--devices: the merge's arguments: " + error);
    const int merged = runMerge(*parsed);
    if (merged == kExitOk)
        mp::removeTree(shardsDir);
    return merged;
}

OptionSpec devicesOptionSpec() {
    return {"devices", "LIST",
            "one worker process per device (GPU numbers, or cpu), each on its shard, then the "
            "merge: e.g. 0,1,2,3"};
}

void setSubcommandArgs(std::vector<std::string> args) {
    subcommandArgs() = std::move(args);
}

// `bench probe`: the probe over a dataset (sharded with --shard), as `probe --dataset`.
Command benchProbeCommand() {
    auto command = probeCommand();
    command.spec.name = "bench probe";
    command.spec.summary =
        "The probe over every video of a TGVE-layout dataset: per-video results, the mean "
        "heatmaps with 95% intervals, report.md and report.html; --shard i/N runs one shard "
        "(docs/benchmarks.md).";
    command.spec.options.push_back(devicesOptionSpec());
    const auto probe = command.run;
    command.run = [probe](const ParsedArgs& args) {
        if (!args.has("dataset"))
            throw UsageError(
                "--dataset is needed (a TGVE-layout folder, e.g. "
                "resources/examples/toy-tgve)");
        return args.has("devices") ? runBenchOnDevices(args, "probe") : probe(args);
    };
    return command;
}

Command benchMergeCommand() {
    CommandSpec spec{
        "bench merge",
        "Combines the run folders of `bench probe --shard i/N` into one run: the videos, the mean "
        "heatmaps and the report, as one unsharded run writes them (docs/benchmarks.md).",
        {},
        {
            {"from", "RUN_DIR", "a shard's run folder (repeat for every shard)", true, "", true},
            {"out", "RUN_DIR", "the merged run folder", true},
#ifdef MP_HAVE_STORE
            {"store", "FILE", "also copy the shards' probes into this experiment store"},
#endif
        },
        ""};
    return {std::move(spec), runMerge};
}

Command probeCommand() {
    std::vector<OptionSpec> options = {
        {"model", "DIR",
         "a ModelScope (TextToVideoSDPipeline), Latte (LattePipeline) or CogVideoX "
         "(CogVideoXPipeline) folder; default: the "
         "embedded toy world's model"},
        {"video", "V", "the reference video (file or frame folder)"},
        {"caption", "TEXT", "the video's caption c"},
        {"edit", "TEXT", "the edited caption c' (subject changed, motion kept)"},
        {"demo", "", "probe a shipped toy example (--example) with its caption and object edit"},
        {"example", "N", "which shipped example --demo takes (0-15)", false, "0"},
        {"out", "RUN_DIR", "the run folder: results.json, results.csv, videos/", true},
        {"steps", "K", "DDIM steps of the inversion and of every resampling", false, "50"},
        {"interval", "I", "grid interval over the 1000 training timesteps", false, "100"},
        {"frames", "F",
         "frames the model runs at, chosen evenly from the video (default: the model's own: "
         "ModelScope and Latte 16, CogVideoX 49, or for a shorter video the most up to its length "
         "that the model takes)"},
        {"only-end-zero", "", "only the pairs with τ_end = 0 (the trade-off curve)"},
        {"guidance", "G", "resampling guidance (default: the family's, ModelScope 9, Latte 7.5)"},
        {"inversion-guidance", "G", "inversion guidance (1: none)", false, "1"},
        {"negative", "TEXT", "negative prompt of the resampling (default: \"\")"},
        {"scorer", "DIR",
         "CLIPModel folder for the CLIP score change (default: the toy CLIP on the toy world)"},
        {"vae-tiling", "",
         "the VAE in spatial tiles where the family has them (CogVideoX, as diffusers' "
         "enable_tiling()): less GPU memory for large videos"},
        {"max-batch", "N",
         "runs through the model at once (auto: 4 on the CPU, 16 on CUDA; halved where a batch "
         "runs out of device memory)",
         false, "auto"},
        {"tensors", "", "also write each run's final latents and decoded video as safetensors"},
        {"dataset", "DIR",
         "probe every video of a TGVE-layout dataset (CSV and 480p_frames/) and write the mean "
         "heatmaps with 95% intervals"},
        {"edit-column", "NAME",
         "--dataset: the edit caption: style, object, background or multiple", false, "object"},
        {"limit", "N", "--dataset: only the first N videos (0: all)", false, "0"},
        {"shard", "i/N",
         "--dataset: only shard i of N (videos i, i + N, …); `bench merge` combines the shards"},
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
