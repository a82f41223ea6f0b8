// The denoise loop: inversion → resampling with an analytic predictor, condition and adapter
// schedules at their boundaries, guidance, slices that must equal one full run, determinism,
// cancellation, and trajectory files.

#include "core/error.h"
#include "io/safetensors.h"
#include "io/tensor_io.h"
#include "sampling/denoise.h"

#include "golden_util.h"

#include <ATen/ATen.h>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <map>

using namespace mp;
using namespace mp::sampling;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;

namespace {

SchedulerConfig modelScopeConfig() {
    return SchedulerConfig::parse(
        R"({"_class_name":"DDIMScheduler","beta_schedule":"scaled_linear","beta_start":0.00085,
            "beta_end":0.012,"clip_sample":false,"set_alpha_to_one":false,"steps_offset":1})",
        "modelscope.json");
}

SchedulerConfig cogVideoXConfig() {
    return SchedulerConfig::parse(
        R"({"_class_name":"CogVideoXDDIMScheduler","prediction_type":"v_prediction",
            "rescale_betas_zero_snr":true,"clip_sample":false,"set_alpha_to_one":true,
            "snr_shift_scale":3.0,"timestep_spacing":"trailing"})",
        "cogvideox.json");
}

// The exact posterior-mean predictor for data x0 ~ N(μ, σ²) (independent elements):
// with x_t = √ᾱ·x0 + √(1−ᾱ)·ε, E[ε | x_t] = √(1−ᾱ)/(ᾱσ² + 1 − ᾱ)·(x_t − √ᾱ·μ) and
// E[x0 | x_t] = μ + √ᾱ·σ²/(ᾱσ² + 1 − ᾱ)·(x_t − √ᾱ·μ).
ModelFn gaussianModel(const DdimScheduler& s, at::Tensor mu, at::Tensor sigma) {
    return [&s, mu, sigma](const ModelInput& in) {
        const double a = s.alphaCumprodAt(in.timestep);
        auto var = sigma * sigma * a + (1.0 - a);
        auto centered = in.latents - mu * std::sqrt(a);
        auto eps = centered * (std::sqrt(1.0 - a) / var);
        auto x0 = mu + centered * (sigma * sigma * std::sqrt(a) / var);
        switch (s.config().predictionType) {
            case PredictionType::Epsilon:
                return eps;
            case PredictionType::VPrediction:
                return eps * std::sqrt(a) - x0 * std::sqrt(1.0 - a);
            case PredictionType::Sample:
                return x0;
        }
        return eps;
    };
}

Conditioning condition(double value, double negative = 0.0) {
    return {at::full({1, 2, 3}, value), at::full({1, 2, 3}, negative)};
}

// Records what each call saw; predicts ε = 0.01·(condition value) so that outputs depend on it.
struct Recorder {
    std::vector<std::int64_t> timesteps;
    std::vector<std::vector<double>> contextValues;  // per call: first element of each item
    std::vector<double> adapterScales;
    ModelFn fn() {
        return [this](const ModelInput& in) {
            timesteps.push_back(in.timestep);
            adapterScales.push_back(in.adapterScale);
            std::vector<double> values;
            for (std::int64_t b = 0; b < in.context.size(0); ++b)
                values.push_back(in.context[b][0][0].item<double>());
            contextValues.push_back(values);
            std::vector<std::int64_t> shape(std::size_t(in.latents.dim()), 1);
            shape[0] = -1;
            auto perItem = in.context.select(1, 0).select(1, 0).reshape(shape);
            return at::zeros_like(in.latents) + perItem * 0.01 + in.adapterScale * 0.001;
        };
    }
};

}  // namespace

