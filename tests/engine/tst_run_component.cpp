// run-component plumbing: input validation, dtype casting, atomic outputs, clear errors. The
// families register real components; this test registers its own.

#include "../support/fixtures.h"
#include "pipelines/components.h"

#include <QtTest/QtTest>

using namespace mp;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
void registerTestComponents() {
    registerComponent({"test-affine",
                       "sample * 2 + timestep",
                       {"sample", "timestep"},
                       {"encoder_hidden_states"},
                       {"sample"},
                       [](const ComponentCall& call) {
                           const auto& x = call.inputs.at("sample");
                           auto t = call.inputs.at("timestep").to(x.scalar_type());
                           TensorMap out;
                           out["sample"] = x * 2 + t.view({-1, 1});
                           if (call.inputs.count("encoder_hidden_states"))
                               out["echo"] = call.inputs.at("encoder_hidden_states");
                           return out;
                       }});
    registerComponent({"test-fails",
                       "always throws",
                       {"sample"},
                       {},
                       {"sample"},
                       [](const ComponentCall&) -> TensorMap {
                           throw EngineError(ErrorCode::Internal, "deliberate failure");
                       }});
}
}  // namespace

class TstRunComponent : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { registerTestComponents(); }
    void runs();
    void errors_data();
    void errors();
    void failureWritesNothing();
    void textEncoderMatchesTransformers_data();
    void textEncoderMatchesTransformers();
    void modelScopeComponents_data();
    void modelScopeComponents();
};

void TstRunComponent::runs() {
    test::TempDir dir;
    const auto sample = at::randn({2, 3});
    saveTensorFile(dir / "in.safetensors",
                   {{"sample", sample.to(at::kBFloat16)},  // cast to the run's dtype (fp32 on CPU)
                    {"timestep", at::tensor({5, 7}, at::kLong)},
                    {"encoder_hidden_states", at::ones({2, 4})}});
    auto r = runComponent({dir.path(), "test-affine", dir / "in.safetensors",
                           dir / "out.safetensors", "cpu", "auto"});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().device, std::string("cpu fp32"));
    const auto out = loadTensorFile(dir / "out.safetensors");
    QCOMPARE(out.size(), std::size_t(2));
    std::map<std::string, at::Tensor> byName(out.begin(), out.end());
    QCOMPARE(byName["sample"].scalar_type(), at::kFloat);
    const auto expected =
        sample.to(at::kBFloat16).to(at::kFloat) * 2 + at::tensor({5.f, 7.f}).view({2, 1});
    QVERIFY(at::allclose(byName["sample"], expected));
    QCOMPARE(loadTensorFileMetadata(dir / "out.safetensors").at("component"),
             std::string("test-affine"));
}

void TstRunComponent::errors_data() {
    QTest::addColumn<QString>("component");
    QTest::addColumn<QString>("inputs");  // which tensors to write
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("unknown component")
        << "unet-xl"
        << "sample,timestep"
        << "cpu"
        << "'unet-xl' is not available in this build (available: "
           "clip-image, clip-text, test-affine, test-fails, text-encoder, transformer, unet, "
           "vae-decode, vae-encode)";
    QTest::newRow("missing input")
        << "test-affine"
        << "sample"
        << "cpu"
        << "input 'timestep' is missing (test-affine needs: sample, timestep)";
    QTest::newRow("unknown input") << "test-affine"
                                   << "sample,timestep,latents"
                                   << "cpu"
                                   << "tensor 'latents' is not an input of 'test-affine'";
    QTest::newRow("int32 input") << "test-affine"
                                 << "sample,timestep32"
                                 << "cpu"
                                 << "integer inputs must be I64";
    QTest::newRow("bad device") << "test-affine"
                                << "sample,timestep"
                                << "gpu9"
                                << "'gpu9' is not a device";
    QTest::newRow("missing inputs file") << "test-affine"
                                         << ""
                                         << "cpu"
                                         << "cannot open";
}

void TstRunComponent::errors() {
    QFETCH(QString, component);
    QFETCH(QString, inputs);
    QFETCH(QString, device);
    QFETCH(QString, phrase);
    test::TempDir dir;
    NamedTensors in;
    for (const auto& name : inputs.split(u',', Qt::SkipEmptyParts)) {
        if (name == u"timestep32")
            in.emplace_back("timestep", at::tensor({1, 2}, at::kInt));
        else if (name == u"timestep")
            in.emplace_back("timestep", at::tensor({1, 2}, at::kLong));
        else
            in.emplace_back(name.toStdString(), at::zeros({2, 3}));
    }
    if (!in.empty())
        saveTensorFile(dir / "in.safetensors", in);
    auto r = runComponent({dir.path(), component.toStdString(), dir / "in.safetensors",
                           dir / "out.safetensors", device.toStdString(), "auto"});
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error().what()).contains(phrase), r.error().what());
    QVERIFY(!fs::exists(dir / "out.safetensors"));
}

void TstRunComponent::failureWritesNothing() {
    test::TempDir dir;
    saveTensorFile(dir / "in.safetensors", {{"sample", at::zeros({1})}});
    auto r = runComponent(
        {dir.path(), "test-fails", dir / "in.safetensors", dir / "out.safetensors", "cpu", "fp32"});
    QVERIFY(!r.ok());
    QCOMPARE(std::string(r.error().what()), std::string("deliberate failure"));
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path()))
        ++entries;
    QCOMPARE(entries, 1);  // only the inputs: no output, no temporary file
}

