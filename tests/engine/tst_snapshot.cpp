// Snapshot folders: components, family detection (ModelScope, Latte, CogVideoX 2b/5b, toy),
// single-component folders, and every broken-folder problem reported with file and reason.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/file_util.h"
#include "io/resources.h"
#include "io/snapshot.h"

#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

using namespace mp;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;
Q_DECLARE_METATYPE(mp::test::FixtureFamily)

namespace {
QString problems(const SnapshotInfo& info) {
    QStringList lines;
    for (const auto& p : info.problems)
        lines << QString::fromStdString(p.line());
    return lines.join(u'\n');
}
}  // namespace

class TstSnapshot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void families_data();
    void families();
    void singleComponentFolders_data();
    void singleComponentFolders();
    void broken_data();
    void broken();
    void trailingSlashAndJson();
    void neverThrows();
    void optionalNullComponent();
    void embeddedResources();
};

void TstSnapshot::families_data() {
    QTest::addColumn<test::FixtureFamily>("family");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("label");
    QTest::addColumn<QString>("denoiser");
    QTest::newRow("modelscope") << test::FixtureFamily::ModelScope << "modelscope"
                                << "modelscope"
                                << "unet";
    QTest::newRow("latte") << test::FixtureFamily::Latte << "latte"
                           << "latte"
                           << "transformer";
    QTest::newRow("cogvideox-2b") << test::FixtureFamily::CogVideoX2b << "cogvideox"
                                  << "cogvideox (2b)"
                                  << "transformer";
    QTest::newRow("cogvideox-5b") << test::FixtureFamily::CogVideoX5b << "cogvideox"
                                  << "cogvideox (5b)"
                                  << "transformer";
    QTest::newRow("toy") << test::FixtureFamily::Toy << "modelscope"
                         << "toy (modelscope architecture)"
                         << "unet";
}

void TstSnapshot::families() {
    QFETCH(test::FixtureFamily, family);
    QFETCH(QString, name);
    QFETCH(QString, label);
    QFETCH(QString, denoiser);
    test::TempDir dir;
    const auto params = test::writePipeline(dir.path(), family);
    const auto info = inspectSnapshot(dir.path());
    QVERIFY2(info.problems.empty(), qPrintable(problems(info)));
    QVERIFY(info.isPipeline);
    QCOMPARE(QString::fromLatin1(familyName(info.family)), name);
    QCOMPARE(QString::fromStdString(info.familyLabel()), label);
    QCOMPARE(info.components.size(), std::size_t(5));
    QCOMPARE(info.parameterCount(), params);
    const auto* d = info.component(denoiser.toStdString());
    QVERIFY(d);
    QCOMPARE(d->kind, ComponentKind::Denoiser);
    QVERIFY(d->hasWeights);
    QCOMPARE(d->dtypeCounts.at("F32"), std::int64_t(4 * 4 * 3 * 3 + 4));
    QCOMPARE(info.component("tokenizer")->kind, ComponentKind::Tokenizer);
    QVERIFY(!info.component("tokenizer")->hasWeights);
}

void TstSnapshot::singleComponentFolders_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("weights");
    QTest::addColumn<QString>("component");
    QTest::addColumn<QString>("family");
    QTest::newRow("unet") << R"({"_class_name": "UNet3DConditionModel"})"
                          << "diffusion_pytorch_model.safetensors"
                          << "unet"
                          << "modelscope";
    QTest::newRow("latte transformer") << R"({"_class_name": "LatteTransformer3DModel"})"
                                       << "diffusion_pytorch_model.safetensors"
                                       << "transformer"
                                       << "latte";
    QTest::newRow("clip scorer") << R"({"architectures": ["CLIPModel"]})"
                                 << "model.safetensors"
                                 << "scorer"
                                 << "unknown";
    QTest::newRow("t5 encoder") << R"({"architectures": ["T5EncoderModel"]})"
                                << "model.safetensors"
                                << "text_encoder"
                                << "unknown";
}

void TstSnapshot::singleComponentFolders() {
    QFETCH(QString, config);
    QFETCH(QString, weights);
    QFETCH(QString, component);
    QFETCH(QString, family);
    test::TempDir dir;
    test::writeText(dir / "config.json", config.toStdString());
    test::writeTensors(dir / weights.toStdString(), {{"w", DType::BF16, {6}}});
    const auto info = inspectSnapshot(dir.path());
    QVERIFY2(info.problems.empty(), qPrintable(problems(info)));
    QVERIFY(!info.isPipeline);
    QCOMPARE(info.components.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(info.components[0].name), component);
    QCOMPARE(QString::fromLatin1(familyName(info.family)), family);
    QCOMPARE(info.components[0].dtypeCounts.at("BF16"), std::int64_t(6));
}

