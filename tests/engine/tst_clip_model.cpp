// CLIPModel and CLIP image preprocessing against transformers on tiny random configs
// (tools/golden/clip_model.py): the slow PIL CLIPImageProcessor's pixel values for images of odd
// sizes, projected image and text embeddings and logits (fp32 CPU, ≤ 1e-4 relative).

#include "../support/fixtures.h"
#include "core/error.h"
#include "golden_util.h"
#include "image/clip_preprocess.h"
#include "metrics/clip_scorer.h"
#include "metrics/clip_scores.h"
#include "models/clip/clip_model.h"
#include "text/clip_tokenizer.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>

using namespace mp;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::goldenMetadata;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {
const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "clip_model";
constexpr int kImages = 5;

at::Tensor preprocess(const at::Tensor& hwc, const image::ClipPreprocessConfig& config) {
    const auto img = hwc.contiguous();
    const auto H = static_cast<int>(img.size(0)), W = static_cast<int>(img.size(1));
    auto planar = image::clipPreprocess(
        {img.data_ptr<std::uint8_t>(), static_cast<std::size_t>(img.numel())}, W, H, config);
    return at::from_blob(planar.data(), {3, config.cropHeight, config.cropWidth}, at::kFloat)
        .clone();
}
// One row per golden model and prompt: columns "model" and "prompt".
void modelPromptRows() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("prompt");
    for (const auto* model : {"quick-gelu", "gelu"})
        for (int p = 0; p < 3; ++p)
            QTest::newRow((std::string(model) + "/prompt" + std::to_string(p)).c_str())
                << QString::fromLatin1(model) << p;
}
// golden uint8 HWC images <prefix>0..4 as scorer inputs (views into the map's tensors).
std::vector<metrics::RgbImage> rgbImages(const std::map<std::string, at::Tensor>& g,
                                         const std::string& prefix) {
    std::vector<metrics::RgbImage> images;
    for (int i = 0; i < kImages; ++i) {
        const auto& t = g.at(prefix + std::to_string(i));
        images.push_back({{t.data_ptr<std::uint8_t>(), static_cast<std::size_t>(t.numel())},
                          static_cast<int>(t.size(1)),
                          static_cast<int>(t.size(0))});
    }
    return images;
}
// The golden images' pixel values as one batch (the frames of a "video").
at::Tensor goldenPixels(const std::map<std::string, at::Tensor>& g) {
    std::vector<at::Tensor> pixels;
    for (int i = 0; i < kImages; ++i)
        pixels.push_back(g.at("pixel_values" + std::to_string(i)));
    return at::stack(pixels);
}
}  // namespace

class TstClipModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void preprocessing_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("index");
        for (const auto* model : {"quick-gelu", "gelu"})
            for (int i = 0; i < kImages; ++i)
                QTest::newRow((std::string(model) + "/image" + std::to_string(i)).c_str())
                    << QString::fromLatin1(model) << i;
    }
    void preprocessing() {
        QFETCH(QString, model);
        QFETCH(int, index);
        const auto dir = kGolden / model.toStdString();
        const auto g = loadGolden(dir);
        const auto config = image::ClipPreprocessConfig::fromFile(dir / "preprocessor_config.json");
        const auto i = std::to_string(index);
        const auto ours = preprocess(g.at("image" + i), config);
        const auto& ref = g.at("pixel_values" + i);
        QCOMPARE(ours.sizes(), ref.sizes());
        const double err = (ours - ref).abs().max().item<double>();
        qInfo("%s image%d %lldx%lld: max|Δ| %.2e", qPrintable(model), index,
              static_cast<long long>(g.at("image" + i).size(1)),
              static_cast<long long>(g.at("image" + i).size(0)), err);
        // Bit-exact resize; the float steps match to float32 rounding.
        QVERIFY2(err <= 1e-6, qPrintable(QString::number(err)));
    }

    void embeddings_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("quick-gelu") << u"quick-gelu"_s;
        QTest::newRow("gelu") << u"gelu"_s;
    }
    void embeddings() {
        QFETCH(QString, model);
        const auto dir = kGolden / model.toStdString();
        try {
            const auto g = loadGolden(dir);
            auto clip = models::loadClipModel(dir);
            at::NoGradGuard noGrad;
            const auto images = clip->imageEmbeds(goldenPixels(g));
            const auto texts = clip->textEmbeds(g.at("input_ids"));
            const double ei = relMax(images, g.at("image_embeds"));
            const double et = relMax(texts, g.at("text_embeds"));
            const auto logits =
                clip->logitScale() * at::matmul(images / images.norm(2, -1, true),
                                                (texts / texts.norm(2, -1, true)).t());
            const double el = (logits - g.at("logits_per_image")).abs().max().item<double>();
            qInfo("%s: image %.2e, text %.2e, logits max|Δ| %.2e", qPrintable(model), ei, et, el);
            QVERIFY(ei <= 1e-4);
            QVERIFY(et <= 1e-4);
            QVERIFY(el <= 1e-3);
            QVERIFY(std::abs(clip->logitScale() - g.at("logit_scale").item<double>()) < 1e-4);
            // The embeddings carry signal: images differ from one another.
            QVERIFY(relMax(images[0], images[1]) > 1e-2);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void alignmentMatchesTransformers_data() { modelPromptRows(); }
    void alignmentMatchesTransformers() {
        // The five golden images stand for a video's frames. transformers' logits_per_image
        // are logit_scale·cos, so TGVE's score is their mean over frames and torchmetrics'
        // is max(mean 100·cos, 0); both are computed here from our embeddings.
        QFETCH(QString, model);
        QFETCH(int, prompt);
        const auto dir = kGolden / model.toStdString();
        const auto g = loadGolden(dir);
        auto clip = models::loadClipModel(dir);
        at::NoGradGuard noGrad;
        const auto frames = clip->imageEmbeds(goldenPixels(g));
        const auto text = clip->textEmbeds(g.at("input_ids"))[prompt];
        const auto logits = g.at("logits_per_image").select(1, prompt).to(at::kDouble);
        const double scale = g.at("logit_scale").item<double>();

        const auto tgve = metrics::textAlignment(frames, text, clip->logitScale(),
                                                 metrics::AlignmentVariant::Tgve);
        QCOMPARE(tgve.variant, std::string("tgve"));
        QCOMPARE(tgve.perItem.size(), std::size_t(kImages));
        QVERIFY(std::abs(tgve.value - logits.mean().item<double>()) <= 1e-3);
        const auto tm = metrics::textAlignment(frames, text, clip->logitScale(),
                                               metrics::AlignmentVariant::Torchmetrics);
        const double expected = std::max((logits / scale * 100).mean().item<double>(), 0.0);
        qInfo("%s prompt %d: tgve %.4f (transformers %.4f), torchmetrics %.4f (%.4f)",
              qPrintable(model), prompt, tgve.value, logits.mean().item<double>(), tm.value,
              expected);
        QVERIFY(std::abs(tm.value - expected) <= 1e-3);
        QVERIFY(tm.value >= 0.0);
        QCOMPARE(tm.perItem.size(), std::size_t(kImages));  // per frame, before the clamp
    }

    // The scorer end to end, from uint8 images and prompt strings (our preprocessing and
    // tokenizer included), against the reference code of each score on the same inputs:
    // TGVE's run_eval.py (text alignment, frame consistency, PickScore — the PickScore snippet's
    // formula) and torchmetrics' CLIPScore class (tools/golden/clip_model.py).
    void scorerMatchesReferenceCode_data() { modelPromptRows(); }
    void scorerMatchesReferenceCode() {
        QFETCH(QString, model);
        QFETCH(int, prompt);
        const auto dir = kGolden / model.toStdString();
        const auto g = loadGolden(dir);
        const auto scorer = metrics::ClipScorer::load(dir).value();
        const auto captions = nlohmann::json::parse(goldenMetadata(dir).at("captions"));
        const auto caption = captions.at(prompt).get<std::string>();
        const auto text = scorer.embedPrompt(caption);
        const auto frames = scorer.embedImages(rgbImages(g, "image")).value();
        QCOMPARE(frames.size(0), kImages);
        QVERIFY(relMax(frames, g.at("image_embeds")) <= 1e-4);

        const auto tgve = metrics::textAlignment(frames, text, scorer.logitScale(),
                                                 metrics::AlignmentVariant::Tgve);
        const auto pick = metrics::pickScore(frames, text, scorer.logitScale());
        const double refTgve = g.at("tgve_alignment")[prompt].item<double>();
        const double refPick = g.at("pickscore")[prompt].item<double>();
        const auto refPickPer = g.at("pickscore_per_image")[prompt];
        qInfo("%s \"%s\": tgve %.5f (ref %.5f), pickscore %.5f (ref %.5f)", qPrintable(model),
              caption.c_str(), tgve.value, refTgve, pick.value, refPick);
        QVERIFY(std::abs(tgve.value - refTgve) <= 1e-3);
        QVERIFY(std::abs(pick.value - refPick) <= 1e-3);
        for (int i = 0; i < kImages; ++i)
            QVERIFY(std::abs(pick.perItem[i] - refPickPer[i].item<double>()) <= 1e-3);
        QCOMPARE(pick.metric, std::string("pickscore"));

        const auto all =
            metrics::temporalConsistency(frames, metrics::ConsistencyVariant::AllPairs);
        QVERIFY(std::abs(all.value - g.at("all_pairs").item<double>()) <= 1e-4);

        // torchmetrics on crop-sized images, where its torchvision resize is the identity.
        if (!g.count("torchmetrics"))
            QSKIP("the golden file has no torchmetrics scores (torchmetrics was not installed)");
        const auto tmFrames = scorer.embedImages(rgbImages(g, "tm_image")).value();
        const auto tm = metrics::textAlignment(tmFrames, text, scorer.logitScale(),
                                               metrics::AlignmentVariant::Torchmetrics);
        const double refTm = g.at("torchmetrics")[prompt].item<double>();
        qInfo("  torchmetrics %.5f (CLIPScore %.5f)", tm.value, refTm);
        QVERIFY(std::abs(tm.value - refTm) <= 1e-3);
    }

    void scorerNamesItsBackbone_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("label");
        QTest::newRow("folder") << u"/data/clip-vit-large-patch14"_s << u"clip-vit-large-patch14"_s;
        QTest::newRow("trailing-slash") << u"/data/PickScore_v1/"_s << u"PickScore_v1"_s;
        QTest::newRow("hub-cache")
            << u"/home/u/.cache/huggingface/hub/models--yuvalkirstain--PickScore_v1/snapshots/abc"_s
            << u"yuvalkirstain/PickScore_v1"_s;
    }
    void scorerNamesItsBackbone() {
        QFETCH(QString, path);
        QFETCH(QString, label);
        QCOMPARE(QString::fromStdString(metrics::modelFolderLabel(path.toStdString())), label);
    }

    void architectureNames_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("patch");
        QTest::addColumn<int>("size");
        QTest::addColumn<QString>("name");
        QTest::newRow("B/32") << 768 << 12 << 32 << 224 << u"ViT-B/32"_s;
        QTest::newRow("L/14") << 1024 << 24 << 14 << 224 << u"ViT-L/14"_s;
        QTest::newRow("L/14@336") << 1024 << 24 << 14 << 336 << u"ViT-L/14@336px"_s;
        QTest::newRow("H/14") << 1280 << 32 << 14 << 224 << u"ViT-H/14"_s;
        QTest::newRow("tiny") << 40 << 3 << 7 << 28 << u"ViT-3x40/7@28px"_s;
    }
    void architectureNames() {
        QFETCH(int, width);
        QFETCH(int, layers);
        QFETCH(int, patch);
        QFETCH(int, size);
        QFETCH(QString, name);
        models::ClipVisionConfig v;
        v.hiddenSize = width;
        v.numHiddenLayers = layers;
        v.patchSize = patch;
        v.imageSize = size;
        QCOMPARE(QString::fromStdString(metrics::clipArchitectureName(v)), name);
    }

    void scorerDefaultsWithoutPreprocessorConfig() {
        // A folder without preprocessor_config.json scores with CLIP's recipe at the tower's
        // size, says so, and gives the same pixels as the golden (whose config is that recipe).
        const auto src = kGolden / "gelu";
        mp::test::TempDir tmp;
        const auto dir = tmp / "no-preprocessor";
        fs::create_directories(dir);
        for (const char* f :
             {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
            fs::copy_file(src / f, dir / f);
        const auto scorer = metrics::ClipScorer::load(dir).value();
        QCOMPARE(scorer.notes().size(), std::size_t(1));
        QVERIFY(scorer.notes()[0].find("no preprocessor_config.json") != std::string::npos);
        const auto g = loadGolden(src);
        QVERIFY(relMax(scorer.embedImages(rgbImages(g, "image")).value(), g.at("image_embeds")) <=
                1e-4);
        QCOMPARE(QString::fromStdString(scorer.backbone()), u"no-preprocessor (ViT-3x40/7@28px)"_s);
    }

    void preferenceAndChange() {
        const auto p = metrics::preferenceProbabilities({21.0, 20.0});
        QCOMPARE(p.size(), std::size_t(2));
        QVERIFY(std::abs(p[0] - 1.0 / (1.0 + std::exp(-1.0))) < 1e-12);
        QVERIFY(std::abs(p[0] + p[1] - 1.0) < 1e-12);
        // Large scores do not overflow.
        const auto big = metrics::preferenceProbabilities({1000.0, 1000.0, 990.0});
        QVERIFY(std::abs(big[0] - big[1]) < 1e-12 && big[2] < 1e-4 && std::isfinite(big[2]));
        QVERIFY(metrics::preferenceProbabilities({}).empty());

        metrics::ScoreResult edit{"text_alignment", "tgve", "b", 27.5};
        metrics::ScoreResult base{"text_alignment", "tgve", "b", 25.0};
        const auto change = metrics::scoreChange(edit, base);
        QCOMPARE(change.metric, std::string("text_alignment_change"));
        QCOMPARE(change.value, 2.5);
        QVERIFY(change.valid);
        base.valid = false;
        base.note = "why";
        QVERIFY(!metrics::scoreChange(edit, base).valid);
    }

    void consistencyOnKnownEmbeddings_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<bool>("allPairs");
        QTest::addColumn<double>("expected");
        // identical frames: 1; alternating orthogonal frames: 0 between neighbours, and over all
        // pairs of 4 frames (a, b, a, b) two of six pairs are identical: 1/3; a reversed copy:
        // −1 between neighbours.
        QTest::newRow("static-consecutive") << u"static"_s << false << 1.0;
        QTest::newRow("static-all-pairs") << u"static"_s << true << 1.0;
        QTest::newRow("alternating-consecutive") << u"alternating"_s << false << 0.0;
        QTest::newRow("alternating-all-pairs") << u"alternating"_s << true << 1.0 / 3.0;
        QTest::newRow("flipping-consecutive") << u"flipping"_s << false << -1.0;
    }
    void consistencyOnKnownEmbeddings() {
        QFETCH(QString, pattern);
        QFETCH(bool, allPairs);
        QFETCH(double, expected);
        const auto a = at::tensor({3.0, 0.0, 4.0}), b = at::tensor({0.0, 2.0, 0.0});
        at::Tensor frames;
        if (pattern == u"static")
            frames = at::stack({a, a * 2, a * 0.5, a});  // the norm does not matter
        else if (pattern == u"alternating")
            frames = at::stack({a, b, a, b});
        else
            frames = at::stack({a, -a, a, -a});
        const auto r = metrics::temporalConsistency(
            frames, allPairs ? metrics::ConsistencyVariant::AllPairs
                             : metrics::ConsistencyVariant::Consecutive);
        QCOMPARE(r.perItem.size(), std::size_t(allPairs ? 6 : 3));
        QVERIFY2(std::abs(r.value - expected) < 1e-12, qPrintable(QString::number(r.value)));
        QCOMPARE(r.variant, std::string(allPairs ? "all-pairs" : "consecutive"));
    }

    void scoresRejectBadShapes() {
        try {
            (void)metrics::temporalConsistency(at::ones({1, 4}),
                                               metrics::ConsistencyVariant::Consecutive);
            QFAIL("one frame accepted");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"at least 2 frames"_s), e.what());
        }
        try {
            (void)metrics::textAlignment(at::ones({3, 4}), at::ones({5}), 100,
                                         metrics::AlignmentVariant::Tgve);
            QFAIL("mismatched widths accepted");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"(F, D)"_s), e.what());
        }
    }

    void tokenizerFromTokenizerJson() {
        // transformers 5 saved only tokenizer.json in these folders; it gives the golden ids.
        const auto dir = kGolden / "gelu";
        const auto g = loadGolden(dir);
        const auto tok = text::ClipTokenizer::fromFolder(dir);
        const char* captions[] = {"a red circle moves from left to right",
                                  "a monkey walking on the beach", ""};
        for (int b = 0; b < 3; ++b) {
            const auto t = tok.encode(captions[b], 77);
            const auto row = g.at("input_ids")[b].contiguous();
            QCOMPARE(t.ids, std::vector<std::int64_t>(row.data_ptr<std::int64_t>(),
                                                      row.data_ptr<std::int64_t>() + 77));
        }
    }

    void rejects_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("wrong-size")
            << u"wrong-size"_s << u"pixel_values must be (batch, 3, 28, 28)"_s;
        QTest::newRow("small-image") << u"small-image"_s << u"smaller than the crop"_s;
        QTest::newRow("text-only-folder")
            << u"text-only-folder"_s << u"needs text_config and vision_config"_s;
    }
    void rejects() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        try {
            if (what == u"wrong-size") {
                auto clip = models::loadClipModel(kGolden / "gelu");
                at::NoGradGuard noGrad;
                (void)clip->imageEmbeds(at::zeros({1, 3, 30, 30}));
            } else if (what == u"small-image") {
                image::ClipPreprocessConfig c;
                c.doResize = false;
                std::vector<std::uint8_t> rgb(10 * 10 * 3);
                (void)image::clipPreprocess(rgb, 10, 10, c);
            } else {
                (void)models::ClipModelConfig::fromFile(fs::path(MP_TEST_DATA_DIR) / "golden" /
                                                        "clip_text" / "gelu" / "config.json");
            }
            QFAIL("accepted");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstClipModel)
#include "tst_clip_model.moc"
