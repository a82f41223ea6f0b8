// The probe: the grid, the plan (a tree of shared prefixes) and its execution, which must equal
// the naive per-pair loop.

#include "core/error.h"
#include "models/unet3d.h"
#include "pipelines/modelscope.h"
#include "probe/analysis.h"
#include "probe/figure.h"
#include "probe/plan.h"
#include "probe/probe.h"
#include "runtime/device.h"
#include "sampling/ddim.h"
#include "train/toy_t2v.h"

#include "golden_util.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <map>
#include <set>

using namespace mp;
using namespace mp::probe;
using mp::test::relMax;
using namespace Qt::StringLiterals;

namespace {

sampling::DdimScheduler modelScopeScheduler() {
    return sampling::DdimScheduler(sampling::SchedulerConfig::parse(
        R"({"_class_name":"DDIMScheduler","beta_schedule":"scaled_linear","beta_start":0.00085,
            "beta_end":0.012,"clip_sample":false,"set_alpha_to_one":false,"steps_offset":1})",
        "modelscope.json"));
}

// The path of conditions from the root to a node.
std::vector<int> pathTo(const ProbePlan& plan, int node) {
    std::vector<int> out;
    for (int n = node; n > 0; n = plan.nodes[static_cast<std::size_t>(n)].parent)
        out.insert(out.begin(), plan.nodes[static_cast<std::size_t>(n)].condition);
    return out;
}

// A tiny random UNet3D (the toy recipe's layout) with fixed random prompt embeddings.
struct TinyModel {
    sampling::DdimScheduler scheduler = modelScopeScheduler();
    models::UNet3DConditionModel unet{nullptr};
    std::map<std::string, at::Tensor> prompts;
    ProbeModel probe;

    TinyModel() {
        at::manual_seed(3);
        train::ToyT2vOptions o;
        o.channels = {16, 16};
        o.groups = 4;
        unet = models::UNet3DConditionModel(train::toyUNetConfig(o, 12));
        unet->eval();
        probe.scheduler = &scheduler;
        auto u = unet;
        probe.model = [u](const sampling::ModelInput& in) mutable {
            torch::NoGradGuard noGrad;
            return u->forward(in.latents, in.timesteps, in.context);
        };
        probe.encodePrompt = [this](const std::string& p, const std::optional<std::string>& n) {
            return sampling::Conditioning{embed(p), embed(n.value_or(""))};
        };
        probe.defaultGuidance = 3.0;
    }
    at::Tensor embed(const std::string& prompt) {
        auto& e = prompts[prompt];
        if (!e.defined())
            e = at::randn({1, 7, 12});
        return e;
    }
};

// A probe of random latents for TinyModel's shape: 10 steps, interval 250 (10 pairs, 63
// evaluations).
ProbeRequest smallRequest(std::uint64_t seed) {
    ProbeRequest r;
    at::manual_seed(static_cast<std::int64_t>(seed));
    r.latents = at::randn({1, 4, 4, 8, 8});
    r.caption = "a red circle moves up";
    r.edit = "a blue square moves up";
    r.steps = 10;
    r.grid.interval = 250;
    return r;
}

}  // namespace

class TstProbe : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void grid_data();
    void grid();
    void badGrid_data();
    void badGrid();
    void boundaryRule();
    void plan_data();
    void plan();
    void plannedEqualsNaive_data();
    void plannedEqualsNaive();
    void cancel();
    void outOfMemoryHalvesTheBatch();
    void resume();
    void referenceEquality();
    void frontier_data();
    void frontier();
    void suggestedTau_data();
    void suggestedTau();
    void heatmap();
};

void TstProbe::grid_data() {
    QTest::addColumn<int>("interval");
    QTest::addColumn<bool>("onlyEndZero");
    QTest::addColumn<int>("pairs");
    QTest::newRow("paper: interval 100") << 100 << false << 55;
    QTest::newRow("only τ_end = 0") << 100 << true << 10;
    QTest::newRow("interval 250") << 250 << false << 10;
    QTest::newRow("interval 1000") << 1000 << false << 1;
}