// Each row breaks one thing in a good ModelScope pipeline and names the problem expected.
void TstSnapshot::broken_data() {
    QTest::addColumn<QString>("breakage");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("no model_index or config") << "empty"
                                              << ""
                                              << "neither model_index.json";
    QTest::newRow("model_index not json") << "index-garbage"
                                          << "model_index.json"
                                          << "not valid JSON";
    QTest::newRow("model_index no class") << "index-no-class"
                                          << "model_index.json"
                                          << "key '_class_name' is missing";
    QTest::newRow("component folder missing") << "rm-vae"
                                              << "vae/"
                                              << "folder missing";
    QTest::newRow("config missing") << "rm-unet-config"
                                    << "unet/config.json"
                                    << "file not found";
    QTest::newRow("config not json") << "unet-config-garbage"
                                     << "unet/config.json"
                                     << "not valid JSON";
    QTest::newRow("weights missing") << "rm-unet-weights"
                                     << "unet/"
                                     << "no safetensors weights";
    QTest::newRow("pickle only") << "unet-pickle"
                                 << "unet/diffusion_pytorch_model.bin"
                                 << "pickle-format weights are never loaded";
    QTest::newRow("corrupt weights") << "unet-corrupt"
                                     << "unet/diffusion_pytorch_model.safetensors"
                                     << "runs past the end";
    QTest::newRow("tokenizer merges missing") << "rm-merges"
                                              << "tokenizer/merges.txt"
                                              << "missing";
    QTest::newRow("required component absent") << "index-no-scheduler"
                                               << "model_index.json"
                                               << "needs a 'scheduler' component";
    QTest::newRow("family mismatch") << "index-latte-pipeline"
                                     << "model_index.json"
                                     << "is a latte pipeline but its denoiser";
    QTest::newRow("unknown pipeline") << "index-unknown"
                                      << "model_index.json"
                                      << "is not a ModelScope, Latte or CogVideoX pipeline";
    QTest::newRow("bad component entry") << "index-bad-entry"
                                         << "model_index.json"
                                         << "key 'unet' expected [library, class] strings";
    QTest::newRow("traversal name") << "index-traversal"
                                    << "model_index.json"
                                    << "is not a plain folder name";
    QTest::newRow("huge component name") << "index-huge-name"
                                         << "model_index.json"
                                         << "is not a plain folder name";
    QTest::newRow("scheduler config garbage") << "scheduler-garbage"
                                              << "scheduler/scheduler_config.json"
                                              << "not valid JSON";
}

void TstSnapshot::broken() {
    QFETCH(QString, breakage);
    QFETCH(QString, where);
    QFETCH(QString, phrase);
    test::TempDir dir;
    const fs::path r = dir.path();
    if (breakage != u"empty")
        test::writePipeline(r, test::FixtureFamily::ModelScope);
    const std::string good =
        R"("_class_name": "TextToVideoSDPipeline", "unet": ["diffusers", "UNet3DConditionModel"], "vae": ["diffusers", "AutoencoderKL"], "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"])";
    if (breakage == u"index-garbage")
        test::writeText(r / "model_index.json", "{oops");
    else if (breakage == u"index-no-class")
        test::writeText(r / "model_index.json",
                        R"({"unet": ["diffusers", "UNet3DConditionModel"]})");
    else if (breakage == u"rm-vae")
        removeTree(r / "vae");
    else if (breakage == u"rm-unet-config")
        fs::remove(r / "unet/config.json");
    else if (breakage == u"unet-config-garbage")
        test::writeText(r / "unet/config.json", "{\"_class_name\": ");
    else if (breakage == u"rm-unet-weights")
        fs::remove(r / "unet/diffusion_pytorch_model.safetensors");
    else if (breakage == u"unet-pickle") {
        fs::remove(r / "unet/diffusion_pytorch_model.safetensors");
        test::writeText(r / "unet/diffusion_pytorch_model.bin", "\x80\x02.");
    } else if (breakage == u"unet-corrupt")
        test::writeRawSafetensors(r / "unet/diffusion_pytorch_model.safetensors", "{}", 0, 9999);
    else if (breakage == u"rm-merges")
        fs::remove(r / "tokenizer/merges.txt");
    else if (breakage == u"index-no-scheduler")
        test::writeText(r / "model_index.json", "{" + good + "}");
    else if (breakage == u"index-latte-pipeline")
        test::writeText(
            r / "model_index.json",
            R"({"_class_name": "LattePipeline", "unet": ["diffusers", "UNet3DConditionModel"]})");
    else if (breakage == u"index-unknown")
        test::writeText(
            r / "model_index.json",
            R"({"_class_name": "StableDiffusionPipeline", "vae": ["diffusers", "AutoencoderKL"]})");
    else if (breakage == u"index-bad-entry")
        test::writeText(r / "model_index.json",
                        R"({"_class_name": "TextToVideoSDPipeline", "unet": ["diffusers", 3]})");
    else if (breakage == u"index-traversal")
        test::writeText(r / "model_index.json",
                        "{" + good + R"(, "..": ["diffusers", "DDIMScheduler"]})");
    else if (breakage == u"index-huge-name")  // std::regex used to overflow the stack on this
        test::writeText(r / "model_index.json", "{" + good + ", \"" + std::string(100000, 'a') +
                                                    "\": [\"diffusers\", \"X\"]}");
    else if (breakage == u"scheduler-garbage")
        test::writeText(r / "scheduler/scheduler_config.json", "[[[");

    const auto info = inspectSnapshot(r);
    QVERIFY(info.hasErrors());
    bool found = false;
    for (const auto& p : info.problems)
        if (p.severity == Severity::Error && QString::fromStdString(p.where) == where &&
            QString::fromStdString(p.what).contains(phrase))
            found = true;
    QVERIFY2(found, qPrintable(u"expected '"_s + where + u": ..."_s + phrase + u"' in:\n"_s +
                               problems(info)));
}

