// The CogVideoX VAE (AutoencoderKLCogVideoX) against diffusers on a tiny random model, fp32 CPU,
// max|ours − diffusers| / max|diffusers| ≤ 1e-4 (tools/golden/cogvideox_vae.py: encodes of 1, 9,
// 17 and 33 frames, decodes of 1, 3, 4 and 5 latent frames, a tiled encode and decode). The
// parity rows skip until tests/data/golden/cogvideox_vae/ exists; the rest needs no golden:
// frame-count rules, causality across frame batches (later frames never change earlier outputs,
// and a first batch decoded alone gives the same frames), tiling switching on only above one
// tile, config and input errors, and strict loading of a saved model.

#include "core/error.h"
#include "golden_util.h"
#include "io/file_util.h"
#include "io/tensor_io.h"
#include "models/cogvideox_vae.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

using namespace mp;
using namespace mp::models;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using mp::test::loadGolden;
using mp::test::relMax;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "cogvideox_vae";
constexpr double kTolerance = 1e-4;

// The golden model's structure: 4 levels (×8 space, ×4 time), widths that change (shortcuts).
constexpr const char* kSmallConfig = R"({
    "_class_name": "AutoencoderKLCogVideoX", "_diffusers_version": "0.40.0.dev0",
    "in_channels": 3, "out_channels": 3,
    "down_block_types": ["CogVideoXDownBlock3D", "CogVideoXDownBlock3D", "CogVideoXDownBlock3D",
                         "CogVideoXDownBlock3D"],
    "up_block_types": ["CogVideoXUpBlock3D", "CogVideoXUpBlock3D", "CogVideoXUpBlock3D",
                       "CogVideoXUpBlock3D"],
    "block_out_channels": [8, 16, 16, 16], "latent_channels": 4, "layers_per_block": 1,
    "act_fn": "silu", "norm_eps": 1e-6, "norm_num_groups": 4, "temporal_compression_ratio": 4,
    "sample_height": 64, "sample_width": 64, "scaling_factor": 0.7, "shift_factor": null,
    "latents_mean": null, "latents_std": null, "force_upcast": true, "use_quant_conv": false,
    "use_post_quant_conv": false, "invert_scale_latents": false})";