void TstProbe::grid() {
    QFETCH(int, interval);
    QFETCH(bool, onlyEndZero);
    QFETCH(int, pairs);
    GridOptions o;
    o.interval = interval;
    o.onlyEndZero = onlyEndZero;
    const auto g = gridPairs(o);
    QCOMPARE(int(g.size()), pairs);
    QCOMPARE(g.front(), (TauPair{1000, onlyEndZero ? 0 : 1000 - interval}));
    for (std::size_t i = 0; i < g.size(); ++i) {
        QVERIFY(g[i].start > g[i].end && g[i].end >= 0 && g[i].start <= 1000);
        QCOMPARE(g[i].start % interval, 0);
        QCOMPARE(g[i].end % interval, 0);
        if (onlyEndZero)
            QCOMPARE(g[i].end, 0);
        if (i > 0)  // start descending, then end descending, no repeats
            QVERIFY(g[i - 1].start > g[i].start ||
                    (g[i - 1].start == g[i].start && g[i - 1].end > g[i].end));
    }
}

void TstProbe::badGrid_data() {
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("start");
    QTest::addColumn<int>("end");
    QTest::newRow("interval not dividing 1000") << 300 << -1 << -1;
    QTest::newRow("interval 0") << 0 << -1 << -1;
    QTest::newRow("start = end") << 100 << 500 << 500;
    QTest::newRow("start past 1000") << 100 << 1100 << 0;
    QTest::newRow("negative end") << 100 << 500 << -100;
}

void TstProbe::badGrid() {
    QFETCH(int, interval);
    QFETCH(int, start);
    QFETCH(int, end);
    GridOptions o;
    o.interval = interval;
    if (start != -1 || end != -1)  // -1, -1: the grid itself
        o.pairs = {{start, end}};
    try {
        (void)gridPairs(o);
        QFAIL("accepted");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        QVERIFY2(std::string(e.what()).find("probe") != std::string::npos, e.what());
    }
}

// c' for τ_end ≤ t ≤ τ_start, closed on both ends, at the scheduler's own timesteps.
void TstProbe::boundaryRule() {
    const auto ts = modelScopeScheduler().timesteps(50);
    QCOMPARE(ts.front(), std::int64_t(981));
    QCOMPARE(ts.back(), std::int64_t(1));
    const auto c = stepConditions({600, 0}, ts);
    for (std::size_t i = 0; i < ts.size(); ++i)
        QCOMPARE(c[i], ts[i] <= 600 ? 1 : 0);
    QCOMPARE(std::count(c.begin(), c.end(), 1), 30l);  // 581, 561, …, 1
    const std::vector<std::int64_t> exact{800, 600, 400, 200, 0};
    QCOMPARE(stepConditions({600, 200}, exact), (std::vector<int>{0, 1, 1, 1, 0}));
    QCOMPARE(stepConditions({1000, 0}, exact), (std::vector<int>{1, 1, 1, 1, 1}));
}

void TstProbe::plan_data() {
    QTest::addColumn<int>("steps");
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("evaluations");
    QTest::addColumn<int>("naive");
    // 50 steps, interval 100: the trunk (50), the c' branches from each τ_start (275) and the c
    // tails from each τ_end > 0 (825) = 1,150 of 55 × 50.
    QTest::newRow("paper: 50 steps, interval 100") << 50 << 100 << 1150 << 2750;
    // The counts below were checked by enumerating every run's prefixes (in Python).
    QTest::newRow("25 steps, interval 100") << 25 << 100 << 590 << 1375;
    QTest::newRow("10 steps, interval 250") << 10 << 250 << 63 << 100;
    // Fewer steps than τ values: pairs with no timestep between their τs coincide, some with
    // the reconstruction.
    QTest::newRow("4 steps, interval 100") << 4 << 100 << 24 << 220;
}

