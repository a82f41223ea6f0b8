// Clip <-> at::Tensor: layouts, value ranges, rounding and clamping, and a decoded file all the
// way to the model-ready tensor.

#include "video/video_io.h"
#include "video/video_tensor.h"

#include "../support/fixtures.h"
#include "core/error.h"
#include "video_test_clips.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cstring>

using namespace mp::video;

class TstVideoTensor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shapeAndValues_data();
    void shapeAndValues();
    void roundTripExact_data();
    void roundTripExact();
    void roundingAndClamping();
    void fourDimsAndBatch();
    void rejectsBadTensors();
    void parseNames();
    void decodedFileToTensor();
    void floatsEqualTorchArithmetic_data();
    void floatsEqualTorchArithmetic();
};

void TstVideoTensor::shapeAndValues_data() {
    QTest::addColumn<int>("layout");
    QTest::addColumn<int>("range");
    QTest::newRow("bcfhw -1,1") << int(TensorLayout::BCFHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bfchw -1,1") << int(TensorLayout::BFCHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bcfhw 0,1") << int(TensorLayout::BCFHW) << int(ValueRange::ZeroToOne);
    QTest::newRow("bfchw 0,1") << int(TensorLayout::BFCHW) << int(ValueRange::ZeroToOne);
}

void TstVideoTensor::shapeAndValues() {
    QFETCH(int, layout);
    QFETCH(int, range);
    const auto clip = mp::test::movingSquares(7, 5, 3);
    const auto t = clipToTensor(clip, TensorLayout(layout), ValueRange(range));
    QCOMPARE(t.scalar_type(), at::kFloat);
    const bool bcfhw = TensorLayout(layout) == TensorLayout::BCFHW;
    const std::vector<int64_t> shape =
        bcfhw ? std::vector<int64_t>{1, 3, 3, 5, 7} : std::vector<int64_t>{1, 3, 3, 5, 7};
    QCOMPARE(t.sizes().vec(), shape);  // F == C == 3 here; the element check tells them apart
    const bool pm1 = ValueRange(range) == ValueRange::MinusOneToOne;
    for (int f = 0; f < 3; ++f)
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 5; ++y)
                for (int x = 0; x < 7; ++x) {
                    const int v = clip.pixel(f, x, y)[c];
                    const float expected = pm1 ? v / 127.5f - 1.0f : v / 255.0f;
                    const float got =
                        bcfhw ? t[0][c][f][y][x].item<float>() : t[0][f][c][y][x].item<float>();
                    QVERIFY(std::abs(got - expected) < 1e-6f);
                }
    QVERIFY(t.min().item<float>() >= (pm1 ? -1.0f : 0.0f));
    QVERIFY(t.max().item<float>() <= 1.0f);
}

void TstVideoTensor::roundTripExact_data() {
    QTest::addColumn<int>("layout");
    QTest::addColumn<int>("range");
    QTest::newRow("bcfhw") << int(TensorLayout::BCFHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bfchw") << int(TensorLayout::BFCHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bfchw 0,1") << int(TensorLayout::BFCHW) << int(ValueRange::ZeroToOne);
}

void TstVideoTensor::roundTripExact() {
    QFETCH(int, layout);
    QFETCH(int, range);
    // Every byte value, so no rounding case is missed: 256 pixels x 3 channels x 2 frames.
    Clip clip;
    clip.width = 16;
    clip.height = 16;
    clip.fps = 8;
    for (int f = 0; f < 2; ++f) {
        std::vector<std::uint8_t> rgb(16 * 16 * 3);
        for (std::size_t i = 0; i < rgb.size(); ++i)
            rgb[i] = static_cast<std::uint8_t>((i / 3 + 85 * (i % 3) + f * 7) % 256);
        clip.frames.push_back(rgb);
    }
    const auto t = clipToTensor(clip, TensorLayout(layout), ValueRange(range));
    const auto back = tensorToClip(t, TensorLayout(layout), ValueRange(range), 12);
    QCOMPARE(back.width, 16);
    QCOMPARE(back.height, 16);
    QCOMPARE(back.fps, 12.0);
    QVERIFY(back.frames == clip.frames);
}

