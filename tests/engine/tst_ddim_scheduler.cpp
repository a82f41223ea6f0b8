// DDIM schedulers: config reading, ᾱ tables, timesteps, forward and inverse steps against golden
// tensors from diffusers (tools/golden/schedulers.py), and properties that need no reference.
//
// Tolerances: ᾱ tables |ours − diffusers| ≤ 1e-6·|diffusers| + 1e-12 per entry; timesteps exact;
// step outputs max|ours − diffusers| / max|diffusers| ≤ 1e-5.

#include "core/error.h"
#include "io/tensor_io.h"
#include "sampling/ddim.h"
#include "sampling/schedules.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

using namespace mp;
using namespace mp::sampling;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "schedulers";

struct Golden {
    nlohmann::json config;
    std::map<std::string, at::Tensor> tensors;
    nlohmann::json steps;
    std::vector<int> stepCounts;
};

Golden readGolden(const std::string& name) {
    Golden g;
    std::ifstream in(kGolden / name / "scheduler_config.json");
    g.config = nlohmann::json::parse(in);
    for (auto& [k, v] : loadTensorFile(kGolden / name / "golden.safetensors"))
        g.tensors[k] = v;
    const auto meta = loadTensorFileMetadata(kGolden / name / "golden.safetensors");
    g.steps = nlohmann::json::parse(meta.at("steps"));
    g.stepCounts = nlohmann::json::parse(meta.at("step_counts")).get<std::vector<int>>();
    return g;
}

// Missing or unreadable golden files fail the test function instead of escaping it.
#define LOAD_GOLDEN(var, name)                                               \
    Golden var;                                                              \
    try {                                                                    \
        var = readGolden(name);                                              \
    } catch (const std::exception& e) {                                      \
        QFAIL(qPrintable(u"golden data: "_s + QString::fromUtf8(e.what()))); \
    }

DdimScheduler schedulerFor(const nlohmann::json& config, const nlohmann::json& overrides = {}) {
    auto patched = config;
    if (overrides.is_object())
        for (const auto& [k, v] : overrides.items())
            patched[k] = v;
    return DdimScheduler(SchedulerConfig::parse(patched.dump(), "scheduler_config.json"));
}

// max|a − e| / max|e| over finite entries. Non-finite entries (ε prediction at ᾱ = 0 divides by
// zero, in diffusers as here) must be non-finite in both, with the same value; otherwise +inf.
double relMax(const at::Tensor& actual, const at::Tensor& expected) {
    auto a = actual.to(at::kDouble), e = expected.to(at::kDouble);
    auto finite = at::isfinite(e);
    if (!at::equal(finite, at::isfinite(a)))
        return std::numeric_limits<double>::infinity();
    auto nonFiniteSame = at::where(finite, at::ones_like(a, at::kBool),
                                   at::isnan(a).logical_and(at::isnan(e)).logical_or(a == e));
    if (!nonFiniteSame.all().item<bool>())
        return std::numeric_limits<double>::infinity();
    if (!finite.any().item<bool>())
        return 0.0;
    auto diff = (a - e).abs().masked_select(finite);
    auto scale = e.abs().masked_select(finite).max().clamp_min(1e-30);
    return (diff.max() / scale).item<double>();
}

std::vector<std::int64_t> toVector(const at::Tensor& t) {
    auto c = t.to(at::kLong).contiguous();
    return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

const char* const kCases[] = {"modelscope",    "latte",           "cogvideox-2b",   "cogvideox-5b",
                              "ddim-defaults", "cosine-zero-snr", "linspace-sample"};

}  // namespace