void TstProbe::plan() {
    QFETCH(int, steps);
    QFETCH(int, interval);
    QFETCH(int, evaluations);
    QFETCH(int, naive);
    GridOptions o;
    o.interval = interval;
    const auto ts = modelScopeScheduler().timesteps(steps);
    const auto p = planProbe(ts, gridPairs(o));
    QCOMPARE(p.evaluations(), evaluations);
    QCOMPARE(p.naiveEvaluations(), naive);
    QVERIFY(p.evaluations() < p.naiveEvaluations());
    // Every run's leaf is reached by exactly its conditions; distinct sequences, distinct leaves.
    std::map<std::vector<int>, int> leafOf;
    for (const auto& run : p.runs) {
        QCOMPARE(int(run.conditions.size()), steps);
        QCOMPARE(pathTo(p, run.leaf), run.conditions);
        QCOMPARE(p.nodes[static_cast<std::size_t>(run.leaf)].depth, steps);
        auto [it, fresh] = leafOf.emplace(run.conditions, run.leaf);
        QCOMPARE(it->second, run.leaf);
    }
    QCOMPARE(p.runs[0].name(), std::string("reconstruction"));
    QCOMPARE(p.runs[1].name(), std::string("full-edit"));
    // No two nodes are the same prefix: the tree has one node per distinct prefix.
    std::set<std::vector<int>> prefixes;
    for (std::size_t n = 1; n < p.nodes.size(); ++n)
        QVERIFY(prefixes.insert(pathTo(p, static_cast<int>(n))).second);
    // Groups: the trunk first, every node once, parents before children.
    std::vector<int> seen(p.nodes.size(), 0);
    seen[0] = 1;
    QCOMPARE(int(p.groups.front().size()), steps);
    for (const auto& g : p.groups)
        for (const int n : g) {
            QVERIFY(seen[static_cast<std::size_t>(p.nodes[static_cast<std::size_t>(n)].parent)]);
            QCOMPARE(seen[static_cast<std::size_t>(n)]++, 0);
        }
    QCOMPARE(std::count(seen.begin(), seen.end(), 1), long(p.nodes.size()));
    // The trunk ends in the reconstruction, and in every run that uses c throughout.
    const auto trunkRuns = p.runsOfGroup(0);
    QCOMPARE(trunkRuns.front(), 0);
    for (const int r : trunkRuns)
        QCOMPARE(p.runs[static_cast<std::size_t>(r)].conditions, p.runs[0].conditions);
}

void TstProbe::plannedEqualsNaive_data() {
    QTest::addColumn<int>("maxBatch");
    QTest::addColumn<double>("guidance");
    QTest::newRow("batches of 3, guidance 3") << 3 << 3.0;
    QTest::newRow("one at a time, no guidance") << 1 << 1.0;
}

// Every run of the plan (shared prefixes, batches of branches) equals its own full resampling.
void TstProbe::plannedEqualsNaive() {
    QFETCH(int, maxBatch);
    QFETCH(double, guidance);
    TinyModel m;
    auto r = smallRequest(5);
    r.guidance = guidance;
    r.maxBatch = maxBatch;
    int callbacks = 0;
    std::set<int> delivered;
    auto result =
        runProbe(m.probe, r, {}, [&](const ProbePlan&, const std::vector<ProbeRunOutput>& runs) {
            ++callbacks;
            for (const auto& o : runs)
                QVERIFY(delivered.insert(o.run).second);
        });
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message().c_str());
    const auto& p = result.value().plan;
    QCOMPARE(p.evaluations(), 63);
    QCOMPARE(callbacks, int(p.groups.size()));
    QCOMPARE(int(delivered.size()), int(p.runs.size()));
    const auto c = m.probe.encodePrompt(r.caption, std::nullopt);
    const auto e = m.probe.encodePrompt(r.edit, std::nullopt);
    for (std::size_t i = 0; i < p.runs.size(); ++i) {
        const auto naive = resampleNaive(m.probe, result.value().invertedNoise, c, e,
                                         runSchedule(p.runs[i]), r.steps, guidance);
        const auto err = relMax(result.value().runs[i].latents, naive);
        QVERIFY2(err < 1e-5, (p.runs[i].name() + ": " + std::to_string(err)).c_str());
    }
    // The runs differ: the edit reached the latents.
    QVERIFY(relMax(result.value().runs[1].latents, result.value().runs[0].latents) > 1e-3);
}

// A cancel stops the probe within one step and comes back as cancelled, not failed.
void TstProbe::cancel() {
    TinyModel m;
    auto r = smallRequest(7);
    JobContext job;
    int after = 0;
    job.progress = [&](const ProgressEvent& e) {
        if (e.stage == "probe" && e.step > 0 && ++after == 1)
            job.cancel.cancel();
    };
    const auto result = runProbe(m.probe, r, job);
    QVERIFY(result.cancelled());
    QCOMPARE(after, 1);
}

