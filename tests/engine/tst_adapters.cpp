// LoRA adapters (adapters/lora.h) on the toy recipe's UNet3D layout: presets pick the right
// layers, the adapter computes peft's W x + (α/r)·B(A x), removal restores the weights bit for
// bit, files round-trip in diffusers/peft naming, bad files give one clear error, and training
// reaches A and B only.

#include "adapters/lora.h"
#include "core/error.h"
#include "fixtures.h"
#include "golden_util.h"
#include "io/tensor_io.h"
#include "models/unet3d.h"
#include "nn/layers.h"
#include "pipelines/modelscope.h"
#include "runtime/device.h"
#include "train/customize.h"
#include "train/toy_t2v.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <algorithm>
#include <regex>

using namespace mp;
using namespace mp::adapters;
using namespace Qt::StringLiterals;
using mp::test::relMax;

namespace {

models::UNet3DConditionModel tinyUNet() {
    at::manual_seed(4);
    train::ToyT2vOptions o;
    o.channels = {16, 16};
    o.groups = 4;
    models::UNet3DConditionModel unet(train::toyUNetConfig(o, 12));
    unet->eval();
    for (auto& p : unet->parameters())
        p.set_requires_grad(false);
    return unet;
}

struct Inputs {
    at::Tensor x = at::randn({1, 4, 3, 8, 8});
    at::Tensor t = at::tensor({500}, at::kLong);
    at::Tensor context = at::randn({1, 5, 12});
};

// Customization of random 4-frame latents on a pipeline, its caption set.
train::CustomizeOptions smallCustomization(const pipelines::ModelScopePipeline& p) {
    train::CustomizeOptions o;
    o.latents = at::randn({1, p.latentChannels(), 4, p.defaultHeight() / p.vaeFactor(),
                           p.defaultWidth() / p.vaeFactor()});
    o.caption = "a red circle moves from left to right";
    return o;
}

at::Tensor run(models::UNet3DConditionModel& unet, const Inputs& in) {
    torch::NoGradGuard noGrad;
    return unet->forward(in.x, in.t, in.context);
}

// The tiny random ModelScope pipeline of the parity tests.
pipelines::ModelScopePipeline goldenPipeline() {
    return pipelines::ModelScopePipeline::load(
               std::filesystem::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / "pipeline",
               resolveDevice("cpu", "fp32"))
        .value();
}

// B is zero at injection; give it values so the adapter changes something.
void randomiseB(LoraAdapter& adapter) {
    torch::NoGradGuard noGrad;
    for (auto& [name, p] : adapter.parameters())
        if (name.find("lora_B") != std::string::npos ||
            name.find("weight_delta") != std::string::npos)
            p.copy_(at::randn(p.sizes()) * 0.1);
}

}  // namespace