class TstDdimScheduler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        at::set_num_threads(2);
        QVERIFY2(fs::exists(kGolden / "modelscope" / "golden.safetensors"),
                 "golden tensors missing: run tools/golden/schedulers.py");
    }

    void readsConfig_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expect");  // "field=value;..." checked against toString()
        QTest::newRow("modelscope")
            << R"({"_class_name":"DDIMScheduler","beta_schedule":"scaled_linear","beta_start":0.00085,"beta_end":0.012,"clip_sample":false,"set_alpha_to_one":false,"steps_offset":1,"skip_prk_steps":true})"
            << "scaled_linear 0.00085→0.012|steps_offset 1|set_alpha_to_one false|clip_sample "
               "false|unknown=skip_prk_steps";
        QTest::newRow("class-defaults")
            << R"({"_class_name":"DDIMScheduler"})"
            << "linear 0.0001→0.02|epsilon|spacing leading|clip_sample true (±1)";
        QTest::newRow("cogvideox-defaults")
            << R"({"_class_name":"CogVideoXDDIMScheduler"})"
            << "cogvideox-ddim|scaled_linear 0.00085→0.012|snr_shift_scale 3";
        QTest::newRow("cogvideox-dpm-as-ddim")
            << R"({"_class_name":"CogVideoXDPMScheduler","snr_shift_scale":1.0})"
            << "cogvideox-ddim|snr_shift_scale 1|note=CogVideoXDPMScheduler is run as";
        QTest::newRow("pndm-as-ddim")
            << R"({"_class_name":"PNDMScheduler","skip_prk_steps":true})"
            << "(ddim)|note=PNDMScheduler is run as DDIMScheduler|unknown=skip_prk_steps";
        QTest::newRow("no-class-name") << R"({"beta_schedule":"linear"})"
                                       << "DDIMScheduler|note=no '_class_name'";
        QTest::newRow("latte-variance-type-kept")
            << R"({"_class_name":"DDIMScheduler","variance_type":"learned_range"})"
            << "unknown=variance_type";
        QTest::newRow("trained-betas")
            << R"({"_class_name":"DDIMScheduler","num_train_timesteps":3,"trained_betas":[0.1,0.2,0.3]})"
            << "trained_betas|3 train steps";
        QTest::newRow("zero-snr")
            << R"({"_class_name":"DDIMScheduler","rescale_betas_zero_snr":true,"timestep_spacing":"trailing","prediction_type":"v_prediction"})"
            << "zero terminal SNR|v_prediction|spacing trailing";
    }
    void readsConfig() {
        QFETCH(QString, json);
        QFETCH(QString, expect);
        const auto c = SchedulerConfig::parse(json.toStdString(), "scheduler_config.json");
        const auto text = QString::fromStdString(c.toString());
        for (const auto& part : expect.split(u'|')) {
            if (part.startsWith(u"unknown=")) {
                const auto key = part.mid(8).toStdString();
                QVERIFY2(std::find(c.unknownKeys.begin(), c.unknownKeys.end(), key) !=
                             c.unknownKeys.end(),
                         qPrintable(u"unknown keys lack "_s + part.mid(8)));
                QCOMPARE(c.raw.contains(key), true);  // kept, not dropped
            } else if (part.startsWith(u"note=")) {
                bool found = false;
                for (const auto& n : c.notes)
                    found |= QString::fromStdString(n).contains(part.mid(5));
                QVERIFY2(found, qPrintable(part));
            } else {
                QVERIFY2(text.contains(part), qPrintable(text + u" lacks "_s + part));
            }
        }
    }

    void rejectsBadConfig_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const int config = int(ErrorCode::Config), unsupported = int(ErrorCode::Unsupported);
        QTest::newRow("bad-beta-schedule") << R"({"beta_schedule":"quadratic"})" << config
                                           << "key 'beta_schedule' expected one of linear, "
                                              "scaled_linear, squaredcos_cap_v2, got 'quadratic'";
        QTest::newRow("bad-prediction")
            << R"({"prediction_type":"flow"})" << config
            << "key 'prediction_type' expected one of epsilon, v_prediction, sample";
        QTest::newRow("bad-spacing")
            << R"({"timestep_spacing":"karras"})" << config
            << "key 'timestep_spacing' expected one of leading, trailing, linspace";
        QTest::newRow("string-for-bool")
            << R"({"clip_sample":"no"})" << config << "key 'clip_sample' expected true or false";
        QTest::newRow("zero-train-steps")
            << R"({"num_train_timesteps":0})" << config
            << "key 'num_train_timesteps' must be between 2 and 100000";
        QTest::newRow("beta-range") << R"({"beta_start":0.5,"beta_end":0.1})" << config
                                    << "key 'beta_start' and beta_end must satisfy";
        QTest::newRow("trained-betas-length")
            << R"({"num_train_timesteps":4,"trained_betas":[0.1]})" << config
            << "key 'trained_betas' expected a list of num_train_timesteps (4) numbers";
        QTest::newRow("offset-too-big")
            << R"({"steps_offset":1000})" << config << "key 'steps_offset' must be between 0";
        QTest::newRow("thresholding")
            << R"({"thresholding":true})" << unsupported << "key 'thresholding' is true";
        QTest::newRow("flow-matching") << R"({"_class_name":"FlowMatchEulerDiscreteScheduler"})"
                                       << unsupported << "flow-matching scheduler";
        QTest::newRow("unknown-class") << R"({"_class_name":"MyScheduler"})" << unsupported
                                       << "key '_class_name' names MyScheduler";
        QTest::newRow("negative-shift")
            << R"({"_class_name":"CogVideoXDDIMScheduler","snr_shift_scale":-1})" << config
            << "key 'snr_shift_scale' must be positive";
        QTest::newRow("not-an-object") << R"([1,2])" << config << "scheduler_config.json";
    }
    void rejectsBadConfig() {
        QFETCH(QString, json);
        QFETCH(int, code);
        QFETCH(QString, message);
        try {
            (void)SchedulerConfig::parse(json.toStdString(), "scheduler_config.json");
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(int(e.code()), code);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(u"scheduler_config.json"), e.what());
        }
    }

    void locatesConfig() {
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "locate";
        fs::create_directories(dir / "pipeline" / "scheduler");
        std::ofstream(dir / "pipeline" / "scheduler" / "scheduler_config.json") << "{}";
        QCOMPARE(SchedulerConfig::locate(dir / "pipeline"),
                 dir / "pipeline" / "scheduler" / "scheduler_config.json");
        try {
            (void)SchedulerConfig::locate(dir / "missing");
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::NotFound);
        }
        fs::create_directories(dir / "empty");
        try {
            (void)SchedulerConfig::locate(dir / "empty");
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(u"no scheduler/scheduler_config.json"));
        }
    }

    void goldenTables_data() {
        QTest::addColumn<QString>("name");
        for (const char* c : kCases)
            QTest::newRow(c) << QString::fromLatin1(c);
    }
    void goldenTables() {
        QFETCH(QString, name);
        LOAD_GOLDEN(g, name.toStdString())
        const auto s = schedulerFor(g.config);
        const auto expected = g.tensors.at("alphas_cumprod");
        QCOMPARE(std::int64_t(s.alphasCumprod().size()), expected.numel());
        auto ours = at::tensor(s.alphasCumprod(), at::kDouble);
        auto tol = expected.abs() * 1e-6 + 1e-12;
        const double worst = ((ours - expected).abs() / tol).max().item<double>();
        const double rel =
            ((ours - expected).abs() / expected.abs().clamp_min(1e-30)).max().item<double>();
        qInfo("%s: ᾱ table worst relative error %.2e", qPrintable(name), rel);
        QVERIFY2(worst <= 1.0,
                 qPrintable(u"ᾱ table off by "_s + QString::number(worst) + u" × tolerance"_s));
        QCOMPARE(s.finalAlphaCumprod(), g.tensors.at("final_alpha_cumprod").item<double>());
    }

    void goldenTimesteps_data() { goldenTables_data(); }
    void goldenTimesteps() {
        QFETCH(QString, name);
        LOAD_GOLDEN(g, name.toStdString())
        const auto s = schedulerFor(g.config);
        int checked = 0;
        for (int n : g.stepCounts) {
            const auto expected = toVector(g.tensors.at("timesteps." + std::to_string(n)));
            const bool inRange = std::all_of(expected.begin(), expected.end(), [&](auto t) {
                return t >= 0 && t < s.numTrainTimesteps();
            });
            if (!inRange) {
                // diffusers returns them and fails later; we refuse up front.
                QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.timesteps(n));
                continue;
            }
            QCOMPARE(s.timesteps(n), expected);
            ++checked;
            const auto key = "inverse_timesteps." + std::to_string(n);
            if (g.tensors.count(key))
                QCOMPARE(s.inverseTimesteps(n), toVector(g.tensors.at(key)));
        }
        QVERIFY(checked >= 7);
    }

    void goldenSteps_data() { goldenTables_data(); }
    void goldenSteps() {
        QFETCH(QString, name);
        LOAD_GOLDEN(g, name.toStdString())
        const auto& sample = g.tensors.at("input.sample");
        const auto& output = g.tensors.at("input.model_output");
        const auto& noise = g.tensors.at("input.noise");
        int forward = 0, inverse = 0;
        double worst = 0;
        for (const auto& c : g.steps) {
            const auto s = schedulerFor(g.config, c.at("overrides"));
            const auto key = c.at("key").get<std::string>();
            const int n = c.at("num_steps").get<int>();
            const auto t = c.at("timestep").get<std::int64_t>();
            if (c.at("inverse").get<bool>()) {
                const auto out = s.inverseStep(output, t, n, sample);
                worst = std::max({worst, relMax(out.sample, g.tensors.at(key + ".next")),
                                  relMax(out.predictedX0, g.tensors.at(key + ".x0"))});
                ++inverse;
            } else {
                const double eta = c.at("eta").get<double>();
                const auto out = s.step(output, t, n, sample, eta, eta > 0 ? noise : at::Tensor());
                const double e = std::max(relMax(out.sample, g.tensors.at(key + ".prev")),
                                          relMax(out.predictedX0, g.tensors.at(key + ".x0")));
                QVERIFY2(e <= 1e-5,
                         qPrintable(QString::fromStdString(key) + u": "_s + QString::number(e)));
                worst = std::max(worst, e);
                ++forward;
            }
        }
        qInfo("%s: %d forward + %d inverse steps, worst relative error %.2e", qPrintable(name),
              forward, inverse, worst);
        QVERIFY(forward >= 8);
        QVERIFY(worst <= 1e-5);
        if (!name.startsWith(u"linspace"))
            QVERIFY(inverse >= 8);
    }

    void goldenDynamicGuidance() {
        LOAD_GOLDEN(g, "cogvideox-2b")
        const auto s = schedulerFor(g.config);
        const auto expected = g.tensors.at("dynamic_cfg.50.g6");
        const Guidance guidance{6.0, true};
        const auto ts = s.timesteps(50);
        for (std::size_t i = 0; i < ts.size(); ++i)
            QVERIFY(std::abs(guidance.scaleAt(ts[i], 50) -
                             expected[static_cast<std::int64_t>(i)].item<double>()) < 1e-12);
        QCOMPARE((Guidance{6.0, false}.scaleAt(999, 50)), 6.0);
        QVERIFY(!(Guidance{1.0, false}.enabled()));
        QVERIFY((Guidance{1.5, false}.enabled()));
    }

    void doneWhenTimesteps() {
        // The issue's acceptance figures: ModelScope 981 … 1, CogVideoX 999 … 19 for 50 steps.
        LOAD_GOLDEN(modelscope, "modelscope")
        LOAD_GOLDEN(cogvideox, "cogvideox-2b")
        const auto ms = schedulerFor(modelscope.config).timesteps(50);
        QCOMPARE(ms.size(), std::size_t(50));
        QCOMPARE(ms.front(), std::int64_t(981));
        QCOMPARE(ms.back(), std::int64_t(1));
        const auto cog = schedulerFor(cogvideox.config).timesteps(50);
        QCOMPARE(cog.front(), std::int64_t(999));
        QCOMPARE(cog.back(), std::int64_t(19));
        // CogVideoX's zero terminal SNR lives in ᾱ itself.
        QCOMPARE(schedulerFor(cogvideox.config).alphasCumprod().back(), 0.0);
    }

    void timestepProperties_data() {
        QTest::addColumn<QString>("json");
        QTest::newRow("leading") << R"({"steps_offset":1})";
        QTest::newRow("trailing") << R"({"timestep_spacing":"trailing"})";
        QTest::newRow("linspace") << R"({"timestep_spacing":"linspace"})";
    }
    void timestepProperties() {
        QFETCH(QString, json);
        const DdimScheduler s(SchedulerConfig::parse(json.toStdString(), "c.json"));
        for (int n : {1, 2, 3, 7, 10, 49, 50, 333, 500}) {
            const auto ts = s.timesteps(n);
            QCOMPARE(int(ts.size()), n);
            for (std::size_t i = 1; i < ts.size(); ++i)
                QVERIFY(ts[i] < ts[i - 1]);
            const auto inv = s.inverseTimesteps(n);
            QCOMPARE(std::vector<std::int64_t>(inv.rbegin(), inv.rend()), ts);
            const auto rows = s.table(n, false);
            for (std::size_t i = 0; i < rows.size(); ++i) {
                QCOMPARE(rows[i].fromTimestep, ts[i]);
                QCOMPARE(rows[i].alphaFrom, s.alphaCumprodAt(ts[i]));
                QVERIFY(rows[i].alphaTo >= rows[i].alphaFrom);  // forward steps lose noise
            }
            const auto irows = s.table(n, true);
            for (const auto& r : irows)
                QVERIFY(r.alphaTo <= r.alphaFrom);  // inversion adds noise
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.timesteps(0));
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.timesteps(1001));
    }

    void stepRejectsBadInput() {
        const DdimScheduler s;
        auto x = at::randn({1, 4, 2, 2});
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.step(x, 1000, 50, x));
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.step(x, 980, 50, x, 0.5));  // no noise
        QVERIFY_THROWS_EXCEPTION(EngineError, (void)s.step(x.slice(1, 0, 2), 980, 50, x));
        const DdimScheduler cog(SchedulerConfig::defaults(SchedulerKind::CogVideoXDdim));
        try {
            (void)cog.step(x, 980, 50, x, 0.3, x);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(u"has no eta"));
        }
    }

    // With x_t built from x0 and ε, a model that predicts the true target recovers x0 exactly.
    void noisingAndTargetsAgree_data() {
        QTest::addColumn<QString>("json");
        QTest::newRow("epsilon")
            << R"({"beta_schedule":"scaled_linear","beta_start":0.00085,"beta_end":0.012})";
        QTest::newRow("v")
            << R"({"prediction_type":"v_prediction","beta_schedule":"scaled_linear","beta_start":0.00085,"beta_end":0.012})";
        QTest::newRow("sample") << R"({"prediction_type":"sample"})";
        QTest::newRow("cogvideox-v")
            << R"({"_class_name":"CogVideoXDDIMScheduler","prediction_type":"v_prediction","rescale_betas_zero_snr":true,"clip_sample":false})";
    }
    void noisingAndTargetsAgree() {
        QFETCH(QString, json);
        auto cfg = SchedulerConfig::parse(json.toStdString(), "c.json");
        cfg.clipSample = false;
        const DdimScheduler s(cfg);
        auto x0 = at::randn({3, 4, 5}, at::kDouble);
        auto eps = at::randn({3, 4, 5}, at::kDouble);
        const std::vector<std::int64_t> ts = {20, 500, 980};
        auto xt = s.addNoise(x0, eps, ts);
        auto target = s.trainingTarget(x0, eps, ts);
        for (int b = 0; b < 3; ++b) {
            const auto out = s.step(target[b], ts[size_t(b)], 50, xt[b]);
            QVERIFY(at::allclose(out.predictedX0, x0[b], 1e-5, 1e-5));  // float32 coefficients
        }
    }
};

QTEST_APPLESS_MAIN(TstDdimScheduler)
#include "tst_ddim_scheduler.moc"
