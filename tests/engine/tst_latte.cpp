// The Latte family against diffusers on tiny random configs, fp32 CPU,
// max|ours − diffusers| / max|diffusers| ≤ 1e-4:
// - the transformer (tools/golden/latte.py): batches with different timesteps, another latent
//   size (the 2-D table recomputed), one frame and spatial-only runs; the positional tables,
//   errors and strict loading; masked captions batched equal each caption cut to its tokens;
// - the whole LattePipeline (tools/golden/latte_pipeline.py): the caption
//   embeddings (cut to the caption, mask_feature), 3 steps from fixed latents and the decoded
//   video; the probe against the paper's procedure written naively with diffusers; the family
//   picked by loadPipeline; customization writing a `transformer.` LoRA that loads back.

#include "adapters/lora.h"
#include "core/error.h"
#include "golden_util.h"
#include "io/file_util.h"
#include "io/tensor_io.h"
#include "models/latte.h"
#include "pipeline_golden_util.h"
#include "pipelines/latte.h"
#include "probe/probe.h"
#include "train/customize.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

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
const fs::path kPipeline = fs::path(MP_TEST_DATA_DIR) / "golden" / "latte_pipeline" / "pipeline";
constexpr double kTolerance = 1e-4;

#define CHECK_CLOSE(actual, expected, label) MP_CHECK_CLOSE(actual, expected, label, kTolerance)