fs::path writeConfig(const std::string& name, const std::string& text) {
    const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / name;
    mp::removeTree(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << text;
    return dir;
}

CogVideoXVaeConfig smallConfig() {
    static const auto config =
        CogVideoXVaeConfig::fromFile(writeConfig("small-config", kSmallConfig) / "config.json");
    return config;
}

// Randomly initialised (torch's layer init; norms at identity), deterministic per seed.
AutoencoderKLCogVideoX smallModel(std::uint64_t seed = 1) {
    at::manual_seed(seed);
    AutoencoderKLCogVideoX model(smallConfig());
    model->eval();
    return model;
}

at::Tensor randn(std::vector<std::int64_t> shape, std::uint64_t seed) {
    at::manual_seed(seed);
    return at::randn(shape);
}

nlohmann::json goldenRun(const std::string& name) {
    std::ifstream in(kGolden / "runs.json");
    const auto manifest = nlohmann::json::parse(in);
    for (const auto& r : manifest.at("runs"))
        if (r.at("name") == name)
            return r;
    throw std::runtime_error("run " + name + " not in " + (kGolden / "runs.json").string());
}

CogVideoXVaeTiling tilingOf(const nlohmann::json& t) {
    CogVideoXVaeTiling tiling;
    tiling.enabled = true;
    tiling.tileSampleMinHeight = t.at("tile_sample_min_height").get<std::int64_t>();
    tiling.tileSampleMinWidth = t.at("tile_sample_min_width").get<std::int64_t>();
    tiling.tileOverlapFactorHeight = t.at("tile_overlap_factor_height").get<double>();
    tiling.tileOverlapFactorWidth = t.at("tile_overlap_factor_width").get<double>();
    return tiling;
}

template <class Fn>
std::optional<EngineError> errorOf(Fn&& fn) {
    try {
        fn();
    } catch (const EngineError& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace

class TstCogVideoXVae : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void parity_data() {
        QTest::addColumn<QString>("run");
        for (const char* run : {"enc1", "enc9", "enc17", "enc33", "enc-tiled", "dec1", "dec3",
                                "dec4", "dec5", "dec-tiled"})
            QTest::newRow(run) << QString::fromLatin1(run);
    }
    void parity() {
        QFETCH(QString, run);
        if (!fs::exists(kGolden / "golden.safetensors"))
            QSKIP(
                "tests/data/golden/cogvideox_vae is not generated yet "
                "(tools/golden/cogvideox_vae.py)");
        try {
            const auto r = run.toStdString();
            const auto spec = goldenRun(r);
            const auto g = loadGolden(kGolden);
            auto model = loadCogVideoXVae(kGolden / "vae");
            if (!spec.at("tiling").is_null())
                model->setTiling(tilingOf(spec.at("tiling")));
            at::NoGradGuard noGrad;
            if (spec.at("kind") == "encode") {
                const auto [mean, logvar] = model->encode(g.at(r + ".video"));
                QCOMPARE(mean.sizes(), g.at(r + ".mean").sizes());
                QCOMPARE(logvar.sizes(), g.at(r + ".logvar").sizes());
                MP_CHECK_CLOSE(mean, g.at(r + ".mean"), run + u" mean"_s, kTolerance);
                MP_CHECK_CLOSE(logvar, g.at(r + ".logvar"), run + u" logvar"_s, kTolerance);
            } else {
                const auto sample = model->decode(g.at(r + ".latents"));
                QCOMPARE(sample.sizes(), g.at(r + ".sample").sizes());
                MP_CHECK_CLOSE(sample, g.at(r + ".sample"), run + u" sample"_s, kTolerance);
                QVERIFY(g.at(r + ".sample").abs().max().item<double>() > 0.1);
            }
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

    void goldenConfig() {
        if (!fs::exists(kGolden / "vae" / "config.json"))
            QSKIP("tests/data/golden/cogvideox_vae is not generated yet");
        const auto c = CogVideoXVaeConfig::fromFile(kGolden / "vae" / "config.json");
        QCOMPARE(c.blockOutChannels, (std::vector<std::int64_t>{8, 16, 16, 16}));
        QCOMPARE(c.latentChannels, std::int64_t{4});
        QCOMPARE(c.spatialFactor(), std::int64_t{8});
        QCOMPARE(c.temporalFactor(), std::int64_t{4});
        QCOMPARE(c.scalingFactor, 0.7);
        QVERIFY2(c.unknownKeys.empty(), c.unknownKeys.empty() ? "" : c.unknownKeys[0].c_str());
    }

    void configDefaults() {
        // Absent keys take diffusers' defaults (CogVideoX-2b's VAE), unknown ones are reported.
        const auto dir = writeConfig("defaults-config",
                                     R"({"_class_name": "AutoencoderKLCogVideoX", "foo": 1})");
        const auto c = CogVideoXVaeConfig::fromFile(dir / "config.json");
        QCOMPARE(c.blockOutChannels, (std::vector<std::int64_t>{128, 256, 256, 512}));
        QCOMPARE(c.latentChannels, std::int64_t{16});
        QCOMPARE(c.layersPerBlock, std::int64_t{3});
        QCOMPARE(c.sampleHeight, std::int64_t{480});
        QCOMPARE(c.sampleWidth, std::int64_t{720});
        QCOMPARE(c.scalingFactor, 1.15258426);
        QVERIFY(!c.shiftFactor && c.latentsMean.empty() && !c.useQuantConv);
        QCOMPARE(c.spatialFactor(), std::int64_t{8});
        QCOMPARE(c.temporalFactor(), std::int64_t{4});
        QCOMPARE(c.unknownKeys, (std::vector<std::string>{"foo"}));
        QVERIFY(QString::fromStdString(c.toString()).contains(u"×4 time"_s));
    }

    void rejectsBadConfig_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("code");
        const int config = static_cast<int>(ErrorCode::Config);
        QTest::newRow("another class")
            << u"\"_class_name\": \"AutoencoderKL\""_s << u"_class_name"_s
            << static_cast<int>(ErrorCode::Unsupported);
        QTest::newRow("2-D blocks")
            << uR"("down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D",
                   "DownEncoderBlock2D", "DownEncoderBlock2D"])"_s
            << u"down_block_types"_s << config;
        QTest::newRow("block count")
            << uR"("up_block_types": ["CogVideoXUpBlock3D"])"_s << u"up_block_types"_s << config;
        QTest::newRow("groups") << uR"("block_out_channels": [128, 256, 256, 500])"_s
                                << u"block_out_channels"_s << config;
        QTest::newRow("temporal ratio")
            << u"\"temporal_compression_ratio\": 3"_s << u"temporal_compression_ratio"_s << config;
        QTest::newRow("activation") << u"\"act_fn\": \"mish\""_s << u"act_fn"_s << config;
        QTest::newRow("quant conv")
            << u"\"use_quant_conv\": true"_s << u"use_quant_conv"_s << config;
        QTest::newRow("type") << u"\"latent_channels\": \"16\""_s << u"latent_channels"_s << config;
        QTest::newRow("latents_mean")
            << u"\"latents_mean\": [0.1, 0.2]"_s << u"latents_mean"_s << config;
    }
    void rejectsBadConfig() {
        QFETCH(QString, json);
        QFETCH(QString, key);
        QFETCH(int, code);
        const QString text =
            json.startsWith(u"\"_class_name\""_s)
                ? QString(u"{"_s + json + u"}"_s)
                : QString(u"{\"_class_name\": \"AutoencoderKLCogVideoX\", "_s + json + u"}"_s);
        const auto dir = writeConfig("bad-config", text.toStdString());
        const auto e = errorOf([&] { (void)CogVideoXVaeConfig::fromFile(dir / "config.json"); });
        QVERIFY(e.has_value());
        QCOMPARE(static_cast<int>(e->code()), code);
        QVERIFY2(QString::fromUtf8(e->what()).contains(key), e->what());
        QVERIFY2(QString::fromUtf8(e->what()).contains(u"config.json"_s), e->what());
    }

    void frameCounts_data() {
        QTest::addColumn<qint64>("frames");
        QTest::addColumn<qint64>("latents");
        QTest::addColumn<qint64>("decoded");
        QTest::newRow("1") << qint64{1} << qint64{1} << qint64{1};
        QTest::newRow("5: even latents decode in pairs") << qint64{5} << qint64{2} << qint64{8};
        QTest::newRow("9: one batch of 9") << qint64{9} << qint64{3} << qint64{9};
        QTest::newRow("17: batches of 9 and 8") << qint64{17} << qint64{5} << qint64{17};
        QTest::newRow("49: CogVideoX's") << qint64{49} << qint64{13} << qint64{49};
    }
    void frameCounts() {
        QFETCH(qint64, frames);
        QFETCH(qint64, latents);
        QFETCH(qint64, decoded);
        const auto c = smallConfig();
        QCOMPARE(static_cast<qint64>(c.latentFrames(frames)), latents);
        QCOMPARE(static_cast<qint64>(c.decodedFrames(latents)), decoded);
    }

    void evenLatentCounts() {
        // diffusers decodes even latent counts in pairs of 2 → 8 frames each: 4f, not 1 + 4(f − 1).
        const auto c = smallConfig();
        QCOMPARE(c.decodedFrames(2), std::int64_t{8});
        QCOMPARE(c.decodedFrames(4), std::int64_t{16});
        QCOMPARE(c.decodedFrames(12), std::int64_t{48});
    }

    void shapes_data() {
        QTest::addColumn<qint64>("frames");
        QTest::newRow("1 frame") << qint64{1};
        QTest::newRow("5 frames") << qint64{5};
        QTest::newRow("13 frames") << qint64{13};
        QTest::newRow("17 frames") << qint64{17};
    }
    void shapes() {
        QFETCH(qint64, frames);
        auto model = smallModel();
        at::NoGradGuard noGrad;
        const auto [mean, logvar] = model->encode(randn({1, 3, frames, 16, 24}, 3).clamp(-1, 1));
        const auto f = 1 + (frames - 1) / 4;
        QCOMPARE(mean.sizes(), (c10::IntArrayRef{1, 4, f, 2, 3}));
        QCOMPARE(logvar.sizes(), mean.sizes());
        QVERIFY(logvar.max().item<double>() <= 20.0 && logvar.min().item<double>() >= -30.0);
        const auto video = model->decode(mean);
        QCOMPARE(video.sizes(), (c10::IntArrayRef{1, 3, smallConfig().decodedFrames(f), 16, 24}));
    }

    // Caches only flow forward: frames of a later batch never change the outputs of an earlier
    // one, and the first batch run alone gives exactly those outputs.
    void causalBatches() {
        auto model = smallModel(2);
        at::NoGradGuard noGrad;
        const auto video = randn({1, 3, 17, 16, 16}, 4).clamp(-1, 1);
        auto changed = video.clone();
        changed.narrow(2, 9, 8).mul_(-1);
        const auto a = model->encode(video).first;
        const auto b = model->encode(changed).first;
        QVERIFY(at::equal(a.narrow(2, 0, 3), b.narrow(2, 0, 3)));
        QVERIFY(relMax(b.narrow(2, 3, 2), a.narrow(2, 3, 2)) > 1e-3);
        QVERIFY(at::equal(model->encode(video.narrow(2, 0, 9)).first, a.narrow(2, 0, 3)));

        const auto z = randn({1, 4, 5, 2, 2}, 5);
        auto zChanged = z.clone();
        zChanged.narrow(2, 3, 2).mul_(-1);
        const auto x = model->decode(z);
        const auto y = model->decode(zChanged);
        QCOMPARE(x.size(2), std::int64_t{17});
        QVERIFY(at::equal(x.narrow(2, 0, 9), y.narrow(2, 0, 9)));
        QVERIFY(relMax(y.narrow(2, 9, 8), x.narrow(2, 9, 8)) > 1e-3);
        QVERIFY(at::equal(model->decode(z.narrow(2, 0, 3)), x.narrow(2, 0, 9)));
        // The second batch depends on the first through the caches.
        auto headChanged = z.clone();
        headChanged.narrow(2, 0, 3).mul_(-1);
        QVERIFY(relMax(model->decode(headChanged).narrow(2, 9, 8), x.narrow(2, 9, 8)) > 1e-3);
    }

    void tiling() {
        auto model = smallModel(3);
        at::NoGradGuard noGrad;
        const auto z = randn({1, 4, 3, 5, 6}, 6);
        const auto video = randn({1, 3, 5, 40, 48}, 7).clamp(-1, 1);
        const auto plainDecode = model->decode(z);
        const auto plainEncode = model->encode(video).first;
        CogVideoXVaeTiling t;
        t.enabled = true;
        t.tileSampleMinHeight = 48;
        t.tileSampleMinWidth = 48;
        // Not larger than one tile: the plain path, exactly.
        model->setTiling(t);
        QVERIFY(at::equal(model->decode(z), plainDecode));
        QVERIFY(at::equal(model->encode(video).first, plainEncode));
        QCOMPARE(model->tiling().tileOverlapFactorHeight, 1.0 / 6);  // diffusers' defaults
        QCOMPARE(model->tiling().tileOverlapFactorWidth, 1.0 / 5);
        // Smaller tiles: blended tiles of the same overall size, but not the same numbers.
        t.tileSampleMinHeight = 32;
        t.tileSampleMinWidth = 32;
        t.tileOverlapFactorHeight = 0.5;
        t.tileOverlapFactorWidth = 0.25;
        model->setTiling(t);
        const auto tiledDecode = model->decode(z);
        const auto tiledEncode = model->encode(video).first;
        QCOMPARE(tiledDecode.sizes(), plainDecode.sizes());
        QCOMPARE(tiledEncode.sizes(), plainEncode.sizes());
        QVERIFY(relMax(tiledDecode, plainDecode) > 1e-4);
        QVERIFY(relMax(tiledEncode, plainEncode) > 1e-4);
        // The top-left corner kept from the first tile alone (no blend reaches it).
        const auto corner = model->decode(z.narrow(3, 0, 4).narrow(4, 0, 4));
        QVERIFY(at::equal(tiledDecode.narrow(3, 0, 16).narrow(4, 0, 8),
                          corner.narrow(3, 0, 16).narrow(4, 0, 8)));
        t.enabled = false;
        model->setTiling(t);
        QVERIFY(at::equal(model->decode(z), plainDecode));
    }

    void rejectsBadTiling_data() {
        QTest::addColumn<qint64>("tile");
        QTest::addColumn<double>("overlap");
        QTest::addColumn<QString>("message");
        QTest::newRow("tile below one latent") << qint64{4} << 0.25 << u"at least 8 pixels"_s;
        QTest::newRow("overlap 1") << qint64{32} << 1.0 << u"between 0 and 1"_s;
        QTest::newRow("no step") << qint64{8} << 0.5 << u"no step"_s;
    }
    void rejectsBadTiling() {
        QFETCH(qint64, tile);
        QFETCH(double, overlap);
        QFETCH(QString, message);
        auto model = smallModel();
        CogVideoXVaeTiling t;
        t.enabled = true;
        t.tileSampleMinHeight = tile;
        t.tileSampleMinWidth = tile;
        t.tileOverlapFactorHeight = overlap;
        t.tileOverlapFactorWidth = overlap;
        const auto e = errorOf([&] { model->setTiling(t); });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromUtf8(e->what()).contains(message), e->what());
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("encode channels") << u"encode-channels"_s << u"(B, 3, F, H, W)"_s;
        QTest::newRow("encode 4-D") << u"encode-4d"_s << u"(B, 3, F, H, W)"_s;
        QTest::newRow("encode 8 frames") << u"encode-frames"_s << u"1 + 4k"_s;
        QTest::newRow("encode height 12") << u"encode-size"_s << u"multiples of 8"_s;
        QTest::newRow("decode channels") << u"decode-channels"_s << u"(B, 4, f, h, w)"_s;
        QTest::newRow("decode 4-D") << u"decode-4d"_s << u"(B, 4, f, h, w)"_s;
    }
    void rejectsBadInput() {
        QFETCH(QString, what);
        QFETCH(QString, message);
        auto model = smallModel();
        at::NoGradGuard noGrad;
        const auto e = errorOf([&] {
            if (what == u"encode-channels")
                (void)model->encode(at::zeros({1, 4, 1, 16, 16}));
            else if (what == u"encode-4d")
                (void)model->encode(at::zeros({3, 1, 16, 16}));
            else if (what == u"encode-frames")
                (void)model->encode(at::zeros({1, 3, 8, 16, 16}));
            else if (what == u"encode-size")
                (void)model->encode(at::zeros({1, 3, 1, 12, 16}));
            else if (what == u"decode-channels")
                (void)model->decode(at::zeros({1, 16, 1, 2, 2}));
            else
                (void)model->decode(at::zeros({4, 1, 2, 2}));
        });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromUtf8(e->what()).contains(message), e->what());
    }

    // A saved model loads back strictly by name to the same numbers; a weight file that lacks a
    // key, or names one differently, is refused with the key named.
    void strictLoading_data() {
        QTest::addColumn<QString>("change");
        QTest::newRow("complete") << QString();
        QTest::newRow("missing key") << u"drop"_s;
        QTest::newRow("renamed key") << u"rename"_s;
    }
    void strictLoading() {
        QFETCH(QString, change);
        auto model = smallModel(9);
        const auto dir = writeConfig("strict-" + change.toStdString(), kSmallConfig);
        const std::string key = "decoder.up_blocks.1.resnets.0.norm1.conv_y.conv.weight";
        NamedTensors tensors;
        for (const auto& p : model->named_parameters()) {
            if (p.key() == key && change == u"drop")
                continue;
            const auto name = p.key() == key && change == u"rename"
                                  ? std::string("decoder.up_blocks.1.resnets.0.norm1.conv_y.weight")
                                  : p.key();
            tensors.emplace_back(name, p.value().detach().clone());
        }
        QVERIFY(std::any_of(tensors.begin(), tensors.end(), [](const auto& t) {
            return t.first == "encoder.down_blocks.1.resnets.0.conv_shortcut.weight";
        }));
        saveTensorFile(dir / "diffusion_pytorch_model.safetensors", tensors);
        if (change.isEmpty()) {
            auto loaded = loadCogVideoXVae(dir);
            at::NoGradGuard noGrad;
            const auto z = randn({1, 4, 3, 2, 2}, 10);
            QVERIFY(at::equal(loaded->decode(z), model->decode(z)));
            return;
        }
        const auto e = errorOf([&] { (void)loadCogVideoXVae(dir); });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::Weights);
        QVERIFY2(QString::fromUtf8(e->what()).contains(QString::fromStdString(key)), e->what());
    }
};

QTEST_GUILESS_MAIN(TstCogVideoXVae)
#include "tst_cogvideox_vae.moc"