class TstDenoise : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    // Inversion then resampling reconstructs the input; the error shrinks with more steps.
    void inversionReconstructs_data() {
        QTest::addColumn<int>("family");  // 0 ModelScope (ε), 1 CogVideoX (v)
        QTest::addColumn<double>("tolerance50");
        QTest::newRow("modelscope-eps") << 0 << 5e-2;
        QTest::newRow("cogvideox-v") << 1 << 1.5e-1;
    }
    void inversionReconstructs() {
        QFETCH(int, family);
        QFETCH(double, tolerance50);
        const DdimScheduler s(family == 0 ? modelScopeConfig() : cogVideoXConfig());
        at::manual_seed(7);
        auto mu = at::randn({1, 4, 2, 8, 8}) * 0.5;
        auto sigma = at::rand({1, 4, 2, 8, 8}) * 0.5 + 0.25;
        auto x0 = mu + sigma * at::randn({1, 4, 2, 8, 8});
        const auto model = gaussianModel(s, mu, sigma);
        std::map<int, double> errors;
        for (int steps : {10, 50, 200}) {
            InversionRequest req;
            req.latents = x0;
            req.condition = condition(1.0);
            req.numSteps = steps;
            auto r = invert(s, model, req);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
            const auto& traj = r.value().trajectory;
            QCOMPARE(int(traj.latents.size()), steps + 1);
            QCOMPARE(traj.levels.front(), kCleanLevel);
            QCOMPARE(traj.levels.back(), s.inverseTimesteps(steps).back());
            const double err = r.value().reconstructionError->relativeL2;
            qInfo("%d steps: invert → resample relative L2 error %.2e", steps, err);

            errors[steps] = err;
        }
        // First-order scheme: 4× the steps, about a quarter of the error.
        QVERIFY2(errors[50] < tolerance50, qPrintable(QString::number(errors[50])));
        QVERIFY(errors[10] > errors[50]);
        QVERIFY2(errors[200] < errors[50] / 3, qPrintable(QString::number(errors[200])));
    }

    // With the exact predictor, sampling from noise approaches the data distribution. DDIM
    // shrinks the variance at every finite step count (Cauchy–Schwarz on its linear update), so
    // the spread converges from below as the step count grows; the mean is right at any count.
    void samplingMatchesDataDistribution() {
        const DdimScheduler s(cogVideoXConfig());  // zero terminal SNR: x_T is pure noise
        auto mu = at::full({1, 1, 1, 1}, 0.7);
        auto sigma = at::full({1, 1, 1, 1}, 0.3);
        DenoiseRequest req;
        // Each step is affine in x for this model, so standardising the start noise makes the
        // output's mean and spread exact functions of the schedule (no sampling error).
        auto noise = at::randn({8192, 1, 1, 1}, at::TensorOptions().dtype(at::kDouble));
        req.latents = ((noise - noise.mean()) / noise.std()).to(at::kFloat);
        req.conditions = {condition(1.0)};
        double previousGap = 1.0;
        for (int n : {50, 200, 1000}) {
            req.numSteps = n;
            auto r = denoise(s, gaussianModel(s, mu, sigma), req);
            QVERIFY(r.ok());
            const double mean = r.value().latents.mean().item<double>();
            const double gap = 0.3 - r.value().latents.std().item<double>();
            qInfo("%4d steps: mean %.4f (0.7), std %.4f (0.3)", n, mean, 0.3 - gap);
            QVERIFY2(std::abs(mean - 0.7) < 2e-3, qPrintable(QString::number(mean)));
            QVERIFY(gap > 0 && gap < previousGap);
            previousGap = gap;
        }
        QVERIFY2(previousGap < 0.01, qPrintable(QString::number(previousGap)));
    }

    // c' for τ_end ≤ t ≤ τ_start (closed), c elsewhere; the step's own timestep decides.
    void conditionWindowBoundaries_data() {
        QTest::addColumn<double>("tauStart");
        QTest::addColumn<double>("tauEnd");
        QTest::newRow("600-0") << 600.0 << 0.0;
        QTest::newRow("581-0-on-a-step") << 581.0 << 0.0;
        QTest::newRow("1000-400") << 1000.0 << 400.0;
        QTest::newRow("521-521-one-step") << 521.0 << 521.0;
        QTest::newRow("1000-0-everywhere") << 1000.0 << 0.0;
        QTest::newRow("10-5-nowhere") << 10.0 << 5.0;
    }
    void conditionWindowBoundaries() {
        QFETCH(double, tauStart);
        QFETCH(double, tauEnd);
        const DdimScheduler s(modelScopeConfig());
        Recorder rec;
        DenoiseRequest req;
        req.latents = at::zeros({1, 4, 1, 2, 2});
        req.conditions = {condition(1.0), condition(2.0)};
        req.conditionSchedule = ConditionSchedule::window(1, 0, tauStart, tauEnd);
        QVERIFY(denoise(s, rec.fn(), req).ok());
        QCOMPARE(int(rec.timesteps.size()), 50);
        for (std::size_t i = 0; i < rec.timesteps.size(); ++i) {
            const auto t = double(rec.timesteps[i]);
            const double expected = (t >= tauEnd && t <= tauStart) ? 2.0 : 1.0;
            QCOMPARE(rec.contextValues[i][0], expected);
        }
    }

    void conditionWindowRejectsReversedRange() {
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)ConditionSchedule::window(1, 0, 100, 600));
        try {
            (void)ConditionSchedule::window(1, 0, 100, 600);
        } catch (const EngineError& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(u"τ_end <= τ_start"));
        }
    }

    void perItemConditionSchedules() {
        const DdimScheduler s(modelScopeConfig());
        Recorder rec;
        DenoiseRequest req;
        req.latents = at::zeros({3, 4, 1, 2, 2});
        req.conditions = {condition(1.0), condition(2.0)};
        req.itemConditionSchedules = {ConditionSchedule::constant(0),
                                      ConditionSchedule::window(1, 0, 600, 0),
                                      ConditionSchedule::constant(1)};
        auto r = denoise(s, rec.fn(), req);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        for (std::size_t i = 0; i < rec.timesteps.size(); ++i) {
            QCOMPARE(rec.contextValues[i][0], 1.0);
            QCOMPARE(rec.contextValues[i][1], rec.timesteps[i] <= 600 ? 2.0 : 1.0);
            QCOMPARE(rec.contextValues[i][2], 2.0);
        }
        // Batched branches equal the same branches run one by one.
        for (int b = 0; b < 3; ++b) {
            Recorder single;
            DenoiseRequest one = req;
            one.latents = req.latents.slice(0, b, b + 1);
            one.itemConditionSchedules.clear();
            one.conditionSchedule = req.itemConditionSchedules[size_t(b)];
            auto r1 = denoise(s, single.fn(), one);
            QVERIFY(r1.ok());
            QVERIFY(at::equal(r1.value().latents, r.value().latents.slice(0, b, b + 1)));
        }
    }

    // Conditions of different lengths (Latte cuts each caption to its tokens): a step whose items
    // use both gets them zero-padded to the longer with a mask of the real tokens, negatives first
    // under guidance; a step whose items share one length gets no mask.
    void conditionsOfDifferentLengths() {
        const DdimScheduler s(modelScopeConfig());
        DenoiseRequest req;
        req.numSteps = 10;
        req.latents = at::zeros({2, 4, 1, 2, 2});
        req.conditions = {{at::full({1, 2, 3}, 1.0), at::full({1, 2, 3}, -1.0)},
                          {at::full({1, 5, 3}, 2.0), at::full({1, 5, 3}, -2.0)}};
        req.itemConditionSchedules = {ConditionSchedule::constant(0),
                                      ConditionSchedule::window(1, 0, 600, 0)};
        req.guidance.scale = 3.0;
        int masked = 0, plain = 0;
        QString problem;
        ModelFn model = [&](const ModelInput& in) {
            const bool mixed = in.timestep <= 600;
            const auto L = in.context.size(1);
            if (!mixed) {
                ++plain;
                if (in.contextMask.defined() || L != 2)
                    problem = u"a step with one length got a mask or padding"_s;
                return at::zeros_like(in.latents);
            }
            ++masked;
            // [negative c, negative c', c, c'] with c padded from 2 to 5 tokens.
            const auto expectedMask = at::tensor({1, 1, 0, 0, 0, 1, 1, 1, 1, 1}, at::kLong)
                                          .to(at::kBool)
                                          .view({1, 2, 5})
                                          .repeat({2, 1, 1})
                                          .view({4, 5});
            if (L != 5 || !in.contextMask.defined() || !at::equal(in.contextMask, expectedMask))
                problem = u"wrong mask"_s;
            const auto firstValues = in.context.select(2, 0).select(1, 0);
            if (!at::equal(firstValues, at::tensor({-1.0f, -2.0f, 1.0f, 2.0f})))
                problem = u"wrong order of items"_s;
            if (in.context[0].narrow(0, 2, 3).abs().sum().item<double>() != 0 ||
                in.context[2].narrow(0, 2, 3).abs().sum().item<double>() != 0)
                problem = u"padding is not zero"_s;
            return at::zeros_like(in.latents);
        };
        auto r = denoise(s, model, req);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(masked > 0 && plain > 0);
    }

    void adapterScheduleBoundary_data() {
        QTest::addColumn<double>("tau");
        QTest::newRow("700") << 700.0;
        QTest::newRow("701-on-a-step") << 701.0;
        QTest::newRow("0-everywhere") << 0.0;
        QTest::newRow("1000-nowhere") << 1000.0;
    }
    void adapterScheduleBoundary() {
        QFETCH(double, tau);
        const DdimScheduler s(modelScopeConfig());
        Recorder rec;
        DenoiseRequest req;
        req.latents = at::zeros({1, 4, 1, 2, 2});
        req.conditions = {condition(1.0)};
        req.adapterSchedule = AdapterSchedule::from(tau);
        QVERIFY(denoise(s, rec.fn(), req).ok());
        for (std::size_t i = 0; i < rec.timesteps.size(); ++i)
            QCOMPARE(rec.adapterScales[i], double(rec.timesteps[i]) >= tau ? 1.0 : 0.0);
    }

    void guidanceCombinesPredictions_data() {
        QTest::addColumn<bool>("dynamic");
        QTest::newRow("static") << false;
        QTest::newRow("dynamic") << true;
    }
    void guidanceCombinesPredictions() {
        QFETCH(bool, dynamic);
        const DdimScheduler s(modelScopeConfig());
        const Guidance g{7.5, dynamic};
        Recorder rec;
        DenoiseRequest req;
        req.latents = at::zeros({2, 4, 1, 2, 2});
        req.conditions = {condition(3.0, -1.0)};
        req.guidance = g;
        req.stepCount = 1;
        auto r = denoise(s, rec.fn(), req);
        QVERIFY(r.ok());
        // The model saw [uncond; cond] = 2B items, negatives first.
        QCOMPARE(rec.contextValues[0], (std::vector<double>{-1.0, -1.0, 3.0, 3.0}));
        // ε = u + g(c − u) with u = −0.01, c = 0.03; the step from zeros gives x0 = −ε·√(1−ᾱ)/√ᾱ.
        const double scale = g.scaleAt(981, 50);
        const double eps = -0.01 + scale * (0.03 - (-0.01));
        const double a = s.alphaCumprodAt(981);
        const double expectedX0 = -eps * std::sqrt(1 - a) / std::sqrt(a);
        const double got = r.value().predictedX0[0][0][0][0][0].item<double>();
        QVERIFY2(std::abs(got - expectedX0) < 1e-4 * std::abs(expectedX0),
                 qPrintable(QString::number(got) + u" vs "_s + QString::number(expectedX0)));
    }

    void guidanceNeedsNegative() {
        const DdimScheduler s(modelScopeConfig());
        Recorder rec;
        DenoiseRequest req;
        req.latents = at::zeros({1, 4, 1, 2, 2});
        req.conditions = {Conditioning{at::ones({1, 2, 3}), {}}};
        req.guidance = Guidance{9.0, false};
        auto r = denoise(s, rec.fn(), req);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code(), ErrorCode::InvalidArgument);
        QVERIFY(QString::fromUtf8(r.error().what()).contains(u"needs negative"));
        QVERIFY(rec.timesteps.empty());
    }

    // The probe restarts from shared prefixes: two slices must equal one run bit for bit.
    void slicesEqualOneRun_data() {
        QTest::addColumn<int>("direction");
        QTest::addColumn<double>("eta");
        QTest::newRow("forward") << 0 << 0.0;
        QTest::newRow("forward-eta") << 0 << 0.5;
        QTest::newRow("inverse") << 1 << 0.0;
    }
    void slicesEqualOneRun() {
        QFETCH(int, direction);
        QFETCH(double, eta);
        const DdimScheduler s(modelScopeConfig());
        auto mu = at::zeros({1, 4, 1, 4, 4});
        auto sigma = at::ones({1, 4, 1, 4, 4}) * 0.5;
        const auto model = gaussianModel(s, mu, sigma);
        DenoiseRequest full;
        full.direction = direction == 0 ? Direction::Forward : Direction::Inverse;
        full.latents = at::randn({1, 4, 1, 4, 4});
        full.conditions = {condition(1.0)};
        full.recordTrajectory = true;
        full.eta = eta;
        full.seed = 7;
        auto whole = denoise(s, model, full);
        QVERIFY(whole.ok());
        DenoiseRequest head = full, tail = full;
        head.stepCount = 20;
        auto a = denoise(s, model, head);
        QVERIFY(a.ok());
        const auto headEnd = a.value().trajectory.levels.back();
        // A head slice replays the run's first steps exactly, η noise included: each run seeds
        // its own generator, so the first 20 draws are the same.
        QVERIFY(at::equal(whole.value().trajectory.atLevel(headEnd), a.value().latents));
        if (eta > 0) {
            // The η noise was really drawn: the η run leaves the deterministic one.
            DenoiseRequest deterministic = full;
            deterministic.eta = 0;
            auto d = denoise(s, model, deterministic);
            QVERIFY(d.ok());
            QVERIFY(test::relMax(whole.value().latents, d.value().latents) > 1e-3);
            // A tail slice seeds a fresh generator, so it is not the whole run's continuation;
            // the probe branches only deterministic (η = 0) runs.
            return;
        }
        tail.firstStep = 20;
        tail.latents = a.value().latents;
        auto b = denoise(s, model, tail);
        QVERIFY(b.ok());
        QVERIFY(at::equal(b.value().latents, whole.value().latents));
        // The tail starts at the level the head ended at, and the trajectory agrees.
        QCOMPARE(b.value().trajectory.levels.front(), a.value().trajectory.levels.back());
        const auto level = a.value().trajectory.levels.back();
        QVERIFY(at::equal(whole.value().trajectory.atLevel(level), a.value().latents));
        QCOMPARE(startLevel(s, full.direction, 50, 20), level);
    }

    void seededAndDeterministic() {
        const DdimScheduler s(modelScopeConfig());
        auto mu = at::zeros({1, 4, 1, 4, 4});
        auto sigma = at::ones({1, 4, 1, 4, 4});
        const auto model = gaussianModel(s, mu, sigma);
        DenoiseRequest req;
        req.latents = at::randn({1, 4, 1, 4, 4});
        req.conditions = {condition(1.0)};
        req.eta = 1.0;
        req.seed = 42;
        auto a = denoise(s, model, req);
        auto b = denoise(s, model, req);
        req.seed = 43;
        auto c = denoise(s, model, req);
        QVERIFY(a.ok() && b.ok() && c.ok());
        QVERIFY(at::equal(a.value().latents, b.value().latents));
        QVERIFY(!at::equal(a.value().latents, c.value().latents));
        req.eta = 0.0;
        auto d = denoise(s, model, req);
        QVERIFY(!at::equal(a.value().latents, d.value().latents));  // η really adds noise
    }

    void cancelReturnsCancelledAndWritesNothing() {
        const DdimScheduler s(modelScopeConfig());
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "cancel";
        fs::create_directories(dir);
        const fs::path out = dir / "trajectory.safetensors";
        fs::remove(out);
        JobContext ctx;
        int seen = 0;
        ctx.progress = [&](const ProgressEvent& e) {
            seen = e.step;
            if (e.step == 10)
                ctx.cancel.cancel();
        };
        auto mu = at::zeros({1, 4, 1, 4, 4});
        const auto model = gaussianModel(s, mu, at::ones_like(mu));
        InversionRequest req;
        req.latents = at::randn({1, 4, 1, 4, 4});
        req.condition = condition(1.0);
        req.saveTrajectory = out;
        auto r = invert(s, model, req, ctx);
        QVERIFY(!r.ok());
        QVERIFY(r.cancelled());
        QCOMPARE(seen, 10);
        QVERIFY(!fs::exists(out));
        for (const auto& e : fs::directory_iterator(dir))
            QFAIL(qPrintable(u"left behind: "_s + QString::fromStdString(e.path().string())));
    }

    void previewsAtTheirCadence() {
        const DdimScheduler s(modelScopeConfig());
        Recorder rec;
        JobContext ctx;
        ctx.previewEvery = 20;
        std::vector<int> previews;
        ctx.preview = [&](int step, const at::Tensor& latents) {
            previews.push_back(step);
            QCOMPARE(latents.size(0), 1);
        };
        DenoiseRequest req;
        req.latents = at::zeros({1, 4, 1, 2, 2});
        req.conditions = {condition(1.0)};
        QVERIFY(denoise(s, rec.fn(), req, ctx).ok());
        QCOMPARE(previews, (std::vector<int>{20, 40, 50}));
    }

    void trajectoryRoundTrip() {
        const DdimScheduler s(cogVideoXConfig());
        auto mu = at::zeros({1, 2, 4, 3, 3});
        const auto model = gaussianModel(s, mu, at::ones_like(mu));
        const fs::path path = fs::path(MP_TEST_OUTPUT_DIR) / "traj.safetensors";
        InversionRequest req;
        req.latents = at::randn({1, 2, 4, 3, 3});
        req.condition = condition(1.0);
        req.numSteps = 10;
        req.saveTrajectory = path;
        auto r = invert(s, model, req);
        QVERIFY(r.ok());
        const auto loaded = Trajectory::load(path);
        const auto& orig = r.value().trajectory;
        QCOMPARE(loaded.direction, Direction::Inverse);
        QCOMPARE(loaded.numSteps, 10);
        QCOMPARE(loaded.levels, orig.levels);
        for (std::size_t i = 0; i < orig.latents.size(); ++i)
            QVERIFY(at::equal(loaded.latents[i], orig.latents[i]));
        QVERIFY(QString::fromStdString(loaded.info.at("reconstruction_error"))
                    .contains(u"relative L2"));
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)loaded.atLevel(500));
    }

    void trajectoryRejectsMalformedFiles_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("no-kind") << "no-kind"
                                 << "metadata field 'motionprobe.kind' is missing";
        QTest::newRow("bad-direction") << "bad-direction"
                                       << "must be forward or inverse";
        QTest::newRow("unordered") << "unordered"
                                   << "must be strictly decreasing";
        QTest::newRow("count") << "count"
                               << "has 2 tensors but 3 levels";
        QTest::newRow("shape") << "shape"
                               << "has a different shape from latents.000";
        QTest::newRow("steps") << "steps"
                               << "'motionprobe.num_inference_steps' must be a positive integer";
    }
    void trajectoryRejectsMalformedFiles() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        std::map<std::string, std::string> meta{{"motionprobe.kind", "motionprobe.trajectory"},
                                                {"motionprobe.direction", "forward"},
                                                {"motionprobe.num_inference_steps", "50"},
                                                {"motionprobe.levels", "[981, 961]"},
                                                {"motionprobe.info", "{}"}};
        NamedTensors tensors{{"latents.000", at::zeros({1, 2})}, {"latents.001", at::ones({1, 2})}};
        if (what == u"no-kind")
            meta.erase("motionprobe.kind");
        if (what == u"bad-direction")
            meta["motionprobe.direction"] = "sideways";
        if (what == u"unordered")
            meta["motionprobe.levels"] = "[961, 981]";
        if (what == u"count")
            meta["motionprobe.levels"] = "[981, 961, 941]";
        if (what == u"shape")
            tensors[1].second = at::ones({2, 2});
        if (what == u"steps")
            meta["motionprobe.num_inference_steps"] = "fifty";
        const fs::path path =
            fs::path(MP_TEST_OUTPUT_DIR) / ("bad-" + what.toStdString() + ".safetensors");
        saveTensorFile(path, tensors, meta);
        try {
            (void)Trajectory::load(path);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Format);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(
                         QString::fromStdString(path.filename().string())),
                     e.what());
        }
    }

    void rejectsBadRequests_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("no-conditions") << "no-conditions"
                                       << "no conditions given";
        QTest::newRow("index") << "index"
                               << "uses condition 1 but only 1 were given";
        QTest::newRow("batch") << "batch"
                               << "embeddings batch 2 must be 1 or the latents' batch 3";
        QTest::newRow("slice") << "slice"
                               << "runs past the 50-step schedule";
        QTest::newRow("inverse-eta") << "inverse-eta"
                                     << "inversion is deterministic";
        QTest::newRow("model-shape") << "model-shape"
                                     << "the model returned [3, 4]";
        QTest::newRow("channels")
            << "channels"
            << "all conditions must have the same number of channels, 3 and 4";
    }
    void rejectsBadRequests() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        const DdimScheduler s(modelScopeConfig());
        DenoiseRequest req;
        req.latents = at::zeros({3, 4, 1, 2, 2});
        req.conditions = {condition(1.0)};
        ModelFn model = [](const ModelInput& in) { return at::zeros_like(in.latents); };
        if (what == u"no-conditions")
            req.conditions.clear();
        if (what == u"index")
            req.conditionSchedule = ConditionSchedule::window(1, 0, 600, 0);
        if (what == u"batch")
            req.conditions = {Conditioning{at::ones({2, 2, 3}), {}}};
        if (what == u"slice") {
            req.firstStep = 40;
            req.stepCount = 20;
        }
        if (what == u"inverse-eta") {
            req.direction = Direction::Inverse;
            req.eta = 0.5;
        }
        if (what == u"model-shape")
            model = [](const ModelInput&) { return at::zeros({3, 4}); };
        if (what == u"channels")
            req.conditions = {condition(1.0),
                              Conditioning{at::ones({1, 2, 4}), at::ones({1, 2, 4})}};
        auto r = denoise(s, model, req);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromUtf8(r.error().what()).contains(message), r.error().what());
    }
};

QTEST_APPLESS_MAIN(TstDenoise)
#include "tst_denoise.moc"