void TstSnapshot::trailingSlashAndJson() {
    test::TempDir dir;
    test::writePipeline(dir.path(), test::FixtureFamily::CogVideoX5b);
    fs::remove(dir / "vae/config.json");
    const auto info = inspectSnapshot(dir.path().string() + "/");
    QCOMPARE(info.problems.size(), std::size_t(1));
    QCOMPARE(info.problems[0].where, std::string("vae/config.json"));
    const auto j = toJson(info);
    QCOMPARE(j["family"].get<std::string>(), std::string("cogvideox"));
    QCOMPARE(j["family_variant"].get<std::string>(), std::string("5b"));
    QCOMPARE(j["ok"].get<bool>(), false);
    QCOMPARE(j["components"].size(), std::size_t(5));
    QCOMPARE(j["problems"][0]["where"].get<std::string>(), std::string("vae/config.json"));
}

void TstSnapshot::neverThrows() {
    test::TempDir dir;
    test::writePipeline(dir.path(), test::FixtureFamily::ModelScope);
    // Wrong-typed bookkeeping keys and invalid UTF-8 become problems or warnings, not exceptions.
    test::writeText(dir / "model_index.json",
                    R"({"_class_name": "TextToVideoSDPipeline", "_diffusers_version": [],
                        "unet": ["diffusers", "UNet3DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
                        "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
                        "scheduler": ["diffusers", "DDIMScheduler"]})");
    test::writeText(dir / "vae/config.json", "\xff");
    const auto info = inspectSnapshot(dir.path());
    QCOMPARE(info.problems.size(), std::size_t(2));
    QCOMPARE(info.problems[0].severity, Severity::Warning);
    QVERIFY(info.problems[0].what.find("_diffusers_version") != std::string::npos);
    QCOMPARE(info.problems[1].where, std::string("vae/config.json"));
    // The JSON report survives invalid UTF-8 in the messages.
    const auto text = toJson(info).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    QVERIFY(!text.empty());
}

void TstSnapshot::optionalNullComponent() {
    test::TempDir dir;
    test::writePipeline(dir.path(), test::FixtureFamily::ModelScope);
    auto text = R"({"_class_name": "TextToVideoSDPipeline", "safety_checker": [null, null],
        "requires_safety_checker": false,
        "unet": ["diffusers", "UNet3DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
        "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "scheduler": ["diffusers", "DDIMScheduler"]})";
    test::writeText(dir / "model_index.json", text);
    const auto info = inspectSnapshot(dir.path());
    QVERIFY2(info.problems.empty(), qPrintable(problems(info)));
    QCOMPARE(info.components.size(), std::size_t(5));
}

// The embedded default is found first through $MOTIONPROBE_RESOURCES, then the source tree (this
// build); a missing resource names every place searched. The shipped pipeline is the toy world's.
void TstSnapshot::embeddedResources() {
    qunsetenv("MOTIONPROBE_RESOURCES");
    const auto shipped = mp::findResource(mp::kToyPipelineResource);
    QVERIFY(fs::exists(shipped / "model_index.json"));
    const auto info = mp::inspectSnapshot(shipped);
    QVERIFY(info.isToy);
    QVERIFY2(!info.hasErrors(), mp::toJson(info).dump().c_str());
    QCOMPARE(info.familyLabel(), std::string("toy (modelscope architecture)"));
    QVERIFY(!mp::inspectSnapshot(mp::findResource(mp::kToyClipResource)).hasErrors());

    test::TempDir dir;
    fs::create_directories(dir / "models" / "toy" / "t2v");
    qputenv("MOTIONPROBE_RESOURCES", QByteArray::fromStdString(dir.path().string()));
    QCOMPARE(mp::findResource(mp::kToyPipelineResource), dir / "models" / "toy" / "t2v");
    try {
        (void)mp::findResource("models/none");
        QFAIL("found a resource that does not exist");
    } catch (const mp::EngineError& e) {
        QCOMPARE(e.code(), mp::ErrorCode::NotFound);
        QVERIFY2(QString::fromUtf8(e.what()).contains(
                     QString::fromStdString((dir / "models/none").string())),
                 e.what());
    }
    qunsetenv("MOTIONPROBE_RESOURCES");
}

QTEST_APPLESS_MAIN(TstSnapshot)
#include "tst_snapshot.moc"
