// The antialiased resampler against Pillow (bit-exact for uint8) and against properties any
// correct resize has: constants stay constant, identity is a copy, linear ramps survive
// bilinear/bicubic upsampling, downscaling averages instead of aliasing.

#include "image/resample.h"

#include "core/error.h"

#include "pil_resize_reference.h"

#include <QtTest/QtTest>

#include <cmath>
#include <cstring>

using mp::image::ResampleFilter;

namespace {

// Must equal pattern() in tools/video/pil_resize_reference.py.
std::uint8_t patternValue(int x, int y, int c) {
    return static_cast<std::uint8_t>((x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 11) % 256);
}

// Must equal pattern_float() there.
float patternFloat(int x, int y) {
    return static_cast<float>(((x * 7 + y * 3) % 11) / 10.0 - 0.5 + ((x + y) % 2 ? 0.25 : 0.0));
}

ResampleFilter filterNamed(const char* name) {
    if (!std::strcmp(name, "bicubic"))
        return ResampleFilter::Bicubic;
    if (!std::strcmp(name, "bilinear"))
        return ResampleFilter::Bilinear;
    if (!std::strcmp(name, "lanczos"))
        return ResampleFilter::Lanczos;
    return ResampleFilter::Box;
}

}  // namespace

class TstResample : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesPillowUint8_data();
    void matchesPillowUint8();
    void matchesPillowFloat_data();
    void matchesPillowFloat();
    void constantStaysConstant_data();
    void constantStaysConstant();
    void identityIsCopy();
    void linearRampSurvivesUpsampling_data();
    void linearRampSurvivesUpsampling();
    void downscaleAntialiases();
    void weightsAreNormalised_data();
    void weightsAreNormalised();
    void badArguments();
};

void TstResample::matchesPillowUint8_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < int(std::size(pilref::kU8Cases)); ++i)
        QTest::newRow(pilref::kU8Cases[i].name) << i;
}

void TstResample::matchesPillowUint8() {
    QFETCH(int, index);
    const auto& c = pilref::kU8Cases[index];
    std::vector<std::uint8_t> src(static_cast<std::size_t>(c.inW) * c.inH * 3);
    for (int y = 0; y < c.inH; ++y)
        for (int x = 0; x < c.inW; ++x)
            for (int ch = 0; ch < 3; ++ch)
                src[(y * c.inW + x) * 3 + ch] = patternValue(x, y, ch);
    const mp::image::SourceBox box{c.box[0], c.box[1], c.box[2], c.box[3]};
    const auto out = mp::image::resize(src, c.inW, c.inH, 3, c.outW, c.outH, filterNamed(c.filter),
                                       c.hasBox ? &box : nullptr);
    const auto& expected = *pilref::kU8Expected[index];
    QCOMPARE(out.size(), expected.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] != expected[i] && mismatches++ < 5)
            qWarning("value %zu: ours %d, Pillow %d", i, out[i], expected[i]);
    QCOMPARE(mismatches, 0);
}

void TstResample::matchesPillowFloat_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < int(std::size(pilref::kFloatCases)); ++i)
        QTest::newRow(pilref::kFloatCases[i].name) << i;
}