pipelines::LattePipeline goldenPipeline() {
    return pipelines::LattePipeline::load(kPipeline, resolveDevice("cpu", "fp32")).value();
}

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

    // Two captions of different lengths in one batch, padded and masked, give what each gives
    // alone at its own length (how the probe batches c and c').
    void maskedCaptionsEqualCut() {
        const auto g = loadGolden(kGolden);
        auto model = loadLatteTransformer(kGolden / "transformer");
        at::NoGradGuard noGrad;
        const auto& x = g.at("main.sample");
        const auto& t = g.at("main.timestep");
        const auto& ctx = g.at("main.encoder_hidden_states");  // (2, 7, D)
        const auto shortCaption = ctx[1].narrow(0, 0, 4).unsqueeze(0);
        const auto padded =
            at::stack({ctx[0], at::cat({shortCaption[0], at::zeros({3, ctx.size(2)})})});
        auto mask = at::ones({2, 7}, at::kBool);
        mask[1].narrow(0, 4, 3).fill_(false);
        const auto batched = model->forward(x, t, padded, true, mask);
        const auto first =
            model->forward(x.narrow(0, 0, 1), t.narrow(0, 0, 1), ctx.narrow(0, 0, 1));
        const auto second = model->forward(x.narrow(0, 1, 1), t.narrow(0, 1, 1), shortCaption);
        CHECK_CLOSE(batched.narrow(0, 0, 1), first, u"full caption"_s);
        CHECK_CLOSE(batched.narrow(0, 1, 1), second, u"cut caption"_s);
        // Without the mask the padding takes part and the result moves.
        QVERIFY(relMax(model->forward(x, t, padded).narrow(0, 1, 1), second) > 1e-3);
    }

    void captionCleaning_data() {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("case and outer spaces") << u"  A Red Circle. \n"_s << u"a red circle."_s;
        QTest::newRow("inner spacing kept") << u"Two  Words\tHere"_s << u"two  words\there"_s;
        QTest::newRow("accents") << u"ÀÉÎ Ünïcode"_s << u"àéî ünïcode"_s;
        QTest::newRow("information separators") << u"\u001cabc\u001f"_s << u"abc"_s;
        QTest::newRow("no-break and ideographic space") << u"\u00a0X\u3000"_s << u"x"_s;
        QTest::newRow("dotted capital I") << u"İ"_s << u"i\u0307"_s;
        QTest::newRow("empty") << QString() << QString();
    }
    void captionCleaning() {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(QString::fromStdString(pipelines::latteCaption(in.toStdString())), out);
    }

    void pipeline_data() {
        QTest::addColumn<QString>("run");
        QTest::newRow("guided, default negative, caption cleaned") << u"guided"_s;
        QTest::newRow("negative prompt") << u"negative"_s;
        QTest::newRow("no guidance") << u"unguided"_s;
        QTest::newRow("one frame") << u"single-frame"_s;
    }
    void pipeline() {
        QFETCH(QString, run);
        try {
            // Latte-1's DDIM: leading spacing, no offset.
            test::checkGenerateAgainstGolden(goldenPipeline(), kPipeline, run.toStdString(),
                                             {666, 333, 0}, kTolerance);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void pipelineDefaults() {
        std::string why;
        QCOMPARE(pipelines::pipelineFamily(kPipeline, &why), ModelFamily::Latte);
        auto loaded = pipelines::loadPipeline(kPipeline, resolveDevice("cpu", "fp32"));
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().what());
        const auto& p = *loaded.value();
        QCOMPARE(p.family(), ModelFamily::Latte);
        QCOMPARE(p.denoiserComponent(), std::string("transformer"));
        QCOMPARE(p.defaultFrames(), 4);                 // the transformer's video_length
        QCOMPARE(p.defaultHeight(), std::int64_t{16});  // sample_size 8 × VAE factor 2
        QCOMPARE(p.defaultWidth(), std::int64_t{16});
        QCOMPARE(p.defaultGuidance(), 7.5);
        QCOMPARE(p.defaultDecodeFrameBatch(), std::int64_t{14});
        // The caption's own tokens: its words and EOS, fewer than the 120 it is padded to.
        const auto cond = p.encodePrompt("a red circle", std::nullopt);
        QVERIFY(cond.embeddings.size(1) > 1 && cond.embeddings.size(1) < 20);
        QCOMPARE(cond.negativeEmbeddings.sizes(), cond.embeddings.sizes());
    }

    void otherFolders_data() {
        QTest::addColumn<QString>("className");
        QTest::addColumn<QString>("message");
        QTest::newRow("CogVideoX image-to-video")
            << u"CogVideoXImageToVideoPipeline"_s << u"not supported yet"_s;
        QTest::newRow("unknown class, no denoiser")
            << u"StableDiffusionPipeline"_s << u"is not a pipeline this build runs"_s;
    }
    void otherFolders() {
        QFETCH(QString, className);
        QFETCH(QString, message);
        const auto dir = fs::temp_directory_path() / "mp-tst-latte-folder";
        fs::create_directories(dir);
        std::ofstream(dir / "model_index.json")
            << "{\"_class_name\": \"" << className.toStdString() << "\"}";
        auto loaded = pipelines::loadPipeline(dir, resolveDevice("cpu", "fp32"));
        mp::removeTree(dir);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code(), ErrorCode::Unsupported);
        QVERIFY2(QString::fromUtf8(loaded.error().what()).contains(message), loaded.error().what());
    }

    // The planned probe (shared prefixes, c and c' batched with their own lengths) equals the
    // paper's procedure written naively with diffusers on the same pipeline.
    void probeReference() {
        const auto p = goldenPipeline();
        const auto meta = test::goldenMetadata(kPipeline);
        // The two prompts differ in length, so batches of both are padded and masked.
        QVERIFY(p.encodePrompt(meta.at("probe_caption"), std::nullopt).embeddings.size(1) !=
                p.encodePrompt(meta.at("probe_edit"), std::nullopt).embeddings.size(1));
        test::checkProbeAgainstGolden(p, kPipeline, kTolerance);
    }

    // Customization on Latte: the default preset adapts the temporal blocks' V and O, the file
    // carries `transformer.` keys, and it loads back into the pipeline and changes its output.
    void customize() {
        auto p = goldenPipeline();
        pipelines::GenerateRequest req;
        req.prompt = "a blue square";
        req.steps = 3;
        req.decode = false;
        const auto base = pipelines::generate(p, req).value().latents;
        std::vector<at::Tensor> before;
        for (const auto& w : p.transformer()->parameters())
            before.push_back(w.clone());
        train::CustomizeOptions o;
        o.latents = at::randn({1, 4, 4, 8, 8}, at::make_generator<at::CPUGeneratorImpl>(3));
        o.caption = "a red circle moves from left to right";
        o.tau = 600;
        o.train.totalSteps = 4;
        o.train.adamw.lr = 5e-2;
        const auto dir = fs::temp_directory_path() / "mp-tst-latte-lora";
        fs::create_directories(dir);
        const auto file = dir / "lora.safetensors";
        const auto report = train::trainCustomization(p, o, file);
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().what());
        QVERIFY(report.value().smallestTimestep >= 600);
        QCOMPARE(report.value().modules.size(), std::size_t{4});  // 2 blocks × to_v, to_out.0
        for (const auto& m : report.value().modules)
            QVERIFY2(m.rfind("temporal_transformer_blocks.", 0) == 0, m.c_str());
        const auto keys = loadTensorFile(file);
        for (const auto& [key, tensor] : keys)
            QVERIFY2(key.rfind("transformer.temporal_transformer_blocks.", 0) == 0, key.c_str());
        // The base model is as it was: its parameters, and the weights its layers use (the
        // same output as before training).
        const auto after = p.transformer()->parameters();
        QCOMPARE(after.size(), before.size());
        for (std::size_t i = 0; i < after.size(); ++i)
            QVERIFY(at::equal(after[i], before[i]));
        QVERIFY(at::equal(pipelines::generate(p, req).value().latents, base));

        p.attachLora(file);
        req.adapterSchedule = sampling::AdapterSchedule::constant(1.0);
        const auto adapted = pipelines::generate(p, req).value().latents;
        QVERIFY(relMax(adapted, base) > 1e-4);
        req.adapterSchedule = sampling::AdapterSchedule::none();
        QVERIFY(at::equal(pipelines::generate(p, req).value().latents, base));  // off: the base
        p.detachLora();
        mp::removeTree(dir);
    }
};

QTEST_APPLESS_MAIN(TstLatte)
#include "tst_latte.moc"
