// T5 encoder against transformers on tiny random configs (tools/golden/t5.py): fp32 CPU,
// max|ours − transformers| / max|transformers| ≤ 1e-4; in bf16 no further from the float32
// output than transformers' own bf16 run.

#include "core/error.h"
#include "golden_util.h"
#include "io/file_util.h"
#include "io/tensor_io.h"
#include "models/t5/t5_encoder.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

using namespace mp;
using namespace mp::models;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "t5";

// A copy of a golden folder whose weights file is rewritten by `edit`.
fs::path editedCopy(
    const std::string& caseName,
    const std::string& as,
    const std::function<void(std::vector<std::pair<std::string, at::Tensor>>&)>& edit) {
    const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / as;
    mp::removeTree(dir);
    fs::create_directories(dir);
    fs::copy_file(kGolden / caseName / "config.json", dir / "config.json");
    auto tensors = loadTensorFile(kGolden / caseName / "model.safetensors");
    edit(tensors);
    saveTensorFile(dir / "model.safetensors", tensors);
    return dir;
}

}  // namespace

class TstT5 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void parity_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("masked");
        QTest::newRow("gated-gelu, masked") << u"gated-gelu"_s << true;
        QTest::newRow("gated-gelu, no mask") << u"gated-gelu"_s << false;
        QTest::newRow("relu, masked") << u"relu"_s << true;
        QTest::newRow("relu, no mask") << u"relu"_s << false;
    }
    void parity() {
        QFETCH(QString, name);
        QFETCH(bool, masked);
        const fs::path dir = kGolden / name.toStdString();
        QVERIFY2(fs::exists(dir / "golden.safetensors"), "golden data missing");
        std::map<std::string, at::Tensor> g;
        T5EncoderModel model{nullptr};
        try {
            g = loadGolden(dir);
            model = loadT5EncoderModel(dir);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        at::NoGradGuard noGrad;
        const auto& ids = g.at("input_ids");
        const auto out = masked ? model->forward(ids, g.at("attention_mask")) : model->forward(ids);
        const auto& expected =
            g.at(masked ? "masked.last_hidden_state" : "unmasked.last_hidden_state");
        const double e = relMax(out, expected);
        qInfo("%s %s: %.2e", qPrintable(name), masked ? "masked" : "unmasked", e);
        QVERIFY2(e <= 1e-4, qPrintable(QString::number(e)));
        // Real numbers, and the mask matters (a padded row differs from its unmasked run).
        QVERIFY(expected.abs().max().item<double>() > 0.1);
        QVERIFY(relMax(g.at("masked.last_hidden_state")[1], g.at("unmasked.last_hidden_state")[1]) >
                1e-2);
    }

    void halfPrecision_data() {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<int>("woDtype");
        // transformers 5 loads a bf16 T5 wholly in bf16 (its golden run printed wo's dtype);
        // fp16 keeps wo in float32 against overflow, as transformers 4 did for T5 v1.1.
        QTest::newRow("bf16") << int(at::kBFloat16) << int(at::kBFloat16);
        QTest::newRow("fp16") << int(at::kHalf) << int(at::kFloat);
    }
    void halfPrecision() {
        QFETCH(int, dtype);
        QFETCH(int, woDtype);
        const auto g = loadGolden(kGolden / "gated-gelu");
        const auto type = static_cast<c10::ScalarType>(dtype);
        auto model = loadT5EncoderModel(kGolden / "gated-gelu", {},
                                        DeviceChoice{c10::Device(c10::kCPU), type});
        for (const auto& p : model->named_parameters()) {
            const bool wo = p.key().find(".wo.") != std::string::npos;
            QCOMPARE(int(p.value().scalar_type()), wo ? woDtype : dtype);
        }
        if (type != at::kBFloat16)
            return;  // transformers' half-precision golden is bf16
        at::NoGradGuard noGrad;
        const auto out = model->forward(g.at("input_ids"), g.at("attention_mask"));
        QCOMPARE(out.scalar_type(), at::kBFloat16);
        // This tiny model's weights are drawn wide, so bf16 moves its output by ~18%; ours must
        // be no further from the float32 output than transformers' bf16 run is.
        const auto& fp32 = g.at("masked.last_hidden_state");
        const double ours = relMax(out, fp32),
                     theirs = relMax(g.at("bf16.last_hidden_state"), fp32);
        qInfo("bf16 vs fp32: ours %.3f, transformers' %.3f", ours, theirs);
        QVERIFY2(ours <= 1.25 * theirs, qPrintable(QString::number(ours)));
    }

    void relativeBuckets_data() {
        QTest::addColumn<std::int64_t>("relative");
        QTest::addColumn<std::int64_t>("bucket");
        // transformers' _relative_position_bucket(bidirectional, 32 buckets, max_distance 128):
        // 16 per direction, exact below 8, then logarithmic, clamped at 15 (+16 for keys after).
        QTest::newRow("same") << std::int64_t{0} << std::int64_t{0};
        QTest::newRow("-1") << std::int64_t{-1} << std::int64_t{1};
        QTest::newRow("+1") << std::int64_t{1} << std::int64_t{17};
        QTest::newRow("-7") << std::int64_t{-7} << std::int64_t{7};
        QTest::newRow("-8") << std::int64_t{-8} << std::int64_t{8};
        QTest::newRow("+12") << std::int64_t{12}
                             << std::int64_t{16 + 9};  // 8 + ⌊log(1.5)/log(16)·8⌋
        QTest::newRow("-60") << std::int64_t{-60} << std::int64_t{13};
        // Where log(d/8)/log(16)·8 is a whole number in exact arithmetic: float32 must land on it.
        QTest::newRow("-16") << std::int64_t{-16} << std::int64_t{10};
        QTest::newRow("+32") << std::int64_t{32} << std::int64_t{16 + 12};
        QTest::newRow("-64") << std::int64_t{-64} << std::int64_t{14};
        QTest::newRow("-127") << std::int64_t{-127} << std::int64_t{15};
        QTest::newRow("+500") << std::int64_t{500} << std::int64_t{31};
    }
    void relativeBuckets() {
        QFETCH(std::int64_t, relative);
        QFETCH(std::int64_t, bucket);
        const auto b = t5RelativePositionBucket(at::full({1}, relative, at::kLong), 32, 128);
        QCOMPARE(b.item<std::int64_t>(), bucket);
    }

    void embeddingKeyLayouts_data() {
        QTest::addColumn<QString>("layout");
        QTest::newRow("shared only") << u"shared"_s;
        QTest::newRow("embed_tokens only") << u"embed_tokens"_s;
        QTest::newRow("both (tied copies)") << u"both"_s;
    }
    void embeddingKeyLayouts() {
        QFETCH(QString, layout);
        const auto dir = editedCopy("relu", "t5-" + layout.toStdString(), [&](auto& tensors) {
            at::Tensor shared;
            for (auto it = tensors.begin(); it != tensors.end();)
                if (it->first == "shared.weight" || it->first == "encoder.embed_tokens.weight") {
                    shared = it->second;
                    it = tensors.erase(it);
                } else {
                    ++it;
                }
            QVERIFY(shared.defined());
            if (layout != u"embed_tokens")
                tensors.emplace_back("shared.weight", shared);
            if (layout != u"shared")
                tensors.emplace_back("encoder.embed_tokens.weight", shared);
        });
        const auto g = loadGolden(kGolden / "relu");
        auto model = loadT5EncoderModel(dir);
        at::NoGradGuard noGrad;
        QVERIFY(relMax(model->forward(g.at("input_ids")), g.at("unmasked.last_hidden_state")) <=
                1e-4);
    }

    // A checkpoint as transformers saves a large T5 (t5-v1_1-xxl ships like this): shards in half
    // precision and an index mapping each tensor to its shard, plain or as a variant. Ours loads
    // it and equals the same weights read unsharded.
    void shardedHalfCheckpoint_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("variant");
        QTest::newRow("bf16 shards") << u"bf16"_s << QString();
        QTest::newRow("fp16 shards, variant fp16") << u"fp16"_s << u"fp16"_s;
    }
    void shardedHalfCheckpoint() {
        QFETCH(QString, dtype);
        QFETCH(QString, variant);
        const auto type = dtype == u"bf16"_s ? at::kBFloat16 : at::kHalf;
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / ("t5-sharded-" + dtype.toStdString());
        mp::removeTree(dir);
        fs::create_directories(dir);
        fs::copy_file(kGolden / "gated-gelu" / "config.json", dir / "config.json");
        auto tensors = loadTensorFile(kGolden / "gated-gelu" / "model.safetensors");
        for (auto& [name, t] : tensors)
            t = t.to(type);
        const std::string suffix = variant.isEmpty() ? "" : "." + variant.toStdString();
        std::vector<std::pair<std::string, at::Tensor>> shards[2];
        nlohmann::json index{{"metadata", {{"total_size", 0}}},
                             {"weight_map", nlohmann::json::object()}};
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            const int shard = i < tensors.size() / 2 ? 0 : 1;
            shards[shard].push_back(tensors[i]);
            index["weight_map"][tensors[i].first] =
                "model" + suffix + "-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
        }
        for (int k = 0; k < 2; ++k)
            saveTensorFile(dir / ("model" + suffix + "-0000" + std::to_string(k + 1) +
                                  "-of-00002.safetensors"),
                           shards[k]);
        std::ofstream(dir / ("model.safetensors.index" + suffix + ".json")) << index.dump();

        const auto whole = editedCopy("gated-gelu", "t5-whole-" + dtype.toStdString(),
                                      [&](auto& t) { t = tensors; });
        try {
            auto sharded = loadT5EncoderModel(dir, variant.toStdString());
            auto reference = loadT5EncoderModel(whole);
            const auto g = loadGolden(kGolden / "gated-gelu");
            at::NoGradGuard noGrad;
            const auto a = sharded->forward(g.at("input_ids"), g.at("attention_mask"));
            const auto b = reference->forward(g.at("input_ids"), g.at("attention_mask"));
            QVERIFY(at::equal(a, b));
            // The half-precision weights are near the fp32 golden's, not equal (the tiny model's
            // weights are drawn wide: bf16 rounding alone moves the output 0.12).
            const double e = relMax(a, g.at("masked.last_hidden_state"));
            QVERIFY2(e > 0 && e < 0.3, qPrintable(QString::number(e)));
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void strictBinding() {
        const auto dir = editedCopy("relu", "t5-renamed", [](auto& tensors) {
            for (auto& [k, v] : tensors)
                if (k == "encoder.final_layer_norm.weight")
                    k = "encoder.final_norm.weight";
        });
        try {
            (void)loadT5EncoderModel(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::Weights);
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"encoder.final_layer_norm.weight"),
                     e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"encoder.final_norm.weight"), e.what());
        }
    }

    void rejectsBadConfig_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("code");
        QTest::newRow("not t5") << QByteArray(R"({"model_type": "clip_text_model"})")
                                << u"T5EncoderModel"_s << int(ErrorCode::Unsupported);
        QTest::newRow("feed-forward")
            << QByteArray(R"({"model_type": "t5", "feed_forward_proj": "gated-gelu-x"})")
            << u"feed_forward_proj"_s << int(ErrorCode::Config);
        QTest::newRow("activation")
            << QByteArray(R"({"model_type": "t5", "feed_forward_proj": "gated-swoosh"})")
            << u"swoosh"_s << int(ErrorCode::Config);
        QTest::newRow("heads") << QByteArray(R"({"model_type": "t5", "num_heads": 0})")
                               << u"num_heads"_s << int(ErrorCode::Config);
    }
    void rejectsBadConfig() {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        QFETCH(int, code);
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / "t5-bad-config";
        mp::removeTree(dir);
        fs::create_directories(dir);
        { std::ofstream(dir / "config.json") << json.toStdString(); }
        fs::copy_file(kGolden / "relu" / "model.safetensors", dir / "model.safetensors");
        try {
            (void)loadT5EncoderModel(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(int(e.code()), code);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(u"config.json"), e.what());
        }
    }

    void rejectsBadInput() {
        T5Config c;
        c.vocabSize = 10;
        c.dModel = 8;
        c.dKv = 4;
        c.dFf = 8;
        c.numLayers = 1;
        c.numHeads = 2;
        T5EncoderModel model(c);
        for (const auto& [ids, message] :
             {std::pair{at::full({1, 4}, 10, at::kLong), "outside the vocabulary of 10"},
              std::pair{at::zeros({1, 4}), "int64"}}) {
            try {
                (void)model->forward(ids);
                QFAIL("no error");
            } catch (const EngineError& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromUtf8(message)),
                         e.what());
            }
        }
    }
};

QTEST_APPLESS_MAIN(TstT5)
#include "tst_t5.moc"