// A batch that runs out of device memory goes again in halves, later batches no larger, and the
// results equal a probe run at that batch from the start (up to the rounding of other batch sizes
// before the first refusal); one run alone that does not fit fails.
void TstProbe::outOfMemoryHalvesTheBatch() {
    TinyModel m;
    auto r = smallRequest(9);
    r.guidance = 3.0;  // each run is two samples through the model
    const auto fits = m.probe.model;
    int refused = 0;
    auto limited = m.probe;
    limited.model = [&](const sampling::ModelInput& in) {
        if (in.latents.size(0) > 4) {  // more than 2 runs at once
            ++refused;
            throw EngineError(ErrorCode::OutOfMemory, "CUDA out of memory (test limit)");
        }
        return fits(in);
    };
    r.maxBatch = 8;
    const auto halved = runProbe(limited, r);
    QVERIFY2(halved.ok(), halved.ok() ? "" : halved.error().message().c_str());
    const int used = halved.value().batchUsed;
    QVERIFY2(used >= 1 && used <= 2, std::to_string(used).c_str());
    QVERIFY(refused >= 1);
    r.maxBatch = used;
    const auto direct = runProbe(m.probe, r);
    QVERIFY(direct.ok());
    QCOMPARE(direct.value().batchUsed, used);
    QCOMPARE(halved.value().runs.size(), direct.value().runs.size());
    for (std::size_t i = 0; i < direct.value().runs.size(); ++i) {
        const auto err = relMax(halved.value().runs[i].latents, direct.value().runs[i].latents);
        QVERIFY2(err < 1e-5, std::to_string(err).c_str());
    }

    limited.model = [](const sampling::ModelInput&) -> at::Tensor {
        throw EngineError(ErrorCode::OutOfMemory, "CUDA out of memory (test limit)");
    };
    const auto failed = runProbe(limited, r);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code(), ErrorCode::OutOfMemory);
}

// A probe stopped after two groups and run again with the same checkpoints computes only the
// groups it had not finished, and its results equal an uninterrupted run's.
void TstProbe::resume() {
    TinyModel m;
    auto r = smallRequest(9);
    const auto whole = runProbe(m.probe, r).value();

    std::map<std::string, at::Tensor> kept;
    r.checkpoints.load = [&](const std::string& name) -> std::optional<at::Tensor> {
        const auto it = kept.find(name);
        return it == kept.end() ? std::nullopt : std::optional(it->second.clone());
    };
    r.checkpoints.save = [&](const std::string& name, const at::Tensor& t) {
        kept[name] = t.clone();
    };
    JobContext job;
    int groups = 0;
    const auto first =
        runProbe(m.probe, r, job, [&](const ProbePlan&, const std::vector<ProbeRunOutput>&) {
            if (++groups == 2)
                job.cancel.cancel();
        });
    QVERIFY(first.cancelled());
    QVERIFY(kept.count("inverted") && kept.count("trunk"));

    const auto& plan = whole.plan;
    const auto doneRuns = plan.runsOfGroup(0).size() + plan.runsOfGroup(1).size();
    const auto doneNodes = plan.groups[0].size() + plan.groups[1].size();
    const auto again = runProbe(m.probe, r).value();
    QVERIFY(again.inversionResumed);
    QCOMPARE(again.runsResumed, int(doneRuns));
    QCOMPARE(again.evaluationsComputed, plan.evaluations() - int(doneNodes));
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
        QVERIFY2(relMax(again.runs[i].latents, whole.runs[i].latents) < 1e-6,
                 plan.runs[i].name().c_str());
    // Everything kept: nothing is computed.
    const auto third = runProbe(m.probe, r).value();
    QCOMPARE(third.evaluationsComputed, 0);
    QCOMPARE(third.runsResumed, int(plan.runs.size()));
}

