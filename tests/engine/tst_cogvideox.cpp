// The CogVideoX family against diffusers on tiny random configs, fp32 CPU,
// max|ours − diffusers| / max|diffusers| ≤ 1e-4 (tools/golden/cogvideox.py):
// - the transformer with 2b's 3-D sin-cos table and with 5b's 3-D RoPE: batch 2 with two
//   timesteps at the configured size, and another latent size (the table recomputed; the rotary
//   grid cropped into the base size); the rotary tables themselves; errors and strict loading;
// - the whole CogVideoXPipeline: the caption embeddings (226 tokens, no mask), 3 steps from fixed
//   latents (v prediction, CogVideoXDDIMScheduler, dynamic guidance too) and the decoded video;
//   the probe against the paper's procedure written naively with diffusers; the family picked by
//   loadPipeline; customization writing a `transformer.` LoRA (v-prediction loss) that loads back.

#include "core/error.h"
#include "golden_util.h"
#include "io/file_util.h"
#include "io/tensor_io.h"
#include "models/cogvideox.h"
#include "pipeline_golden_util.h"
#include "pipelines/cogvideox.h"
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

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "cogvideox";
const fs::path kPipeline = kGolden / "pipeline";
constexpr double kTolerance = 1e-4;

#define CHECK_CLOSE(actual, expected, label) MP_CHECK_CLOSE(actual, expected, label, kTolerance)

std::map<std::string, at::Tensor> transformerGolden() {
    std::map<std::string, at::Tensor> out;
    for (auto& [k, v] : loadTensorFile(kGolden / "transformer.safetensors"))
        out[k] = v;
    return out;
}

pipelines::CogVideoXPipeline goldenPipeline() {
    return pipelines::CogVideoXPipeline::load(kPipeline, resolveDevice("cpu", "fp32")).value();
}

// A copy of a golden transformer folder with `edit` applied to its config.json.
fs::path editedConfig(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const auto dir = fs::path(MP_TEST_OUTPUT_DIR) / ("cogvideox-" + name);
    mp::removeTree(dir);
    fs::create_directories(dir);
    nlohmann::json config;
    std::ifstream(kGolden / "transformer_rope" / "config.json") >> config;
    edit(config);
    std::ofstream(dir / "config.json") << config.dump(2);
    return dir;
}

}  // namespace

