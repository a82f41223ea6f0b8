// The ModelScope family against diffusers on tiny random configs (tools/golden/modelscope.py):
// UNet3DConditionModel, AutoencoderKL and the whole TextToVideoSDPipeline for 3 steps, fp32 CPU,
// max|ours − diffusers| / max|diffusers| ≤ 1e-4 for every output.

#include "core/error.h"
#include "fixtures.h"
#include "golden_util.h"
#include "io/snapshot.h"
#include "io/tensor_io.h"
#include "io/weights.h"
#include "models/unet3d.h"
#include "models/vae.h"
#include "pipelines/modelscope.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <map>

using namespace mp;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope";
constexpr double kTolerance = 1e-4;

#define CHECK_CLOSE(actual, expected, label) MP_CHECK_CLOSE(actual, expected, label, kTolerance)

std::optional<std::string> negativePrompt(const nlohmann::json& spec) {
    if (spec["negative_prompt"].is_null())
        return std::nullopt;
    return spec["negative_prompt"].get<std::string>();
}

// The golden run's prompt, negative prompt, steps and guidance as a request.
pipelines::GenerateRequest goldenRequest(const nlohmann::json& spec) {
    pipelines::GenerateRequest req;
    req.prompt = spec["prompt"].get<std::string>();
    req.negativePrompt = negativePrompt(spec);
    req.steps = spec["steps"].get<int>();
    req.guidance = spec["guidance"].get<double>();
    return req;
}

// Our prompt and negative-prompt embeddings against the golden's; returns them.
sampling::Conditioning checkPromptEmbeddings(const pipelines::ModelScopePipeline& p,
                                             const nlohmann::json& spec,
                                             const std::map<std::string, at::Tensor>& g,
                                             const QString& run) {
    const auto r = run.toStdString() + ".";
    auto cond = p.encodePrompt(spec["prompt"].get<std::string>(), negativePrompt(spec));
    [&] {
        CHECK_CLOSE(cond.embeddings, g.at(r + "prompt_embeds"), run + u" prompt"_s);
        CHECK_CLOSE(cond.negativeEmbeddings, g.at(r + "negative_prompt_embeds"),
                    run + u" negative prompt"_s);
    }();
    return cond;
}

}  // namespace