void TstResample::matchesPillowFloat() {
    QFETCH(int, index);
    const auto& c = pilref::kFloatCases[index];
    std::vector<float> src(static_cast<std::size_t>(c.inW) * c.inH);
    for (int y = 0; y < c.inH; ++y)
        for (int x = 0; x < c.inW; ++x)
            src[y * c.inW + x] = patternFloat(x, y);
    const auto out = mp::image::resize(std::span<const float>(src), c.inW, c.inH, 1, c.outW, c.outH,
                                       filterNamed(c.filter));
    const auto& expected = *pilref::kFloatExpected[index];
    QCOMPARE(out.size(), expected.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        QVERIFY2(std::abs(out[i] - expected[i]) < 1e-5f,
                 qPrintable(QStringLiteral("value %1: ours %2, Pillow %3")
                                .arg(i)
                                .arg(out[i])
                                .arg(expected[i])));
}

void TstResample::constantStaysConstant_data() {
    QTest::addColumn<int>("filter");
    QTest::addColumn<int>("outW");
    QTest::addColumn<int>("outH");
    for (auto [name, f] :
         {std::pair{"box", ResampleFilter::Box}, std::pair{"bilinear", ResampleFilter::Bilinear},
          std::pair{"bicubic", ResampleFilter::Bicubic},
          std::pair{"lanczos", ResampleFilter::Lanczos}}) {
        QTest::addRow("%s-down", name) << int(f) << 7 << 3;
        QTest::addRow("%s-up", name) << int(f) << 41 << 29;
    }
}

void TstResample::constantStaysConstant() {
    QFETCH(int, filter);
    QFETCH(int, outW);
    QFETCH(int, outH);
    const std::vector<std::uint8_t> src(19 * 13 * 3, 173);
    const auto out = mp::image::resize(src, 19, 13, 3, outW, outH, ResampleFilter(filter));
    QCOMPARE(out.size(), std::size_t(outW * outH * 3));
    for (auto v : out)
        QCOMPARE(int(v), 173);
    const std::vector<float> fsrc(19 * 13, -0.375f);
    const auto fout = mp::image::resize(std::span<const float>(fsrc), 19, 13, 1, outW, outH,
                                        ResampleFilter(filter));
    for (auto v : fout)
        QVERIFY(std::abs(v + 0.375f) < 1e-6f);
}

void TstResample::identityIsCopy() {
    std::vector<std::uint8_t> src(9 * 5 * 3);
    for (std::size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<std::uint8_t>(i * 7);
    QCOMPARE(mp::image::resize(src, 9, 5, 3, 9, 5), src);
}

void TstResample::linearRampSurvivesUpsampling_data() {
    QTest::addColumn<int>("filter");
    QTest::newRow("bilinear") << int(ResampleFilter::Bilinear);
    QTest::newRow("bicubic") << int(ResampleFilter::Bicubic);
}

void TstResample::linearRampSurvivesUpsampling() {
    // Both filters reproduce linear functions exactly where the kernel is not cut by an edge.
    QFETCH(int, filter);
    const int w = 16, ow = 40;
    std::vector<float> src(w);
    for (int x = 0; x < w; ++x)
        src[x] = 0.25f * x - 1.0f;
    const auto out =
        mp::image::resize(std::span<const float>(src), w, 1, 1, ow, 1, ResampleFilter(filter));
    const double scale = double(w) / ow;
    for (int x = 0; x < ow; ++x) {
        const double sx = (x + 0.5) * scale - 0.5;  // centre alignment
        if (sx < 2 || sx > w - 3)
            continue;
        QVERIFY2(
            std::abs(out[x] - (0.25 * sx - 1.0)) < 1e-5,
            qPrintable(QStringLiteral("x %1: %2 vs %3").arg(x).arg(out[x]).arg(0.25 * sx - 1)));
    }
}

void TstResample::downscaleAntialiases() {
    // A one-pixel checkerboard shrunk 4x is flat grey with a filter that widens with the scale;
    // point sampling would give pure black or white.
    const int w = 64;
    std::vector<std::uint8_t> src(w * w);
    for (int y = 0; y < w; ++y)
        for (int x = 0; x < w; ++x)
            src[y * w + x] = ((x + y) % 2) ? 255 : 0;
    const auto out = mp::image::resize(src, w, w, 1, 16, 16, ResampleFilter::Bicubic);
    for (int y = 2; y < 14; ++y)
        for (int x = 2; x < 14; ++x)
            QVERIFY2(std::abs(int(out[y * 16 + x]) - 128) <= 2,
                     qPrintable(QString::number(out[y * 16 + x])));
}

void TstResample::weightsAreNormalised_data() {
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::newRow("down 5x") << 100 << 20;
    QTest::newRow("down odd") << 37 << 11;
    QTest::newRow("up") << 11 << 37;
}

void TstResample::weightsAreNormalised() {
    QFETCH(int, in);
    QFETCH(int, out);
    const auto w = mp::image::computeAxisWeights(in, out, ResampleFilter::Bicubic);
    const double support = 2.0 * std::max(1.0, double(in) / out);
    for (int i = 0; i < out; ++i) {
        double sum = 0;
        for (int k = 0; k < w.count[i]; ++k)
            sum += w.weights[i * w.maxTaps + k];
        QVERIFY(std::abs(sum - 1.0) < 1e-12);
        QVERIFY(w.first[i] >= 0 && w.first[i] + w.count[i] <= in);
        // Taps cover the scaled support around the centre, clipped to the image.
        const double centre = (i + 0.5) * double(in) / out;
        QVERIFY(w.first[i] <= std::max(0.0, centre - support + 0.5));
        QVERIFY(w.first[i] + w.count[i] >= std::min(double(in), centre + support - 0.5));
    }
}

void TstResample::badArguments() {
    const std::vector<std::uint8_t> src(4 * 4 * 3);
    QVERIFY_THROWS_EXCEPTION(mp::EngineError, mp::image::resize(src, 4, 4, 3, 0, 2));
    QVERIFY_THROWS_EXCEPTION(mp::EngineError, mp::image::resize(src, 4, 5, 3, 2, 2));
    const mp::image::SourceBox outside{0, 0, 5, 4};
    QVERIFY_THROWS_EXCEPTION(
        mp::EngineError, mp::image::resize(src, 4, 4, 3, 2, 2, ResampleFilter::Bicubic, &outside));
}

QTEST_APPLESS_MAIN(TstResample)
#include "tst_resample.moc"