class TstCogVideoX : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void parity_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("run");
        QTest::newRow("2b sin-cos, batch of 2, two timesteps") << u"sincos"_s << u"main"_s;
        QTest::newRow("2b sin-cos, another latent size") << u"sincos"_s << u"size"_s;
        QTest::newRow("5b RoPE, batch of 2, two timesteps") << u"rope"_s << u"main"_s;
        QTest::newRow("5b RoPE, a grid cropped into the base size") << u"rope"_s << u"size"_s;
    }
    void parity() {
        QFETCH(QString, model);
        QFETCH(QString, run);
        const auto g = transformerGolden();
        auto m = loadCogVideoXTransformer(kGolden / ("transformer_" + model.toStdString()));
        QCOMPARE(m->config().useRotaryPositionalEmbeddings, model == u"rope"_s);
        const auto r = model.toStdString() + "." + run.toStdString() + ".";
        torch::NoGradGuard noGrad;
        const auto out =
            m->forward(g.at(r + "sample"), g.at(r + "timestep"), g.at(r + "encoder_hidden_states"));
        QCOMPARE(out.sizes(), g.at(r + "out").sizes());
        CHECK_CLOSE(out, g.at(r + "out"), model + u"." + run);
    }

    // The pipeline's rotary tables (get_3d_rotary_pos_embed with the grid's crop region).
    void rotaryTables_data() {
        QTest::addColumn<QString>("run");
        QTest::newRow("the configured size") << u"main"_s;
        QTest::newRow("a taller grid, cropped") << u"size"_s;
    }
    void rotaryTables() {
        QFETCH(QString, run);
        const auto g = transformerGolden();
        const auto r = "rope." + run.toStdString() + ".";
        const auto& x = g.at(r + "sample");
        const auto config = CogVideoXConfig::fromFile(kGolden / "transformer_rope" / "config.json");
        const auto [cos, sin] = cogVideoXRotaryTable(
            config.attentionHeadDim, x.size(1), x.size(3) / config.patchSize,
            x.size(4) / config.patchSize, config.sampleHeight / config.patchSize,
            config.sampleWidth / config.patchSize);
        QCOMPARE(cos.sizes(), g.at(r + "rope_cos").sizes());
        QVERIFY(relMax(cos, g.at(r + "rope_cos")) <= 1e-6);
        QVERIFY(relMax(sin, g.at(r + "rope_sin")) <= 1e-6);
    }

    // Inference updates the two streams in place; with autograd on, every step is a new tensor.
    // Both give the same numbers (up to the CPU attention kernel, which differs between the two:
    // the inference-only one rounds differently).
    void inPlaceEqualsAutogradPath() {
        const auto g = transformerGolden();
        for (const std::string model : {"sincos", "rope"}) {
            auto m = loadCogVideoXTransformer(kGolden / ("transformer_" + model));
            const auto r = model + ".main.";
            at::Tensor inference, traced;
            {
                torch::NoGradGuard noGrad;
                inference = m->forward(g.at(r + "sample"), g.at(r + "timestep"),
                                       g.at(r + "encoder_hidden_states"));
            }
            traced = m->forward(g.at(r + "sample"), g.at(r + "timestep"),
                                g.at(r + "encoder_hidden_states"));
            QVERIFY(traced.requires_grad());
            const auto err = relMax(inference, traced.detach());
            QVERIFY2(err <= 1e-6, (model + ": " + std::to_string(err)).c_str());
        }
    }

    // The positions matter: the same tokens in another order give another output (both schemes).
    void positionsMatter() {
        const auto g = transformerGolden();
        torch::NoGradGuard noGrad;
        for (const std::string model : {"sincos", "rope"}) {
            auto m = loadCogVideoXTransformer(kGolden / ("transformer_" + model));
            const auto r = model + ".main.";
            const auto x = g.at(r + "sample");
            const auto out = m->forward(x, g.at(r + "timestep"), g.at(r + "encoder_hidden_states"));
            const auto flipped =
                m->forward(x.flip(1), g.at(r + "timestep"), g.at(r + "encoder_hidden_states"))
                    .flip(1);
            QVERIFY2(relMax(flipped, out) > 1e-3, model.c_str());
        }
    }

    void rejectsBadConfig_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("code");
        const auto config = static_cast<int>(ErrorCode::Config);
        QTest::newRow("CogVideoX 1.5") << u"patch_size_t"_s << u"CogVideoX 1.5"_s << config;
        QTest::newRow("image-to-video positions")
            << u"use_learned_positional_embeddings"_s << u"image-to-video"_s << config;
        QTest::newRow("ofs embedding") << u"ofs_embed_dim"_s << u"image-to-video"_s << config;
        QTest::newRow("another class") << u"_class_name"_s << u"CogVideoXTransformer3DModel"_s
                                       << static_cast<int>(ErrorCode::Unsupported);
        QTest::newRow("rotary head size")
            << u"attention_head_dim"_s << u"multiple of 8"_s << config;
    }
    void rejectsBadConfig() {
        QFETCH(QString, key);
        QFETCH(QString, message);
        QFETCH(int, code);
        const auto k = key.toStdString();
        const auto dir = editedConfig("bad-config", [&](nlohmann::json& c) {
            if (k == "patch_size_t" || k == "ofs_embed_dim")
                c[k] = 2;
            else if (k == "use_learned_positional_embeddings")
                c[k] = true;
            else if (k == "_class_name")
                c[k] = "LatteTransformer3DModel";
            else
                c[k] = 12;
        });
        try {
            (void)CogVideoXConfig::fromFile(dir / "config.json");
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(static_cast<int>(e.code()), code);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(key), e.what());
        }
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("layout") << u"layout"_s << u"expected latents (batch, frames, 4"_s;
        QTest::newRow("patch") << u"patch"_s << u"not a multiple of the patch size 2"_s;
        QTest::newRow("caption width") << u"caption"_s << u"caption states"_s;
        QTest::newRow("caption length, sin-cos table") << u"length"_s << u"max_text_seq_length 7"_s;
        QTest::newRow("timesteps") << u"timesteps"_s << u"3 timesteps for a batch of 2"_s;
    }
    void rejectsBadInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        auto m = loadCogVideoXTransformer(kGolden / "transformer_sincos");
        auto x = at::randn({2, 3, 4, 6, 8});
        auto t = at::tensor({10, 20});
        auto ctx = at::randn({2, 7, 12});
        if (what == u"layout")
            x = x.permute({0, 2, 1, 3, 4});
        else if (what == u"patch")
            x = at::randn({2, 3, 4, 5, 8});
        else if (what == u"caption")
            ctx = at::randn({2, 7, 10});
        else if (what == u"length")
            ctx = at::randn({2, 5, 12});
        else
            t = at::tensor({1, 2, 3});
        try {
            torch::NoGradGuard noGrad;
            (void)m->forward(x, t, ctx);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    void strictBinding() {
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "cogvideox-renamed" / "transformer";
        mp::removeTree(dir.parent_path());
        fs::create_directories(dir);
        fs::copy_file(kGolden / "transformer_rope" / "config.json", dir / "config.json");
        auto tensors =
            loadTensorFile(kGolden / "transformer_rope" / "diffusion_pytorch_model.safetensors");
        for (auto& [k, v] : tensors)
            if (k == "transformer_blocks.1.attn1.norm_k.weight")
                k = "transformer_blocks.1.attn1.k_norm.weight";
        saveTensorFile(dir / "diffusion_pytorch_model.safetensors", tensors);
        try {
            (void)loadCogVideoXTransformer(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Weights);
            QVERIFY2(
                QString::fromUtf8(e.what()).contains(u"transformer_blocks.1.attn1.norm_k.weight"),
                e.what());
        }
    }

    void pipeline_data() {
        QTest::addColumn<QString>("run");
        QTest::newRow("guided, default negative") << u"guided"_s;
        QTest::newRow("negative prompt") << u"negative"_s;
        QTest::newRow("dynamic guidance") << u"dynamic"_s;
        QTest::newRow("no guidance") << u"unguided"_s;
    }
    void pipeline() {
        QFETCH(QString, run);
        try {
            // CogVideoX's DDIM: trailing spacing, round(1000 − 1000k/3) − 1.
            test::checkGenerateAgainstGolden(goldenPipeline(), kPipeline, run.toStdString(),
                                             {999, 666, 332}, kTolerance);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void pipelineDefaults() {
        std::string why;
        QCOMPARE(pipelines::pipelineFamily(kPipeline, &why), ModelFamily::CogVideoX);
        auto loaded = pipelines::loadPipeline(kPipeline, resolveDevice("cpu", "fp32"));
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().what());
        const auto& p = *loaded.value();
        QCOMPARE(p.family(), ModelFamily::CogVideoX);
        QCOMPARE(p.denoiserComponent(), std::string("transformer"));
        QCOMPARE(p.defaultFrames(), 9);                 // the transformer's sample_frames
        QCOMPARE(p.defaultHeight(), std::int64_t{32});  // sample_height 4 × VAE factor 8
        QCOMPARE(p.defaultWidth(), std::int64_t{48});   // sample_width 6 × 8
        QCOMPARE(p.defaultGuidance(), 6.0);
        QCOMPARE(p.latentChannelDim(), 2);
        QCOMPARE(p.latentShape(1, 9, 32, 48), (std::vector<std::int64_t>{1, 3, 4, 4, 6}));
        // Every caption is padded to 226 tokens.
        const auto cond = p.encodePrompt("a red circle", std::nullopt);
        QCOMPARE(cond.embeddings.size(1), std::int64_t{226});
        QCOMPARE(cond.negativeEmbeddings.sizes(), cond.embeddings.sizes());
        // Frame counts the VAE cannot take are refused by name.
        pipelines::GenerateRequest req;
        req.prompt = "a red circle";
        req.frames = 8;
        req.steps = 1;
        const auto bad = pipelines::generate(p, req);
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromUtf8(bad.error().what()).contains(u"4k + 1 frames"),
                 bad.error().what());
    }

    // The planned probe (shared prefixes, c and c' batched) equals the paper's procedure written
    // naively with diffusers, inverted on the forward scheduler's ᾱ table.
    void probeReference() {
        test::checkProbeAgainstGolden(goldenPipeline(), kPipeline, kTolerance);
    }

    // Customization on CogVideoX: the default preset adapts the blocks' attn1 V and O (its
    // attention is joint), the loss is v-prediction's, the file carries `transformer.` keys, and it
    // loads back into the pipeline and changes its output.
    void customize() {
        auto p = goldenPipeline();
        pipelines::GenerateRequest req;
        req.prompt = "a blue square";
        req.steps = 3;
        req.decode = false;
        const auto base = pipelines::generate(p, req).value().latents;
        train::CustomizeOptions o;
        o.latents = at::randn({1, 3, 4, 4, 6}, at::make_generator<at::CPUGeneratorImpl>(3));
        o.caption = "a red circle moves from left to right";
        o.tau = 600;
        o.train.totalSteps = 4;
        o.train.adamw.lr = 5e-2;
        const auto dir = fs::temp_directory_path() / "mp-tst-cogvideox-lora";
        fs::create_directories(dir);
        const auto file = dir / "lora.safetensors";
        const auto report = train::trainCustomization(p, o, file);
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().what());
        QVERIFY(report.value().smallestTimestep >= 600);
        QCOMPARE(report.value().modules.size(), std::size_t{4});  // 2 blocks × to_v, to_out.0
        for (const auto& m : report.value().modules)
            QVERIFY2(
                m.rfind("transformer_blocks.", 0) == 0 && m.find(".attn1.") != std::string::npos,
                m.c_str());
        for (const auto& [key, tensor] : loadTensorFile(file))
            QVERIFY2(key.rfind("transformer.transformer_blocks.", 0) == 0, key.c_str());
        QVERIFY(at::equal(pipelines::generate(p, req).value().latents, base));

        p.attachLora(file);
        req.adapterSchedule = sampling::AdapterSchedule::constant(1.0);
        QVERIFY(relMax(pipelines::generate(p, req).value().latents, base) > 1e-4);
        req.adapterSchedule = sampling::AdapterSchedule::none();
        QVERIFY(at::equal(pipelines::generate(p, req).value().latents, base));
        p.detachLora();
        mp::removeTree(dir);
    }
};

QTEST_APPLESS_MAIN(TstCogVideoX)
#include "tst_cogvideox.moc"