class TstModelScope : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void unet_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("run");
        for (const auto* model : {"four-level", "two-level"})
            for (const auto* run : {"t981", "t500-21", "t1"})
                QTest::newRow((std::string(model) + "/" + run).c_str())
                    << QString::fromLatin1(model) << QString::fromLatin1(run);
    }
    void unet() {
        QFETCH(QString, model);
        QFETCH(QString, run);
        const auto dir = kGolden / "unet3d" / model.toStdString();
        QVERIFY2(fs::exists(dir / "golden.safetensors"), "golden data missing");
        try {
            auto g = loadGolden(dir);
            auto unet = models::loadUNet3D(dir);
            at::NoGradGuard noGrad;
            const auto r = run.toStdString();
            const auto out =
                unet->forward(g.at("sample"), g.at(r + ".timestep"), g.at("encoder_hidden_states"));
            QCOMPARE(out.sizes(), g.at(r + ".out").sizes());
            CHECK_CLOSE(out, g.at(r + ".out"), model + u"/"_s + run);
            // The golden outputs differ per timestep: the embedding reaches the output.
            QVERIFY(relMax(g.at("t981.out"), g.at("t1.out")) > 1e-2);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void unetHeadsFollowTheQuirk() {
        // attention_head_dim is the head size: a 32-channel level with head dim 8 has 4 heads,
        // and transformer_in has 8 heads of 8 (64 inner channels on 8).
        const auto config =
            models::UNet3DConfig::fromFile(kGolden / "unet3d" / "four-level" / "config.json");
        models::UNet3DConditionModel unet(config);
        QCOMPARE(unet->transformer_in->proj_in->weight.size(0), 64);
        auto block = unet->down_blocks[1]->as<models::UNet3DBlockImpl>();
        auto spatial = block->attentions[0]->as<models::Transformer2DModelImpl>();
        QCOMPARE(spatial->proj_in->weight.size(0), 16);
        QVERIFY(config.toString().find("head size [8, 8, 8, 8]") != std::string::npos);
    }

    void vae_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("sd-like") << u"sd-like"_s;
        QTest::newRow("plain") << u"plain"_s;
    }
    void vae() {
        QFETCH(QString, model);
        const auto dir = kGolden / "vae" / model.toStdString();
        try {
            auto g = loadGolden(dir);
            auto vae = models::loadAutoencoderKL(dir);
            at::NoGradGuard noGrad;
            const auto dist = vae->encode(g.at("images"));
            CHECK_CLOSE(dist.mean, g.at("latent_mean"), model + u" mean"_s);
            CHECK_CLOSE(dist.logvar, g.at("latent_logvar"), model + u" logvar"_s);
            const auto decoded = vae->decode(g.at("latents"));
            CHECK_CLOSE(decoded, g.at("decoded"), model + u" decode"_s);
            // Frame-batched video paths give the same numbers as the image batch.
            const auto images = g.at("images");
            const auto video = images.unsqueeze(0).permute({0, 2, 1, 3, 4});  // (1, 3, F, H, W)
            const auto chunked = vae->encode(video, 2);
            CHECK_CLOSE(chunked.mean.squeeze(0).permute({1, 0, 2, 3}), g.at("latent_mean"),
                        model + u" mean, frames in batches of 2"_s);
            const auto latents = g.at("latents").unsqueeze(0).permute({0, 2, 1, 3, 4});
            CHECK_CLOSE(vae->decode(latents, 1).squeeze(0).permute({1, 0, 2, 3}), g.at("decoded"),
                        model + u" decode, one frame at a time"_s);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void vaeLegacyAttentionNames() {
        // Checkpoints saved before diffusers 0.15 name the mid attention query/key/value/
        // proj_attn; they bind onto to_q/to_k/to_v/to_out.0 and give the same numbers.
        mp::test::TempDir tmp;
        const auto src = kGolden / "vae" / "sd-like";
        NamedTensors renamed;
        for (auto& [k, v] : loadTensorFile(src / "diffusion_pytorch_model.safetensors")) {
            std::string key = k;
            for (auto [from, to] : {std::pair{".to_q.", ".query."},
                                    {".to_k.", ".key."},
                                    {".to_v.", ".value."},
                                    {".to_out.0.", ".proj_attn."}})
                if (auto p = key.find(from);
                    p != std::string::npos && key.find("mid_block") != std::string::npos)
                    key = key.substr(0, p) + to + key.substr(p + std::string(from).size());
            renamed.emplace_back(key, v);
        }
        QVERIFY(std::any_of(renamed.begin(), renamed.end(), [](const auto& kv) {
            return kv.first == "encoder.mid_block.attentions.0.query.weight";
        }));
        saveTensorFile(tmp.path() / "diffusion_pytorch_model.safetensors", renamed);
        fs::copy_file(src / "config.json", tmp.path() / "config.json");
        auto g = loadGolden(src);
        auto vae = models::loadAutoencoderKL(tmp.path());
        at::NoGradGuard noGrad;
        CHECK_CLOSE(vae->decode(g.at("latents")), g.at("decoded"), u"legacy names"_s);
    }

    void strictBinding_data() {
        QTest::addColumn<QString>("drop");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing-temporal-key")
            << u"down_blocks.0.temp_attentions.0.transformer_blocks.0.attn1.to_v.weight"_s
            << u"1 missing key(s)"_s;
        QTest::newRow("unexpected-key") << u"+extra.weight"_s << u"1 unexpected key(s)"_s;
    }
    void strictBinding() {
        QFETCH(QString, drop);
        QFETCH(QString, message);
        mp::test::TempDir tmp;
        const auto src = kGolden / "unet3d" / "two-level";
        auto tensors = loadTensorFile(src / "diffusion_pytorch_model.safetensors");
        NamedTensors edited;
        for (auto& kv : tensors)
            if (kv.first != drop.toStdString())
                edited.push_back(kv);
        if (drop.startsWith(u'+'))
            edited.emplace_back(drop.mid(1).toStdString(), at::zeros({2}));
        else
            QCOMPARE(edited.size() + 1, tensors.size());
        saveTensorFile(tmp.path() / "diffusion_pytorch_model.safetensors", edited);
        fs::copy_file(src / "config.json", tmp.path() / "config.json");
        try {
            (void)models::loadUNet3D(tmp.path());
            QFAIL("loaded");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Weights);
            const auto what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains(message), e.what());
            if (!drop.startsWith(u'+'))
                QVERIFY2(what.contains(drop), e.what());
        }
    }

    void badConfig_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("heads-key") << u"num_attention_heads"_s << u"8"_s << u"must be null"_s;
        QTest::newRow("head-size")
            << u"attention_head_dim"_s << u"7"_s << u"not a whole number of heads of 7"_s;
        QTest::newRow("block-type")
            << u"down_block_types"_s << u"[\"CrossAttnDownBlock2D\", \"DownBlock3D\"]"_s
            << u"'CrossAttnDownBlock2D' is not a UNet3D down block"_s;
        QTest::newRow("lengths") << u"block_out_channels"_s << u"[16, 24, 24]"_s
                                 << u"must have the same length"_s;
    }
    void badConfig() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, message);
        mp::test::TempDir tmp;
        std::ifstream in(kGolden / "unet3d" / "two-level" / "config.json");
        auto json = nlohmann::json::parse(in);
        json[key.toStdString()] = nlohmann::json::parse(value.toStdString());
        std::ofstream(tmp.path() / "config.json") << json.dump();
        try {
            (void)models::UNet3DConfig::fromFile(tmp.path() / "config.json");
            QFAIL("accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Config);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"config.json"_s), e.what());
        }
    }

    void badInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("4d-sample") << u"4d-sample"_s << u"sample must be (batch, 4"_s;
        QTest::newRow("context-width") << u"context-width"_s << u"encoder_hidden_states"_s;
        QTest::newRow("timesteps") << u"timesteps"_s << u"one per batch item"_s;
    }
    void badInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        auto unet = models::loadUNet3D(kGolden / "unet3d" / "two-level");
        auto sample = at::zeros({2, 4, 2, 8, 8});
        auto t = at::tensor({1, 2}, at::kLong);
        auto ctx = at::zeros({2, 5, 16});
        if (what == u"4d-sample")
            sample = at::zeros({2, 4, 8, 8});
        if (what == u"context-width")
            ctx = at::zeros({2, 5, 17});
        if (what == u"timesteps")
            t = at::tensor({1, 2, 3}, at::kLong);
        try {
            at::NoGradGuard noGrad;
            (void)unet->forward(sample, t, ctx);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    void pipeline_data() {
        QTest::addColumn<QString>("run");
        QTest::newRow("default-negative") << u"default-negative"_s;
        QTest::newRow("negative") << u"negative"_s;
    }
    void pipeline() {
        QFETCH(QString, run);
        const auto dir = kGolden / "pipeline";
        try {
            const auto g = loadGolden(dir);
            const auto spec = test::goldenRun(dir, run.toStdString());
            auto p = pipelines::ModelScopePipeline::load(dir, resolveDevice("cpu", "fp32")).value();
            const auto r = run.toStdString() + ".";
            const auto cond = checkPromptEmbeddings(p, spec, g, run);
            if (QTest::currentTestFailed())
                return;

            auto req = goldenRequest(spec);
            req.frames = spec["frames"].get<int>();
            req.height = spec["height"].get<int>();
            req.width = spec["width"].get<int>();
            req.initialLatents = g.at(r + "latents");
            auto result = pipelines::generate(p, req);
            QVERIFY2(result.ok(), result.ok() ? "" : result.error().what());
            QCOMPARE(result.value().timesteps, (std::vector<std::int64_t>{667, 334, 1}));
            CHECK_CLOSE(result.value().latents, g.at(r + "final_latents"), run + u" latents"_s);
            // diffusers' "pt" frames are (B, F, C, H, W).
            const auto video = result.value().video.permute({0, 2, 1, 3, 4});
            QCOMPARE(video.sizes(), g.at(r + "video").sizes());
            CHECK_CLOSE(video, g.at(r + "video"), run + u" video"_s);
            // Guidance mattered: the run differs from the start noise and the prompt from its
            // negative.
            QVERIFY(relMax(cond.embeddings, cond.negativeEmbeddings) > 1e-2);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    // Interoperability of the shipped toy model: diffusers' TextToVideoSDPipeline loaded
    // resources/models/toy/t2v unchanged and sampled it (tools/golden/toy_pipeline.py, fp32 CPU);
    // ours, from the same folder and seed, draws the same noise and makes the same video.
    void toyPipeline_data() {
        QTest::addColumn<QString>("run");
        QTest::newRow("default (25 steps, guidance 9, seed 0)") << u"default"_s;
        QTest::newRow("negative prompt (10 steps, guidance 7.5)") << u"negative"_s;
    }
    void toyPipeline() {
        QFETCH(QString, run);
        const auto goldenDir = fs::path(MP_TEST_DATA_DIR) / "golden" / "toy_pipeline";
        const auto model =
            fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "models" / "toy" / "t2v";
        try {
            const auto g = loadGolden(goldenDir);
            const auto spec = test::goldenRun(goldenDir, run.toStdString());
            const auto info = inspectSnapshot(model);
            QVERIFY(info.isToy && !info.hasErrors());
            auto p =
                pipelines::ModelScopePipeline::load(model, resolveDevice("cpu", "fp32")).value();
            const auto r = run.toStdString() + ".";
            (void)checkPromptEmbeddings(p, spec, g, run);
            if (QTest::currentTestFailed())
                return;

            auto req = goldenRequest(spec);
            req.seed = spec["seed"].get<std::uint64_t>();  // ours draws the noise from the seed
            const auto noise = p.initialNoise(req.seed, 1, 16, 64, 64);
            QVERIFY(at::equal(noise, g.at(r + "latents")));
            auto result = pipelines::generate(p, req);
            QVERIFY2(result.ok(), result.ok() ? "" : result.error().what());
            QCOMPARE(result.value().timesteps.size(), std::size_t(req.steps));
            // Guided sampling amplifies rounding, by how much depends on the weights: the final
            // latents are held to the larger of the bar and twice what ours makes of its own start
            // noise nudged by 1e-6 relative (less than one UNet forward differs between two fp32
            // implementations, 1e-6 to 1e-5 in the unet rows; the two runs round at every step,
            // the nudge enters once).
            auto nudged = req;
            auto nudgeGen = at::make_generator<at::CPUGeneratorImpl>(2);
            nudged.initialLatents = noise * (1 + 1e-6 * at::randn(noise.sizes(), nudgeGen));
            const auto again = pipelines::generate(p, nudged);
            QVERIFY2(again.ok(), again.ok() ? "" : again.error().what());
            const double latentBound =
                std::max(kTolerance, 2 * relMax(again.value().latents, result.value().latents));
            const double latentErr = relMax(result.value().latents, g.at(r + "final_latents"));
            qInfo("%s latents: %.2e (bound %.2e)", qPrintable(run), latentErr, latentBound);
            QVERIFY2(latentErr <= latentBound, qPrintable(run));
            // The decoder held to the bar from diffusers' latents; end to end, the video may
            // differ by what the decoder makes of the latents' own difference (25 guided steps
            // amplify rounding): held to a nudge of that size in every element.
            const auto bfchw = [](const at::Tensor& v) { return v.permute({0, 2, 1, 3, 4}); };
            const auto& theirs = g.at(r + "final_latents");
            const auto decoded = bfchw(p.decode(theirs));
            QCOMPARE(decoded.sizes(), g.at(r + "video").sizes());
            CHECK_CLOSE(decoded, g.at(r + "video"), run + u" video from their latents"_s);
            auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
            const auto nudge =
                (result.value().latents - theirs).abs().max() * at::randn(theirs.sizes(), gen);
            const double bound =
                std::max(kTolerance, relMax(bfchw(p.decode(theirs + nudge)), decoded));
            const double whole = relMax(bfchw(result.value().video), g.at(r + "video"));
            qInfo("%s video end to end: %.2e (bound %.2e)", qPrintable(run), whole, bound);
            QVERIFY2(whole <= bound, qPrintable(run));
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void pipelineSeedsAndCancel() {
        auto p =
            pipelines::ModelScopePipeline::load(kGolden / "pipeline", resolveDevice("cpu", "fp32"))
                .value();
        QCOMPARE(p.defaultHeight(), std::int64_t{16});  // sample_size 8 × VAE factor 2
        QCOMPARE(p.defaultWidth(), std::int64_t{16});
        pipelines::GenerateRequest req;
        req.prompt = "a red circle";
        req.steps = 2;
        req.frames = 2;
        req.decode = false;
        req.seed = 5;
        auto a = pipelines::generate(p, req), b = pipelines::generate(p, req);
        req.seed = 6;
        auto c = pipelines::generate(p, req);
        QVERIFY(a.ok() && b.ok() && c.ok());
        QVERIFY(at::equal(a.value().latents, b.value().latents));
        QVERIFY(!at::equal(a.value().latents, c.value().latents));
        // The seeded noise is torch.randn on a CPU generator with that seed.
        auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
        QVERIFY(at::equal(p.initialNoise(5, 1, 2, 16, 16), at::randn({1, 4, 2, 8, 8}, gen)));

        JobContext ctx;
        ctx.cancel.cancel();
        auto cancelled = pipelines::generate(p, req, ctx);
        QVERIFY(cancelled.cancelled());
        req.height = 15;
        auto bad = pipelines::generate(p, req);
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromUtf8(bad.error().what()).contains(u"multiples of 2"_s),
                 bad.error().what());
    }
};

QTEST_APPLESS_MAIN(TstModelScope)
#include "tst_modelscope.moc"
