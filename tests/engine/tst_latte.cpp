// Latte transformer against diffusers on a tiny random config (tools/golden/latte.py): fp32 CPU,
// max|ours − diffusers| / max|diffusers| ≤ 1e-4, for batches with different timesteps, another
// latent size (the 2-D table recomputed), one frame and spatial-only runs; and the positional
// tables, errors and strict loading.

#include "core/error.h"
#include "io/file_util.h"
#include "golden_util.h"
#include "io/tensor_io.h"
#include "models/latte.h"

#include <ATen/ATen.h>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

using namespace mp;
using namespace mp::models;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "latte";

}  // namespace

class TstLatte : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void parity_data() {
        QTest::addColumn<QString>("run");
        QTest::addColumn<bool>("temporal");
        QTest::newRow("batch of 2, two timesteps") << u"main"_s << true;
        QTest::newRow("another latent size") << u"size"_s << true;
        QTest::newRow("one frame") << u"single"_s << true;
        QTest::newRow("spatial only") << u"spatial"_s << false;
    }
    void parity() {
        QFETCH(QString, run);
        QFETCH(bool, temporal);
        QVERIFY2(fs::exists(kGolden / "golden.safetensors"), "golden data missing");
        std::map<std::string, at::Tensor> g;
        LatteTransformer3DModel model{nullptr};
        try {
            g = loadGolden(kGolden);
            model = loadLatteTransformer(kGolden / "transformer");
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const auto r = run.toStdString();
        at::NoGradGuard noGrad;
        const auto out = model->forward(g.at(r + ".sample"), g.at(r + ".timestep"),
                                        g.at(r + ".encoder_hidden_states"), temporal);
        const auto& expected = g.at(r + ".out");
        QCOMPARE(out.sizes(), expected.sizes());
        const double e = relMax(out, expected);
        qInfo("%s: %.2e", r.c_str(), e);
        QVERIFY2(e <= 1e-4, qPrintable(QString::number(e)));
        QVERIFY(expected.abs().max().item<double>() > 0.1);
    }

    void temporalBlocksMatter() {
        // The spatial-only run must differ from the full one on the same inputs.
        const auto g = loadGolden(kGolden);
        auto model = loadLatteTransformer(kGolden / "transformer");
        at::NoGradGuard noGrad;
        const auto& x = g.at("main.sample");
        const auto a = model->forward(x, g.at("main.timestep"), g.at("main.encoder_hidden_states"));
        const auto b =
            model->forward(x, g.at("main.timestep"), g.at("main.encoder_hidden_states"), false);
        QVERIFY(relMax(a, b) > 1e-2);
    }

    void sincosTables() {
        // diffusers' 1-D table: [sin(p·ω_k), cos(p·ω_k)], ω_k = 10000^(−k/(D/2)).
        const auto t = sincos1d(8, at::arange(3, at::kLong));
        QCOMPARE(t.sizes(), (c10::IntArrayRef{3, 8}));
        for (int p = 0; p < 3; ++p)
            for (int k = 0; k < 4; ++k) {
                const double w = std::pow(10000.0, -k / 4.0);
                QVERIFY(std::abs(t[p][k].item<double>() - std::sin(p * w)) < 1e-6);
                QVERIFY(std::abs(t[p][k + 4].item<double>() - std::cos(p * w)) < 1e-6);
            }
        // 2-D: token row·w + col; columns in the first half, rows in the second, each coordinate
        // scaled by base_size / its own count.
        const auto s = sincos2d(8, 2, 3, 4, 1.0);
        QCOMPARE(s.sizes(), (c10::IntArrayRef{6, 8}));
        const auto colTable = sincos1d(4, at::arange(3, at::kFloat) / (3.0 / 4.0));
        const auto rowTable = sincos1d(4, at::arange(2, at::kFloat) / (2.0 / 4.0));
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 3; ++c) {
                QVERIFY(at::allclose(s[r * 3 + c].narrow(0, 0, 4), colTable[c]));
                QVERIFY(at::allclose(s[r * 3 + c].narrow(0, 4, 4), rowTable[r]));
            }
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("frames") << u"frames"_s << u"video_length 4"_s;
        QTest::newRow("patch") << u"patch"_s << u"not a multiple of the patch size 2"_s;
        QTest::newRow("caption width") << u"caption"_s << u"caption states"_s;
        QTest::newRow("timesteps") << u"timesteps"_s << u"3 timesteps for a batch of 2"_s;
    }
    void rejectsBadInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        auto model = loadLatteTransformer(kGolden / "transformer");
        auto x = at::zeros({2, 4, 4, 8, 8});
        auto t = at::tensor({1, 2}, at::kLong);
        auto ctx = at::zeros({2, 3, 12});
        if (what == u"frames")
            x = at::zeros({2, 4, 3, 8, 8});
        if (what == u"patch")
            x = at::zeros({2, 4, 4, 7, 8});
        if (what == u"caption")
            ctx = at::zeros({2, 3, 11});
        if (what == u"timesteps")
            t = at::tensor({1, 2, 3}, at::kLong);
        try {
            at::NoGradGuard noGrad;
            (void)model->forward(x, t, ctx);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    void strictBinding() {
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "latte-renamed" / "transformer";
        mp::removeTree(dir.parent_path());
        fs::create_directories(dir);
        fs::copy_file(kGolden / "transformer" / "config.json", dir / "config.json");
        auto tensors =
            loadTensorFile(kGolden / "transformer" / "diffusion_pytorch_model.safetensors");
        for (auto& [k, v] : tensors)
            if (k == "temporal_transformer_blocks.1.attn1.to_v.weight")
                k = "temporal_transformer_blocks.1.attn1.to_value.weight";
        saveTensorFile(dir / "diffusion_pytorch_model.safetensors", tensors);
        try {
            (void)loadLatteTransformer(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Weights);
            QVERIFY2(QString::fromUtf8(e.what()).contains(
                         u"temporal_transformer_blocks.1.attn1.to_v.weight"),
                     e.what());
        }
    }

    void rejectsBadConfig() {
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "latte-bad-config";
        mp::removeTree(dir);
        fs::create_directories(dir);
        std::ofstream(dir / "config.json")
            << R"({"_class_name": "LatteTransformer3DModel", "num_attention_heads": 2,
                  "attention_head_dim": 8, "cross_attention_dim": 12})";
        try {
            (void)LatteConfig::fromFile(dir / "config.json");
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Config);
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"cross_attention_dim"), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstLatte)
#include "tst_latte.moc"