// Our probe against the paper's procedure written naively with diffusers (tools/golden/probe.py):
// the same inversion and, per run, a full resampling with the prompt switched per step. Each stage
// is held to the fp32 bar from the same inputs: the prompt embeddings, x̂_T from x0, and every run
// resampled from diffusers' x̂_T. End to end the runs may differ by more: 10 guided steps of a
// random model amplify x̂_T's rounding (≈4e-6) about 60-fold, so end to end is held to what a
// nudge of that size does to our own reconstruction.
void TstProbe::referenceEquality() {
    const auto dir = std::filesystem::path(MP_TEST_DATA_DIR) / "golden" / "probe";
    if (!std::filesystem::exists(dir / "golden.safetensors"))
        QSKIP("tests/data/golden/probe is not generated yet (tools/golden/probe.py, GPU machine)");
    const auto golden = test::loadGolden(dir);
    const auto meta = test::goldenMetadata(dir);
    auto pipeline = pipelines::ModelScopePipeline::load(std::filesystem::path(MP_TEST_DATA_DIR) /
                                                            "golden" / "modelscope" / "pipeline",
                                                        resolveDevice("cpu", "fp32"))
                        .value();
    const auto model = probeModelOf(pipeline);
    ProbeRequest r;
    r.latents = golden.at("x0");
    r.caption = meta.at("caption");
    r.edit = meta.at("edit");
    r.steps = std::stoi(meta.at("steps"));
    r.guidance = std::stod(meta.at("guidance"));
    const auto runs = nlohmann::json::parse(meta.at("runs"));
    for (const auto& run : runs)
        if (!run["tau_start"].is_null())
            r.grid.pairs.push_back({run["tau_start"].get<int>(), run["tau_end"].get<int>()});

    const auto caption = pipeline.encodePrompt(r.caption, std::string());
    const auto edit = pipeline.encodePrompt(r.edit, std::string());
    for (const auto& [name, ours, theirs] :
         {std::tuple{"caption", caption.embeddings, golden.at("caption_embeds")},
          std::tuple{"edit", edit.embeddings, golden.at("edit_embeds")},
          std::tuple{"negative", caption.negativeEmbeddings, golden.at("negative_embeds")}}) {
        const auto err = relMax(ours, theirs);
        qInfo("%s embeddings: %.2e", name, err);
        QVERIFY2(err < 1e-4, name);
    }

    const auto result = runProbe(model, r).value();
    const auto inverted = relMax(result.invertedNoise, golden.at("inverted"));
    qInfo("x̂_T: %.2e", inverted);
    QVERIFY(inverted < 1e-4);

    auto fromTheirs = r;  // diffusers' x̂_T, handed in as a resumed inversion
    fromTheirs.checkpoints.load = [&](const std::string& name) -> std::optional<at::Tensor> {
        if (name == "inverted")
            return golden.at("inverted");
        return std::nullopt;
    };
    const auto resampled = runProbe(model, fromTheirs).value();
    QVERIFY(resampled.inversionResumed);

    const auto reconstruct = [&](const at::Tensor& x) {
        return resampleNaive(model, x, caption, caption, sampling::ConditionSchedule::constant(0),
                             r.steps, *r.guidance);
    };
    auto g = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto nudge = (golden.at("inverted") - result.invertedNoise).abs().max() *
                       at::randn(result.invertedNoise.sizes(), g);
    const auto sensitivity =
        relMax(reconstruct(result.invertedNoise + nudge), reconstruct(result.invertedNoise));
    qInfo("reconstruction moved by a nudge of x̂_T's size: %.2e", sensitivity);

    int compared = 0;
    for (std::size_t i = 0; i < result.plan.runs.size(); ++i) {
        const auto name = result.plan.runs[i].name();
        const auto it = golden.find(name + ".final_latents");
        if (it == golden.end())
            continue;
        const auto stage = relMax(resampled.runs[i].latents, it->second);
        const auto whole = relMax(result.runs[i].latents, it->second);
        qInfo("%s: from their x̂_T %.2e, end to end %.2e", name.c_str(), stage, whole);
        QVERIFY2(stage < 1e-4, name.c_str());
        QVERIFY2(whole < std::max(1e-4, sensitivity), name.c_str());
        ++compared;
    }
    QCOMPARE(compared, int(runs.size()));
}

using Curve = std::vector<CurvePoint>;
Q_DECLARE_METATYPE(Curve)

void TstProbe::frontier_data() {
    QTest::addColumn<Curve>("points");
    QTest::addColumn<std::vector<int>>("frontier");
    QTest::newRow("one point") << Curve{{100, 1, 1}} << std::vector<int>{0};
    QTest::newRow("one dominates") << Curve{{100, 1, 1}, {200, 2, 2}} << std::vector<int>{1};
    QTest::newRow("trade-off, by appearance")
        << Curve{{100, 3, 0.1}, {200, 1, 0.9}, {300, 2, 0.5}, {400, 1.5, 0.4}}
        << std::vector<int>{1, 2, 0};
    QTest::newRow("ties kept once dominated")
        << Curve{{100, 1, 1}, {200, 1, 1}, {300, 1, 0.5}} << std::vector<int>{0, 1};
}

void TstProbe::frontier() {
    QFETCH(Curve, points);
    QFETCH(std::vector<int>, frontier);
    QCOMPARE(paretoFrontier(points), frontier);
}

