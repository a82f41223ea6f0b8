// CLIP text encoder against transformers on tiny random configs (tools/golden/clip_text.py):
// fp32 CPU, max|ours − transformers| / max|transformers| ≤ 1e-4 for every output.

#include "core/error.h"
#include "golden_util.h"
#include "io/tensor_io.h"
#include "models/clip/clip_text.h"
#include "text/clip_tokenizer.h"

#include <ATen/ATen.h>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <map>

using namespace mp;
using namespace mp::models;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "clip_text";

}  // namespace

class TstClipText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void parity_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("projection");
        QTest::newRow("gelu") << u"gelu"_s << false;
        QTest::newRow("quick-gelu-projection") << u"quick-gelu-projection"_s << true;
        QTest::newRow("legacy-eos2") << u"legacy-eos2"_s << true;
    }
    void parity() {
        QFETCH(QString, name);
        QFETCH(bool, projection);
        const fs::path dir = kGolden / name.toStdString();
        QVERIFY2(fs::exists(dir / "golden.safetensors"), "golden data missing");
        std::map<std::string, at::Tensor> g;
        ClipTextModel model{nullptr};
        try {
            g = loadGolden(dir);
            model = loadClipTextModel(dir);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QCOMPARE(model->hasProjection(), projection);
        at::NoGradGuard noGrad;
        double worst = 0;
        for (const std::string run : {"padded", "longest-masked"}) {
            const auto& ids = g.at(run + ".input_ids");
            std::optional<at::Tensor> mask;
            if (g.count(run + ".attention_mask"))
                mask = g.at(run + ".attention_mask");
            const auto out = model->forward(ids, mask);
            auto check = [&](const at::Tensor& ours, const std::string& key,
                             const at::Tensor& keep = {}) {
                auto expected = g.at(key);
                if (keep.defined())
                    expected = expected.masked_fill(keep.logical_not(), 0);
                const double e = relMax(ours, expected);
                qInfo("%s %s: %.2e", qPrintable(name), key.c_str(), e);
                QVERIFY2(e <= 1e-4, qPrintable(QString::fromStdString(key)));
                worst = std::max(worst, e);
            };
            // Masked pad positions differ by construction (transformers' finfo.min vs -inf both
            // leave them meaningless); compare the real tokens only there.
            if (mask) {
                auto keep = mask->to(at::kBool).unsqueeze(-1);
                check(out.lastHiddenState.masked_fill(keep.logical_not(), 0),
                      run + ".last_hidden_state", keep);
            } else {
                check(out.lastHiddenState, run + ".last_hidden_state");
            }
            if (projection)
                check(out.textEmbeds, run + ".text_embeds");
            else
                check(out.pooled, run + ".pooler_output");
        }
        // The comparison saw real numbers (identical torch builds match bit for bit, so a zero
        // error alone proves nothing about the outputs being non-trivial).
        QVERIFY(g.at("padded.last_hidden_state").abs().max().item<double>() > 0.1);
        QVERIFY(worst <= 1e-4);
    }

    void tokenizerFeedsModel() {
        // The golden ids came from the golden tokenizer; ours must give the same ids.
        const auto g = loadGolden(kGolden / "gelu");
        const auto tok = text::ClipTokenizer::fromFolder(fs::path(MP_TEST_DATA_DIR) / "golden" /
                                                         "clip_tokenizer" / "sd2");
        const auto& ids = g.at("padded.input_ids");
        const char* captions[] = {"a red circle moves from left to right on a white background",
                                  "a monkey walking on the beach", "",
                                  "it's 3 o'clock; the dog's running!"};
        for (std::int64_t b = 0; b < ids.size(0); ++b) {
            const auto t = tok.encode(captions[b], 77);
            const auto row = ids[b].contiguous();
            QCOMPARE(t.ids, std::vector<std::int64_t>(row.data_ptr<std::int64_t>(),
                                                      row.data_ptr<std::int64_t>() + row.numel()));
        }
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("too-long") << u"too-long"_s << u"78 tokens, but the model has 77"_s;
        QTest::newRow("id-range") << u"id-range"_s << u"outside the vocabulary"_s;
        QTest::newRow("float-ids") << u"float-ids"_s << u"int64"_s;
    }
    void rejectsBadInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        ClipTextConfig c;
        c.vocabSize = 10;
        c.hiddenSize = 8;
        c.intermediateSize = 8;
        c.numHiddenLayers = 1;
        c.numAttentionHeads = 2;
        ClipTextModel model(c, false);
        at::Tensor ids = at::zeros({1, 4}, at::kLong);
        if (what == u"too-long")
            ids = at::zeros({1, 78}, at::kLong);
        if (what == u"id-range")
            ids = at::full({1, 4}, 10, at::kLong);
        if (what == u"float-ids")
            ids = at::zeros({1, 4});
        try {
            (void)model->forward(ids);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    void hubKeyLayout() {
        // The gelu golden was saved by transformers 5 without the "text_model." prefix; the hub
        // checkpoints (ModelScope's text_encoder) carry it. Both must load to the same model.
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "hub-layout";
        fs::create_directories(dir);
        fs::copy_file(kGolden / "gelu" / "config.json", dir / "config.json",
                      fs::copy_options::overwrite_existing);
        auto tensors = loadTensorFile(kGolden / "gelu" / "model.safetensors");
        QVERIFY(!tensors.empty() && tensors.front().first.rfind("text_model.", 0) != 0);
        for (auto& [k, v] : tensors)
            k = "text_model." + k;
        tensors.emplace_back("text_model.embeddings.position_ids",
                             at::arange(77).unsqueeze(0));  // older checkpoints keep it
        saveTensorFile(dir / "model.safetensors", tensors);
        const auto g = loadGolden(kGolden / "gelu");
        auto hub = loadClipTextModel(dir);
        auto bare = loadClipTextModel(kGolden / "gelu");
        at::NoGradGuard noGrad;
        const auto& ids = g.at("padded.input_ids");
        QVERIFY(at::equal(hub->forward(ids).lastHiddenState, bare->forward(ids).lastHiddenState));
    }

    void strictBinding() {
        // A checkpoint with a renamed key fails and names it.
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "renamed";
        fs::create_directories(dir);
        fs::copy_file(kGolden / "quick-gelu-projection" / "config.json", dir / "config.json",
                      fs::copy_options::overwrite_existing);
        auto tensors = loadTensorFile(kGolden / "quick-gelu-projection" / "model.safetensors");
        for (auto& [k, v] : tensors)
            if (k == "text_model.final_layer_norm.weight")
                k = "text_model.final_layernorm.weight";
        saveTensorFile(dir / "model.safetensors", tensors);
        try {
            (void)loadClipTextModel(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Weights);
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"text_model.final_layer_norm.weight"),
                     e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"text_model.final_layernorm.weight"),
                     e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstClipText)
#include "tst_clip_text.moc"