QTEST_APPLESS_MAIN(TstRunComponent)
#include "tst_run_component.moc"

// The first real component: the CLIP text encoder on the golden transformers folders (component
// layout and pipeline layout), compared with transformers' outputs.
void TstRunComponent::textEncoderMatchesTransformers_data() {
    QTest::addColumn<QString>("golden");
    QTest::addColumn<bool>("pipelineLayout");
    QTest::newRow("component-folder") << u"gelu"_s << false;
    QTest::newRow("pipeline-folder") << u"quick-gelu-projection"_s << true;
}

void TstRunComponent::textEncoderMatchesTransformers() {
    QFETCH(QString, golden);
    QFETCH(bool, pipelineLayout);
    const fs::path src = fs::path(MP_TEST_DATA_DIR) / "golden" / "clip_text" / golden.toStdString();
    test::TempDir dir;
    fs::path model = src;
    if (pipelineLayout) {
        test::writeText(dir / "model_index.json", "{\"_class_name\": \"TextToVideoSDPipeline\"}");
        fs::create_directories(dir / "text_encoder");
        for (const char* f : {"config.json", "model.safetensors"})
            fs::copy_file(src / f, dir / "text_encoder" / f);
        model = dir.path();
    }
    std::map<std::string, at::Tensor> g;
    for (auto& [k, v] : loadTensorFile(src / "golden.safetensors"))
        g[k] = v;
    saveTensorFile(dir / "in.safetensors", {{"input_ids", g.at("padded.input_ids")}});
    auto r = runComponent(
        {model, "text-encoder", dir / "in.safetensors", dir / "out.safetensors", "cpu", "fp32"});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    std::map<std::string, at::Tensor> out;
    for (auto& [k, v] : loadTensorFile(dir / "out.safetensors"))
        out[k] = v;
    auto rel = [](const at::Tensor& a, const at::Tensor& e) {
        return ((a - e).abs().max() / e.abs().max()).item<double>();
    };
    QVERIFY(rel(out.at("last_hidden_state"), g.at("padded.last_hidden_state")) <= 1e-4);
    if (g.count("padded.pooler_output"))
        QVERIFY(rel(out.at("pooler_output"), g.at("padded.pooler_output")) <= 1e-4);
    else
        QVERIFY(rel(out.at("text_embeds"), g.at("padded.text_embeds")) <= 1e-4);
}

// UNet3D and the VAE through run-component, on the diffusers golden folders: the tensor names of
// shared/notes/run-component.md in, diffusers' outputs out.
void TstRunComponent::modelScopeComponents_data() {
    QTest::addColumn<QString>("component");
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("inputs");   // input=golden key, ...
    QTest::addColumn<QString>("outputs");  // output=golden key, ...
    QTest::newRow("unet") << u"unet"_s << u"unet3d/two-level"_s
                          << u"sample=sample,timestep=t500-21.timestep,"
                             "encoder_hidden_states=encoder_hidden_states"_s
                          << u"sample=t500-21.out"_s;
    QTest::newRow("vae-encode") << u"vae-encode"_s << u"vae/sd-like"_s << u"sample=images"_s
                                << u"latent_mean=latent_mean,latent_logvar=latent_logvar"_s;
    QTest::newRow("vae-decode") << u"vae-decode"_s << u"vae/plain"_s << u"latents=latents"_s
                                << u"sample=decoded"_s;
    QTest::newRow("clip-text") << u"clip-text"_s << u"../clip_model/gelu"_s
                               << u"input_ids=input_ids"_s << u"text_embeds=text_embeds"_s;
}

void TstRunComponent::modelScopeComponents() {
    QFETCH(QString, component);
    QFETCH(QString, folder);
    QFETCH(QString, inputs);
    QFETCH(QString, outputs);
    const fs::path src =
        fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / folder.toStdString();
    std::map<std::string, at::Tensor> g;
    for (auto& [k, v] : loadTensorFile(src / "golden.safetensors"))
        g[k] = v;
    auto pairs = [](const QString& text) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& p : text.split(u','))
            out.emplace_back(p.section(u'=', 0, 0).toStdString(), p.section(u'=', 1).toStdString());
        return out;
    };
    test::TempDir dir;
    NamedTensors in;
    for (const auto& [name, key] : pairs(inputs))
        in.emplace_back(name, g.at(key));
    saveTensorFile(dir / "in.safetensors", in);
    auto r = runComponent({src, component.toStdString(), dir / "in.safetensors",
                           dir / "out.safetensors", "cpu", "fp32"});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    std::map<std::string, at::Tensor> out;
    for (auto& [k, v] : loadTensorFile(dir / "out.safetensors"))
        out[k] = v;
    for (const auto& [name, key] : pairs(outputs)) {
        QVERIFY2(out.count(name), name.c_str());
        const auto& e = g.at(key);
        const double err = ((out.at(name) - e).abs().max() / e.abs().max()).item<double>();
        QVERIFY2(err <= 1e-4,
                 qPrintable(QString::fromStdString(name) + u": "_s + QString::number(err)));
    }
}