void TstProbe::suggestedTau_data() {
    QTest::addColumn<Curve>("points");
    QTest::addColumn<int>("tau");
    QTest::addColumn<QString>("rule");
    // Motion holds until τ_start 600, then falls while appearance rises: the knee is at 600.
    QTest::newRow("knee") << Curve{{1000, 1.0, 0.10},
                                   {800, 0.95, 0.50},
                                   {600, 0.9, 0.90},
                                   {400, 0.4, 0.95},
                                   {200, 0.1, 0.97}}
                          << 600 << u"knee"_s;
    QTest::newRow("two on the frontier: largest sum")
        << Curve{{1000, 1.0, 0.3}, {500, 0.2, 1.0}, {100, 0.1, 0.1}} << 1000 << u"largest sum"_s;
    // Every sum equal: the tie goes to the point that keeps the most motion.
    QTest::newRow("a straight frontier: largest sum")
        << Curve{{900, 1.0, 0.0}, {600, 0.5, 0.5}, {300, 0.0, 1.0}} << 300 << u"largest sum"_s;
}

void TstProbe::suggestedTau() {
    QFETCH(Curve, points);
    QFETCH(int, tau);
    QFETCH(QString, rule);
    const auto s = suggestTau(points);
    QVERIFY(s.has_value());
    QCOMPARE(s->tau, tau);
    QCOMPARE(QString::fromStdString(s->rule), rule);
    QVERIFY2(s->reasoning.find(std::to_string(tau)) != std::string::npos, s->reasoning.c_str());
    QVERIFY(!suggestTau({}).has_value());
    QVERIFY(!suggestTau({{100, std::nan(""), 1}}).has_value());
}

// A heatmap cell per pair, coloured by value between the extremes, with the exact value in its
// tooltip; the SVG escapes text.
void TstProbe::heatmap() {
    const std::vector<TauPair> pairs{{1000, 0}, {1000, 500}, {500, 0}};
    const std::vector<std::optional<double>> values{0.25, -1.5, std::nullopt};
    const auto f = heatmapFigure(pairs, values, "A & B", "metric");
    std::vector<const Figure::Rect*> cells;
    for (const auto& r : f.rects)
        if (!r.tooltip.empty())
            cells.push_back(&r);
    QCOMPARE(cells.size(), std::size_t{3});
    const auto same = [](Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; };
    QVERIFY(same(cells[0]->fill, viridis(1)));  // the largest value
    QVERIFY(same(cells[1]->fill, viridis(0)));  // the smallest
    QVERIFY(cells[0]->tooltip.find("τ_start 1000, τ_end 0: metric 0.25") != std::string::npos);
    QVERIFY(cells[2]->tooltip.find("—") != std::string::npos);  // no value
    // Rows from τ_start 1000 down, columns from τ_end 0 across.
    QVERIFY(cells[0]->y < cells[2]->y);
    QCOMPARE(cells[0]->x, cells[2]->x);
    QVERIFY(cells[1]->x > cells[0]->x);
    const auto svg = toSvg(f);
    QVERIFY(svg.find("A &amp; B") != std::string::npos);
    QVERIFY(svg.find("<title>τ_start 1000, τ_end 500: metric -1.5</title>") != std::string::npos);
    // With intervals: "±h" under the value, the interval in the tooltip.
    const auto withCi = heatmapFigure(pairs, values, "A", "m", {0.05, std::nullopt, std::nullopt});
    bool plusMinus = false;
    for (const auto& t : withCi.texts)
        plusMinus = plusMinus || t.text == "±0.05";
    QVERIFY(plusMinus);
    QVERIFY(toSvg(withCi).find("(95% interval 0.2 … 0.3)") != std::string::npos);
    // Error bars on the trade-off curve where points carry intervals.
    const auto curve =
        tradeOffFigure({{1000, 1, 0.5, 0.1, 0.2}, {500, 0.5, 0.9}}, std::nullopt, "t", "a", "m");
    const auto curveNoCi =
        tradeOffFigure({{1000, 1, 0.5}, {500, 0.5, 0.9}}, std::nullopt, "t", "a", "m");
    const auto bars = [&](const Figure& fig) {  // grey lines: the error bars (grid lines are light)
        return std::count_if(fig.lines.begin(), fig.lines.end(), [&](const Figure::Line& l) {
            return same(l.colour, Rgb{150, 150, 150});
        });
    };
    QCOMPARE(bars(curve), 2l);
    QCOMPARE(bars(curveNoCi), 0l);
    QVERIFY(same(viridis(0), Rgb{0x44, 0x01, 0x54}));
    QVERIFY(same(viridis(1), Rgb{0xFD, 0xE7, 0x25}));
}

QTEST_APPLESS_MAIN(TstProbe)
#include "tst_probe.moc"