void TstVideoTensor::roundingAndClamping() {
    // [1, 3, 1, 1, 6]: one frame, six pixels; red carries the interesting values.
    auto t = at::zeros({1, 3, 1, 1, 6});
    const float values[6] = {-3.0f, 1.5f, std::nanf(""), 0.5f / 127.5f - 1.0f, 0.6f / 127.5f - 1.0f,
                             0.0f};
    for (int i = 0; i < 6; ++i)
        t[0][0][0][0][i] = values[i];
    const auto c = tensorToClip(t, TensorLayout::BCFHW);
    QCOMPARE(int(c.pixel(0, 0, 0)[0]), 0);    // clamped
    QCOMPARE(int(c.pixel(0, 1, 0)[0]), 255);  // clamped
    QCOMPARE(int(c.pixel(0, 2, 0)[0]), 0);    // NaN
    QVERIFY(c.pixel(0, 3, 0)[0] <= 1);        // 0.5 rounds to even (0) or up (1)
    QCOMPARE(int(c.pixel(0, 4, 0)[0]), 1);    // 0.6 -> 1
    QCOMPARE(int(c.pixel(0, 5, 0)[0]), 128);  // 127.5 -> 128 (half to even)
    QCOMPARE(int(c.pixel(0, 5, 0)[1]), 128);  // green 0 -> 127.5 -> 128
    // [0, 1] range: 0.5 -> 127.5 -> 128.
    const auto z =
        tensorToClip(at::full({1, 1, 3, 2, 2}, 0.5), TensorLayout::BFCHW, ValueRange::ZeroToOne);
    QCOMPARE(int(z.pixel(0, 1, 1)[2]), 128);
    // Other float types and non-contiguous tensors convert too.
    const auto half = clipToTensor(mp::test::movingSquares(6, 4, 2), TensorLayout::BCFHW)
                          .to(at::kHalf)
                          .transpose(3, 4)
                          .transpose(3, 4);
    QCOMPARE(tensorToClip(half, TensorLayout::BCFHW).frameCount(), 2);
}

void TstVideoTensor::fourDimsAndBatch() {
    const auto a = mp::test::movingSquares(6, 4, 2);
    const auto b = mp::test::movingSquares(6, 4, 2, 8, false);
    const auto batch =
        at::cat({clipToTensor(a, TensorLayout::BFCHW), clipToTensor(b, TensorLayout::BFCHW)});
    QCOMPARE(batch.size(0), 2);
    QVERIFY(tensorToClip(batch, TensorLayout::BFCHW, ValueRange::MinusOneToOne, 8, 1).frames ==
            b.frames);
    QVERIFY(tensorToClip(batch[0], TensorLayout::BFCHW).frames == a.frames);
}

void TstVideoTensor::rejectsBadTensors() {
    auto expectError = [](const at::Tensor& t, TensorLayout l, int batch, const char* phrase) {
        try {
            (void)tensorToClip(t, l, ValueRange::MinusOneToOne, 8, batch);
            QFAIL("accepted");
        } catch (const mp::EngineError& e) {
            QCOMPARE(e.code(), mp::ErrorCode::InvalidArgument);
            QVERIFY2(QString::fromStdString(e.message()).contains(QLatin1String(phrase)), e.what());
        }
    };
    expectError(at::zeros({1, 4, 2, 3, 3}), TensorLayout::BCFHW, 0, "needs 3 channels");
    expectError(at::zeros({1, 2, 3, 3}), TensorLayout::BCFHW, 0, "needs 3 channels");
    expectError(at::zeros({3, 3, 3}), TensorLayout::BCFHW, 0, "got [3, 3, 3]");
    expectError(at::zeros({1, 3, 2, 3, 3}, at::kLong), TensorLayout::BCFHW, 0, "float tensor");
    expectError(at::zeros({1, 3, 2, 3, 3}), TensorLayout::BCFHW, 1, "batch index 1");
    expectError(at::zeros({1, 3, 0, 3, 3}), TensorLayout::BCFHW, 0, "at least one frame");
}