class TstAdapters : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void presets_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QStringList>("projections");
        QTest::addColumn<bool>("temporalOnly");
        QTest::newRow("temporal-vo")
            << u"temporal-vo"_s << QStringList{u"to_v"_s, u"to_out.0"_s} << true;
        QTest::newRow("temporal-qkvo")
            << u"temporal-qkvo"_s << QStringList{u"to_q"_s, u"to_k"_s, u"to_v"_s, u"to_out.0"_s}
            << true;
        QTest::newRow("all-attention")
            << u"all-attention"_s << QStringList{u"to_q"_s, u"to_k"_s, u"to_v"_s, u"to_out.0"_s}
            << false;
    }
    void presets() {
        QFETCH(QString, preset);
        QFETCH(QStringList, projections);
        QFETCH(bool, temporalOnly);
        auto unet = tinyUNet();
        const auto pattern =
            presetPattern(ModelFamily::ModelScope, parsePreset(preset.toStdString()));
        // What the preset should take, counted independently of its pattern.
        int expected = 0, temporal = 0;
        for (const auto& item : unet->named_modules("", false)) {
            if (!item.value()->as<mp::nn::LinearImpl>())
                continue;
            const auto name = QString::fromStdString(item.key());
            const bool inAttention = name.contains(u".attn1."_s) || name.contains(u".attn2."_s);
            const bool isTemporal =
                name.startsWith(u"transformer_in."_s) || name.contains(u"temp_attentions."_s);
            bool projection = false;
            for (const auto& p : projections)
                projection |= name.endsWith(u"."_s + p);
            if (inAttention && projection && (isTemporal || !temporalOnly)) {
                ++expected;
                temporal += isTemporal;
            }
        }
        const auto adapter = LoraAdapter::inject(*unet, {pattern, 4, 4, 1});
        QCOMPARE(int(adapter.modules().size()), expected);
        QVERIFY(temporal > 0);
        if (temporalOnly) {
            const auto names = adapter.modules();
            QVERIFY(std::find(names.begin(), names.end(),
                              "transformer_in.transformer_blocks.0.attn1.to_v") != names.end());
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, parsePreset("temporal"));
    }

    // Every family's presets on diffusers' own module names (no Latte or CogVideoX model is
    // needed to know which of its layers a preset takes).
    void familyPresets_data() {
        QTest::addColumn<int>("family");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("module");
        QTest::addColumn<bool>("taken");
        const auto row = [](const char* tag, ModelFamily f, const char* preset, const char* module,
                            bool taken) {
            QTest::newRow(tag) << int(f) << QString::fromLatin1(preset)
                               << QString::fromLatin1(module) << taken;
        };
        const auto ms = ModelFamily::ModelScope, latte = ModelFamily::Latte,
                   cog = ModelFamily::CogVideoX;
        const char* msTemporal =
            "up_blocks.1.temp_attentions.2.transformer_blocks.0.attn2.to_out.0";
        const char* msSpatial = "up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_out.0";
        row("modelscope temporal vo", ms, "temporal-vo", msTemporal, true);
        row("modelscope transformer_in", ms, "temporal-vo",
            "transformer_in.transformer_blocks.0.attn1.to_v", true);
        row("modelscope spatial vo", ms, "temporal-vo", msSpatial, false);
        row("modelscope spatial all", ms, "all-attention", msSpatial, true);
        row("latte temporal v", latte, "temporal-vo", "temporal_transformer_blocks.3.attn1.to_v",
            true);
        row("latte temporal o", latte, "temporal-vo",
            "temporal_transformer_blocks.27.attn1.to_out.0", true);
        row("latte temporal q, vo", latte, "temporal-vo",
            "temporal_transformer_blocks.3.attn1.to_q", false);
        row("latte temporal q, qkvo", latte, "temporal-qkvo",
            "temporal_transformer_blocks.3.attn1.to_q", true);
        row("latte spatial v, vo", latte, "temporal-vo", "transformer_blocks.3.attn1.to_v", false);
        row("latte spatial cross k, all", latte, "all-attention", "transformer_blocks.3.attn2.to_k",
            true);
        row("latte temporal v, all", latte, "all-attention",
            "temporal_transformer_blocks.3.attn1.to_v", true);
        row("latte feed-forward, all", latte, "all-attention",
            "temporal_transformer_blocks.3.ff.net.0.proj", false);
        row("cogvideox v", cog, "temporal-vo", "transformer_blocks.10.attn1.to_v", true);
        row("cogvideox o", cog, "temporal-vo", "transformer_blocks.41.attn1.to_out.0", true);
        row("cogvideox k, vo", cog, "temporal-vo", "transformer_blocks.10.attn1.to_k", false);
        row("cogvideox k, qkvo", cog, "temporal-qkvo", "transformer_blocks.10.attn1.to_k", true);
        row("cogvideox q, all", cog, "all-attention", "transformer_blocks.0.attn1.to_q", true);
        row("cogvideox feed-forward", cog, "all-attention", "transformer_blocks.0.ff.net.0.proj",
            false);
        row("cogvideox patch embedding", cog, "all-attention", "patch_embed.text_proj", false);
    }
    void familyPresets() {
        QFETCH(int, family);
        QFETCH(QString, preset);
        QFETCH(QString, module);
        QFETCH(bool, taken);
        const std::regex pattern(
            presetPattern(static_cast<ModelFamily>(family), parsePreset(preset.toStdString())),
            std::regex::ECMAScript);
        QCOMPARE(std::regex_match(module.toStdString(), pattern), taken);
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 presetPattern(ModelFamily::Unknown, Preset::TemporalVO));
    }

    // Injected: B = 0, the model is unchanged. With B set: each layer computes peft's formula;
    // removed: the original weight tensors are back, so the output is bit for bit the original.
    void forwardAndRemoval() {
        auto unet = tinyUNet();
        const Inputs in;
        const auto base = run(unet, in);
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 4, 8, 2});
        adapter.apply();
        QVERIFY(at::equal(run(unet, in), base));
        randomiseB(adapter);
        adapter.apply();
        const auto adapted = run(unet, in);
        QVERIFY(relMax(adapted, base) > 1e-3);

        // One layer by hand: y = W x + (α/r)·B(A x).
        const auto name = std::string("transformer_in.transformer_blocks.0.attn1.to_v");
        auto* linear = unet->named_modules()[name]->as<mp::nn::LinearImpl>();
        const auto params = adapter.parameters();
        at::Tensor a, b;
        for (const auto& [n, p] : params) {
            if (n == name + ".lora_A.weight")
                a = p;
            if (n == name + ".lora_B.weight")
                b = p;
        }
        QVERIFY(a.defined() && b.defined());
        const auto x = at::randn({7, linear->weight.size(1)});
        torch::NoGradGuard noGrad;
        const auto ours = linear->forward(x);
        adapter.remove();
        const auto original = linear->forward(x);
        const auto expected = original + (8.0 / 4.0) * at::linear(at::linear(x, a), b);
        QVERIFY2(relMax(ours, expected) < 1e-6,
                 qPrintable(QString::number(relMax(ours, expected))));
        QVERIFY(at::equal(run(unet, in), base));
        // Half the scale, half the change.
        adapter.apply(0.5);
        const auto half = linear->forward(x);
        QVERIFY(relMax(half - original, 0.5 * (expected - original)) < 1e-5);
    }

    // Saved in diffusers/peft naming with α in the metadata; loaded into a fresh model, the same
    // output.
    void fileRoundTrip() {
        test::TempDir dir;
        auto unet = tinyUNet();
        const Inputs in;
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 2, 6, 3});
        randomiseB(adapter);
        adapter.apply();
        const auto adapted = run(unet, in);
        adapter.save(dir / "pytorch_lora_weights.safetensors", "unet", {{"tau", "700"}});

        const auto meta = loadTensorFileMetadata(dir / "pytorch_lora_weights.safetensors");
        QCOMPARE(meta.at("tau"), std::string("700"));
        const auto j = nlohmann::json::parse(meta.at("lora_adapter_metadata"));
        QCOMPARE(j.at("unet.r").get<int>(), 2);
        QCOMPARE(j.at("unet.lora_alpha").get<double>(), 6.0);
        bool sawKey = false;
        for (const auto& [k, t] : loadTensorFile(dir / "pytorch_lora_weights.safetensors")) {
            QVERIFY2(std::regex_match(k, std::regex(R"(unet\..+\.lora_[AB]\.weight)")), k.c_str());
            if (k == "unet.transformer_in.transformer_blocks.0.attn1.to_v.lora_A.weight") {
                sawKey = true;
                QCOMPARE(t.size(0), 2);
            }
        }
        QVERIFY(sawKey);

        auto fresh = tinyUNet();
        auto loaded = LoraAdapter::load(*fresh, dir / "pytorch_lora_weights.safetensors");
        QCOMPARE(loaded.rank(), std::int64_t(2));
        QCOMPARE(loaded.alpha(), 6.0);
        loaded.apply();
        QVERIFY(at::equal(run(fresh, in), adapted));
    }

    void loadErrors_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown module") << u"unknown"_s << u"not a linear layer"_s;
        QTest::newRow("wrong shape") << u"shape"_s << u"but the layer is"_s;
        QTest::newRow("half a pair") << u"half"_s << u"only one of lora_A and lora_B"_s;
        QTest::newRow("no LoRA keys") << u"none"_s << u"no LoRA weights under 'unet.'"_s;
        QTest::newRow("not an adapter key") << u"stray"_s << u"is not an adapter key"_s;
        QTest::newRow("LoRA and plain weights") << u"mixed"_s << u"mixes LoRA keys"_s;
        QTest::newRow("tuned weight of a wrong shape") << u"direct"_s << u"but the layer is"_s;
    }
    void loadErrors() {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        test::TempDir dir;
        const auto file = dir / "lora.safetensors";
        const std::string layer = "unet.transformer_in.transformer_blocks.0.attn1.to_v";
        NamedTensors t;
        const auto k = kind.toStdString();
        if (k == "unknown")
            t = {{"unet.nowhere.to_v.lora_A.weight", at::zeros({2, 16})},
                 {"unet.nowhere.to_v.lora_B.weight", at::zeros({16, 2})}};
        else if (k == "shape")
            t = {{layer + ".lora_A.weight", at::zeros({2, 5})},
                 {layer + ".lora_B.weight", at::zeros({3, 2})}};
        else if (k == "half")
            t = {{layer + ".lora_A.weight", at::zeros({2, 16})}};
        else if (k == "none")
            t = {{"text_encoder.x.lora_A.weight", at::zeros({2, 16})}};
        else if (k == "mixed")
            t = {{layer + ".lora_A.weight", at::zeros({2, 16})},
                 {layer + ".lora_B.weight", at::zeros({16, 2})},
                 {"unet.transformer_in.transformer_blocks.0.attn1.to_q.weight",
                  at::zeros({16, 16})}};
        else if (k == "direct")
            t = {{layer + ".weight", at::zeros({16, 5})}};
        else
            t = {{layer + ".lora_magnitude_vector", at::zeros({16})}};
        saveTensorFile(file, t);
        auto unet = tinyUNet();
        try {
            (void)LoraAdapter::load(*unet, file);
            QFAIL("loaded");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
            QVERIFY2(
                QString::fromStdString(e.what()).contains(QString::fromStdString(file.string())),
                e.what());
        }
    }

    // diffusers' legacy attention-processor names load as lora_A/lora_B (".processor." dropped,
    // as diffusers drops it); without metadata α = r.
    void legacyNames() {
        test::TempDir dir;
        auto unet = tinyUNet();
        const std::string module = "transformer_in.transformer_blocks.0.attn1.to_v";
        const auto& w = unet->named_modules()[module]->as<mp::nn::LinearImpl>()->weight;
        const std::string p = "unet.transformer_in.transformer_blocks.0.attn1.processor.";
        saveTensorFile(dir / "old.safetensors",
                       {{p + "to_v_lora.down.weight", at::ones({3, w.size(1)})},
                        {p + "to_v_lora.up.weight", at::ones({w.size(0), 3})}});
        auto loaded = LoraAdapter::load(*unet, dir / "old.safetensors");
        QCOMPARE(loaded.modules(), std::vector<std::string>{module});
        QCOMPARE(loaded.rank(), std::int64_t(3));
        QCOMPARE(loaded.alpha(), 3.0);
    }

    // Files across implementations (tools/golden/lora_peft.py, made with diffusers and peft on
    // the tiny pipeline's UNet): peft's LoRA, saved by diffusers, gives peft's output in ours;
    // our LoRA loaded into peft, and our direct-tuning file loaded by load_state_dict, give in
    // diffusers what ours gives. fp32, ≤ 1e-4 relative; each adapter moves the output by far more.
    void peftParity_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("peft's file in ours") << u"peft_lora"_s << u"peft"_s;
        QTest::newRow("our LoRA in peft") << u"ours_lora"_s << u"from_ours"_s;
        QTest::newRow("our direct file in diffusers") << u"ours_direct"_s << u"from_ours_direct"_s;
    }
    void peftParity() {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const auto dir = std::filesystem::path(MP_TEST_DATA_DIR) / "golden" / "lora";
        if (!std::filesystem::exists(dir / "golden.safetensors"))
            QSKIP(
                "tests/data/golden/lora/golden.safetensors is made on the GPU machine "
                "(tools/golden/lora_peft.py) and is not there yet");
        const auto golden = test::loadGolden(dir);
        auto p = goldenPipeline();
        auto unet = p.unet();
        auto adapter = LoraAdapter::load(*unet, dir / (file.toStdString() + ".safetensors"));
        adapter.apply();
        torch::NoGradGuard noGrad;
        const auto out = unet->forward(golden.at("sample"), golden.at("timestep"),
                                       golden.at("encoder_hidden_states"));
        const auto& want = golden.at(expected.toStdString());
        qInfo("%s: %.2e relative (the adapter moves the output by %.2e)", qPrintable(file),
              relMax(out, want), relMax(want, golden.at("base")));
        QVERIFY2(relMax(out, want) < 1e-4, qPrintable(QString::number(relMax(out, want))));
        QVERIFY(relMax(want, golden.at("base")) > 1e-3);
    }

    // In a pipeline: no schedule leaves the LoRA off; a constant one changes the result; "from τ"
    // equals the same run cut in two slices, the LoRA on for the steps at t ≥ τ and off after;
    // after each generate the UNet is back to its own weights.
    void pipelineGate() {
        test::TempDir dir;
        auto p = goldenPipeline();
        {
            auto made = LoraAdapter::inject(
                *p.unet(), {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 4, 4, 7});
            randomiseB(made);
            made.save(dir / "lora.safetensors");
        }
        pipelines::GenerateRequest r;
        r.prompt = "a red circle moves from left to right";
        r.steps = 6;
        r.guidance = 7.5;
        r.frames = 4;
        r.decode = false;
        const auto plain = pipelines::generate(p, r).value();
        p.attachLora(dir / "lora.safetensors");
        QVERIFY(at::equal(pipelines::generate(p, r).value().latents, plain.latents));
        r.adapterSchedule = sampling::AdapterSchedule::constant(1.0);
        const auto on = pipelines::generate(p, r).value().latents;
        QVERIFY(relMax(on, plain.latents) > 1e-3);
        QCOMPARE(p.lora()->scale(), 0.0);
        const double tau = 500;
        r.adapterSchedule = sampling::AdapterSchedule::from(tau);
        const auto gated = pipelines::generate(p, r).value().latents;
        QVERIFY(relMax(gated, on) > 1e-4 && relMax(gated, plain.latents) > 1e-4);

        const auto above = static_cast<int>(std::count_if(
            plain.timesteps.begin(), plain.timesteps.end(), [&](auto t) { return t >= tau; }));
        QVERIFY(above > 0 && above < r.steps);
        sampling::DenoiseRequest d;
        d.numSteps = r.steps;
        d.latents = p.initialNoise(r.seed, 1, r.frames, p.defaultHeight(), p.defaultWidth());
        d.conditions = {p.encodePrompt(r.prompt, std::nullopt)};
        d.guidance.scale = r.guidance.value_or(p.defaultGuidance());
        d.stepCount = above;
        d.adapterSchedule = sampling::AdapterSchedule::constant(1.0);
        const auto first = sampling::denoise(p.scheduler(), p.modelFn(), d).value();
        d.firstStep = above;
        d.stepCount = -1;
        d.latents = first.latents;
        d.adapterSchedule = sampling::AdapterSchedule::none();
        const auto second = sampling::denoise(p.scheduler(), p.modelFn(), d).value();
        QVERIFY2(relMax(second.latents, gated) < 1e-6,
                 qPrintable(QString::number(relMax(second.latents, gated))));
        r.adapterSchedule = sampling::AdapterSchedule::none();
        QVERIFY(at::equal(pipelines::generate(p, r).value().latents, plain.latents));
    }

    // Customization: timesteps only from [τ, 1000), the LoRA learns (its B leaves zero and the
    // output moves), the base weights are untouched, the file carries τ; a bad τ is refused.
    void customization() {
        test::TempDir dir;
        auto p = goldenPipeline();
        std::vector<at::Tensor> before;
        std::vector<bool> grads;
        for (const auto& w : p.unet()->parameters()) {
            before.push_back(w.detach().clone());
            grads.push_back(w.requires_grad());
        }
        auto o = smallCustomization(p);
        o.tau = 700;
        o.train.totalSteps = 12;
        o.train.adamw.lr = 1e-2;
        o.train.seed = 3;
        const auto r = train::trainCustomization(p, o, dir / "lora.safetensors");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        const auto& report = r.value();
        QCOMPARE(report.training.losses.size(), std::size_t(12));
        QVERIFY(report.smallestTimestep >= 700 && report.largestTimestep <= 999);
        QVERIFY(!report.modules.empty());
        const auto after = p.unet()->parameters();
        for (std::size_t i = 0; i < before.size(); ++i)
            QVERIFY(at::equal(after[i], before[i]) && after[i].requires_grad() == grads[i]);
        QVERIFY(!p.unet()->is_training());

        const auto meta = loadTensorFileMetadata(dir / "lora.safetensors");
        QCOMPARE(meta.at("motionprobe.tau"), std::string("700"));
        QCOMPARE(meta.at("motionprobe.preset"), std::string("temporal-vo"));
        double bNorm = 0;
        for (const auto& [k, t] : loadTensorFile(dir / "lora.safetensors"))
            if (k.find("lora_B") != std::string::npos)
                bNorm += t.abs().sum().item<double>();
        QVERIFY(bNorm > 0);

        pipelines::GenerateRequest g;
        g.prompt = o.caption;
        g.steps = 4;
        g.frames = 4;
        g.decode = false;
        const auto plain = pipelines::generate(p, g).value().latents;
        p.attachLora(dir / "lora.safetensors");
        g.adapterSchedule = sampling::AdapterSchedule::constant(1.0);
        QVERIFY(relMax(pipelines::generate(p, g).value().latents, plain) > 1e-5);

        o.tau = 1000;
        const auto bad = train::trainCustomization(p, o, dir / "bad.safetensors");
        QVERIFY(!bad.ok());
        QVERIFY2(std::string(bad.error().what()).find("tau") != std::string::npos,
                 bad.error().what());
        QVERIFY(!std::filesystem::exists(dir / "bad.safetensors"));
    }

    // Previews while training: after every previewEvery-th step but the last, a video made with
    // the adapter as trained so far (so it differs from the base model's); the training itself
    // draws exactly as without previews, so the adapters are equal. With dropout, previews
    // sample in eval mode and training resumes in train mode.
    void customizationPreviews() {
        test::TempDir dir;
        auto p = goldenPipeline();
        auto o = smallCustomization(p);
        o.tau = 500;
        o.dropout = 0.1;
        o.train.totalSteps = 6;
        o.train.adamw.lr = 1e-2;
        o.train.seed = 4;
        const auto plainRun = train::trainCustomization(p, o, dir / "plain.safetensors");
        QVERIFY2(plainRun.ok(), plainRun.ok() ? "" : plainRun.error().what());

        o.previewEvery = 2;
        o.preview.prompt = o.caption;
        o.preview.steps = 3;
        o.preview.frames = 4;
        std::vector<int> steps;
        std::vector<at::Tensor> videos;
        o.onPreview = [&](int step, const at::Tensor& video) {
            QVERIFY(!p.unet()->is_training());  // sampling mode: no dropout
            steps.push_back(step);
            videos.push_back(video);
        };
        const auto withPreviews = train::trainCustomization(p, o, dir / "previews.safetensors");
        QVERIFY2(withPreviews.ok(), withPreviews.ok() ? "" : withPreviews.error().what());
        QCOMPARE(steps, (std::vector<int>{2, 4}));
        QCOMPARE(videos[0].sizes().vec(),
                 (std::vector<std::int64_t>{1, 3, 4, p.defaultHeight(), p.defaultWidth()}));
        const auto base = pipelines::generate(p, o.preview).value().video;
        QVERIFY(relMax(videos[0], base) > 1e-6);
        QVERIFY(relMax(videos[1], videos[0]) > 1e-6);
        const auto a = loadTensorFile(dir / "plain.safetensors");
        const auto b = loadTensorFile(dir / "previews.safetensors");
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].first, b[i].first);
            QVERIFY2(at::equal(a[i].second, b[i].second), a[i].first.c_str());
        }
        QVERIFY(!p.unet()->is_training());
    }

    // Gradient checkpointing recomputes the layers in the backward: every adapter parameter gets
    // the gradient it gets without (a LoRA, and direct tuning of the same layers; the adapters
    // before, inside and after the checkpointed blocks), nothing reaches the base; through the
    // trainer, with dropout (whose masks a recomputation would redraw) it is refused.
    void gradientCheckpointing_data() {
        QTest::addColumn<qint64>("rank");
        QTest::newRow("LoRA rank 4") << qint64{4};
        QTest::newRow("direct tuning") << qint64{0};
    }
    void gradientCheckpointing() {
        QFETCH(qint64, rank);
        auto unet = tinyUNet();
        const Inputs in;
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), rank, 4, 5});
        if (rank > 0)
            randomiseB(adapter);
        const auto gradients = [&](bool checkpointing) {
            unet->setGradientCheckpointing(checkpointing);
            for (auto& [name, p] : adapter.parameters())
                p.mutable_grad() = at::Tensor();
            adapter.apply();
            unet->forward(in.x, in.t, in.context).pow(2).mean().backward();
            std::vector<at::Tensor> g;
            for (const auto& [name, p] : adapter.parameters())
                g.push_back(p.grad().clone());
            return g;
        };
        const auto plain = gradients(false);
        const auto checkpointed = gradients(true);
        unet->setGradientCheckpointing(false);
        QCOMPARE(plain.size(), adapter.parameters().size());
        std::size_t i = 0;
        for (const auto& [name, p] : adapter.parameters()) {
            QVERIFY2(checkpointed[i].defined(), name.c_str());
            QVERIFY2(plain[i].abs().sum().item<double>() > 0, name.c_str());
            QVERIFY2(relMax(checkpointed[i], plain[i]) < 1e-5,
                     qPrintable(QString::fromStdString(name) + u": "_s +
                                QString::number(relMax(checkpointed[i], plain[i]))));
            ++i;
        }
        for (const auto& p : unet->parameters())
            QVERIFY(!p.grad().defined());
        adapter.remove();

        // Through customization: refused with dropout, named.
        test::TempDir dir;
        auto pipeline = goldenPipeline();
        auto o = smallCustomization(pipeline);
        o.rank = rank;
        o.train.totalSteps = 2;
        o.gradientCheckpointing = true;
        const auto r = train::trainCustomization(pipeline, o, dir / "lora.safetensors");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        o.dropout = 0.1;
        const auto refused = train::trainCustomization(pipeline, o, dir / "refused.safetensors");
        QVERIFY(!refused.ok());
        QVERIFY2(std::string(refused.error().what()).find("dropout") != std::string::npos,
                 refused.error().what());
        QVERIFY(!std::filesystem::exists(dir / "refused.safetensors"));
    }

    // Unmerged application (peft's forward, nn::AdaptableLinear's branch) gives the merged
    // output and the same gradients, for a LoRA and for direct tuning; at scale 0 the model is
    // bit for bit the original either way.
    void unmergedMatchesMerged_data() {
        QTest::addColumn<int>("rank");
        QTest::newRow("LoRA rank 4") << 4;
        QTest::newRow("direct (full rank)") << 0;
    }
    void unmergedMatchesMerged() {
        QFETCH(int, rank);
        auto unet = tinyUNet();
        const Inputs in;
        const auto base = run(unet, in);
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalQKVO), rank, 8, 2});
        QCOMPARE(adapter.direct(), rank == 0);
        randomiseB(adapter);
        const auto forwardAndGrads = [&] {
            adapter.apply(0.7);
            const auto out = run(unet, in);
            for (auto& [n, p] : adapter.parameters())
                p.mutable_grad() = at::Tensor();
            adapter.apply(0.7);  // in grad mode: connected to the parameters
            unet->forward(in.x, in.t, in.context).pow(2).mean().backward();
            std::vector<at::Tensor> grads;
            for (auto& [n, p] : adapter.parameters())
                grads.push_back(p.grad().clone());
            return std::make_pair(out, grads);
        };
        const auto [merged, mergedGrads] = forwardAndGrads();
        QVERIFY(relMax(merged, base) > 1e-3);
        adapter.setApplication(Application::Unmerged);
        QVERIFY(adapter.application() == Application::Unmerged);
        const auto [unmerged, unmergedGrads] = forwardAndGrads();
        QVERIFY2(relMax(unmerged, merged) < 1e-5,
                 qPrintable(QString::number(relMax(unmerged, merged))));
        for (std::size_t i = 0; i < mergedGrads.size(); ++i)
            QVERIFY2(relMax(unmergedGrads[i], mergedGrads[i]) < 1e-4,
                     qPrintable(QString::number(relMax(unmergedGrads[i], mergedGrads[i]))));
        adapter.remove();
        QVERIFY(at::equal(run(unet, in), base));
        adapter.setApplication(Application::Merged);
        adapter.apply(0.7);
        QVERIFY(relMax(run(unet, in), merged) < 1e-6);
    }

    // Dropout acts on the branch's input while the model trains, draws from the generator it is
    // given, and is off in eval mode; it cannot be merged.
    void dropout() {
        auto unet = tinyUNet();
        const Inputs in;
        auto plain = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 4, 4, 1});
        randomiseB(plain);
        plain.apply();
        const auto noDropout = run(unet, in);
        std::vector<at::Tensor> values;
        for (const auto& [n, p] : plain.parameters())
            values.push_back(p.detach().clone());
        { auto gone = std::move(plain); }  // the model's own weights back

        LoraOptions o{presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 4, 4, 1, 0.5};
        auto adapter = LoraAdapter::inject(*unet, o);
        QVERIFY(adapter.application() == Application::Unmerged);
        {
            torch::NoGradGuard noGrad;
            std::size_t i = 0;
            for (auto& [n, p] : adapter.parameters())
                p.copy_(values[i++]);
        }
        adapter.apply();
        QVERIFY2(relMax(run(unet, in), noDropout) < 1e-5, "eval mode: no dropout");
        unet->train();
        const auto sample = [&](std::uint64_t seed) {
            adapter.setDropoutGenerator(at::make_generator<at::CPUGeneratorImpl>(seed));
            return run(unet, in);
        };
        const auto a = sample(7), b = sample(7), c = sample(8);
        QVERIFY(at::equal(a, b));
        QVERIFY(relMax(a, c) > 1e-4);
        QVERIFY(relMax(a, noDropout) > 1e-4);
        unet->eval();
        QVERIFY_THROWS_EXCEPTION(EngineError, adapter.setApplication(Application::Merged));
        o.dropout = 1.0;
        QVERIFY_THROWS_EXCEPTION(EngineError, LoraAdapter::inject(*unet, o));
    }

    // A direct-tuning file holds the tuned weights (W + ΔW) under the layers' own names, the
    // kind diffusers loads with load_state_dict(strict=False); ours loads it back as ΔW.
    void directFile() {
        test::TempDir dir;
        auto unet = tinyUNet();
        const Inputs in;
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 0, 1, 0});
        randomiseB(adapter);
        adapter.apply();
        const auto adapted = run(unet, in);
        const auto file = dir / "direct.safetensors";
        adapter.save(file, "unet", {{"motionprobe.tau", "700"}});
        QCOMPARE(loadTensorFileMetadata(file).at("motionprobe.adapter"), std::string("direct"));
        const std::string module = "transformer_in.transformer_blocks.0.attn1.to_v";
        auto fresh = tinyUNet();
        const auto& w = fresh->named_modules()[module]->as<mp::nn::LinearImpl>()->weight;
        at::Tensor delta;
        for (const auto& [n, p] : adapter.parameters())
            if (n == module + ".weight_delta")
                delta = p.detach();
        QVERIFY(delta.defined());
        bool saw = false;
        for (const auto& [k, t] : loadTensorFile(file)) {
            QVERIFY2(std::regex_match(k, std::regex(R"(unet\..+\.weight)")), k.c_str());
            if (k == "unet." + module + ".weight") {
                saw = true;
                QVERIFY(relMax(t, w + delta) < 1e-6);
            }
        }
        QVERIFY(saw);
        auto loaded = LoraAdapter::load(*fresh, file);
        QVERIFY(loaded.direct());
        const auto base = run(fresh, in);
        loaded.apply();
        QVERIFY2(relMax(run(fresh, in), adapted) < 1e-5,
                 qPrintable(QString::number(relMax(run(fresh, in), adapted))));
        loaded.remove();
        QVERIFY(at::equal(run(fresh, in), base));
    }

    // A training step reaches A and B and leaves the frozen weights alone.
    void gradientsReachOnlyTheAdapter() {
        auto unet = tinyUNet();
        const Inputs in;
        auto adapter = LoraAdapter::inject(
            *unet, {presetPattern(ModelFamily::ModelScope, Preset::TemporalVO), 4, 4, 5});
        randomiseB(adapter);
        adapter.apply();
        const auto loss = unet->forward(in.x, in.t, in.context).pow(2).mean();
        loss.backward();
        for (const auto& [name, p] : adapter.parameters())
            QVERIFY2(p.grad().defined() && p.grad().abs().sum().item<double>() > 0, name.c_str());
        for (const auto& p : unet->parameters())
            QVERIFY(!p.grad().defined());
        adapter.remove();
    }
};

QTEST_APPLESS_MAIN(TstAdapters)
#include "tst_adapters.moc"