void TstVideoTensor::parseNames() {
    QCOMPARE(parseLayout("BCFHW"), TensorLayout::BCFHW);
    QCOMPARE(parseLayout("latte"), TensorLayout::BCFHW);
    QCOMPARE(parseLayout("modelscope"), TensorLayout::BCFHW);
    QCOMPARE(parseLayout("cogvideox"), TensorLayout::BFCHW);
    QCOMPARE(parseRange("0,1"), ValueRange::ZeroToOne);
    QVERIFY_THROWS_EXCEPTION(mp::EngineError, parseLayout("nchw"));
    QVERIFY_THROWS_EXCEPTION(mp::EngineError, parseRange("0,255"));
}

void TstVideoTensor::decodedFileToTensor() {
    // A file on disk all the way to what a CogVideoX-style model takes, and back to a file.
    mp::test::TempDir dir;
    const auto clip = mp::test::movingSquares(34, 26, 12, 8);
    QVERIFY(encodeVideo(clip, dir / "in.mkv").ok());
    DecodeOptions o;
    o.select = parseFrameSelection("uniform", 4);
    o.width = 16;
    o.height = 16;
    auto decoded = decodeVideo(dir / "in.mkv", o);
    QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().what());
    const auto t = clipToTensor(decoded.value(), TensorLayout::BFCHW);
    QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{1, 4, 3, 16, 16}));
    QVERIFY(t.min().item<float>() >= -1.0f && t.max().item<float>() <= 1.0f);
    // Frame 1 of the tensor is source frame round(11 / 3) = 4, fitted to 16x16.
    const auto expected = fitFrame(clip.frames[4], 34, 26, 16, 16, FitMode::Crop);
    const auto back = tensorToClip(t, TensorLayout::BFCHW);
    QCOMPARE(back.frames[1], expected);
    QVERIFY(encodeVideo(back, (dir / "out").string() + "/").ok());
    auto again = decodeVideo(dir / "out");
    QVERIFY(again.ok());
    QVERIFY(again.value().frames == back.frames);
}

// The torch-free conversion (the CLI front's video-to-tensor) gives, for every byte value and
// both layouts, exactly the floats ATen's byte -> float, divide, subtract gives.
void TstVideoTensor::floatsEqualTorchArithmetic_data() {
    QTest::addColumn<int>("layout");
    QTest::addColumn<int>("range");
    QTest::newRow("bcfhw -1,1") << int(TensorLayout::BCFHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bfchw -1,1") << int(TensorLayout::BFCHW) << int(ValueRange::MinusOneToOne);
    QTest::newRow("bcfhw 0,1") << int(TensorLayout::BCFHW) << int(ValueRange::ZeroToOne);
}

void TstVideoTensor::floatsEqualTorchArithmetic() {
    QFETCH(int, layout);
    QFETCH(int, range);
    // Two frames of 16 x 8 covering all 256 byte values in every channel.
    Clip clip;
    clip.width = 16;
    clip.height = 8;
    clip.fps = 8;
    for (int f = 0; f < 2; ++f) {
        auto& frame = clip.frames.emplace_back(clip.frameBytes());
        for (std::size_t i = 0; i < frame.size(); ++i)
            frame[i] = static_cast<std::uint8_t>((i / 3 + 128 * f + 37 * (i % 3)) % 256);
    }
    const auto l = static_cast<TensorLayout>(layout);
    const auto r = static_cast<ValueRange>(range);
    const auto floats = clipToFloats(clip, l, r);
    auto bytes = at::empty({2, 8, 16, 3}, at::kByte);
    for (int f = 0; f < 2; ++f)
        std::memcpy(bytes.data_ptr<std::uint8_t>() + f * clip.frameBytes(), clip.frames[f].data(),
                    clip.frameBytes());
    auto x = bytes.to(at::kFloat);
    x = r == ValueRange::MinusOneToOne ? x.div_(127.5).sub_(1.0) : x.div_(255.0);
    x = (l == TensorLayout::BCFHW ? x.permute({3, 0, 1, 2}) : x.permute({0, 3, 1, 2}))
            .unsqueeze(0)
            .contiguous();
    QCOMPARE(floats.shape, x.sizes().vec());
    QVERIFY(at::equal(
        at::from_blob(const_cast<float*>(floats.values.data()), floats.shape, at::kFloat), x));
    QVERIFY(at::equal(clipToTensor(clip, l, r), x));
}

QTEST_APPLESS_MAIN(TstVideoTensor)
#include "tst_video_tensor.moc"
