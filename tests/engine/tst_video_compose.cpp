// Compositions (grid geometry, resizing into cells, frame-count policies, label bands) and the
// bitmap font they use.

#include "video/bitmap_font.h"
#include "video/compose.h"

#include "video_test_clips.h"

#include <QtTest/QtTest>

#include <set>

using namespace mp::video;

namespace {

Clip solid(int w, int h, int frames, Rgb c) {
    Clip clip;
    clip.width = w;
    clip.height = h;
    clip.fps = 8;
    for (int f = 0; f < frames; ++f) {
        std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
        for (std::size_t p = 0; p < rgb.size(); p += 3) {
            rgb[p] = c.r;
            rgb[p + 1] = static_cast<std::uint8_t>(c.g + f);  // frames differ
            rgb[p + 2] = c.b;
        }
        clip.frames.push_back(std::move(rgb));
    }
    return clip;
}

bool pixelIs(const Clip& c, int f, int x, int y, int r, int g, int b) {
    const auto* p = c.pixel(f, x, y);
    return p[0] == r && p[1] == g && p[2] == b;
}

}  // namespace

class TstVideoCompose : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void glyphsAreDistinct();
    void glyphsHaveInk();
    void drawTextMatchesGlyphs_data();
    void drawTextMatchesGlyphs();
    void measuresText();
    void grid_data();
    void grid();
    void cellsCopyInputs();
    void letterboxDifferentSizes();
    void frameCountPolicy_data();
    void frameCountPolicy();
    void labelBand();
    void longLabelIsTruncated();
    void badInputs();
};

void TstVideoCompose::glyphsAreDistinct() {
    std::set<std::array<std::uint8_t, kGlyphHeight>> seen;
    for (int c = 32; c <= 126; ++c)
        QVERIFY2(seen.insert(glyphRows(char(c))).second,
                 qPrintable(QStringLiteral("'%1' repeats another glyph").arg(QChar(c))));
}

void TstVideoCompose::glyphsHaveInk() {
    for (int c = 33; c <= 126; ++c) {
        int ink = 0;
        for (auto row : glyphRows(char(c))) {
            QVERIFY(row < (1 << kGlyphWidth));
            ink += std::popcount(unsigned(row));
        }
        QVERIFY2(ink > 0, qPrintable(QStringLiteral("'%1' is blank").arg(QChar(c))));
    }
    for (auto row : glyphRows(' '))
        QCOMPARE(int(row), 0);
    // Outside printable ASCII: the '?' glyph.
    QCOMPARE(glyphRows('\n'), glyphRows('?'));
    QCOMPARE(glyphRows(char(0xC3)), glyphRows('?'));
    // A few glyphs checked against their intended shape: 'T' has a full top bar and a centre
    // stem, 'L' a full bottom bar, '-' a single full middle row.
    QCOMPARE(int(glyphRows('T')[0]), 0b11111);
    for (int y = 1; y < kGlyphHeight; ++y)
        QCOMPARE(int(glyphRows('T')[y]), 0b00100);
    QCOMPARE(int(glyphRows('L')[6]), 0b11111);
    QCOMPARE(int(glyphRows('-')[3]), 0b11111);
}

void TstVideoCompose::drawTextMatchesGlyphs_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("scale");
    QTest::newRow("A at 1") << "A" << 1;
    QTest::newRow("t=600 at 2") << "t=600" << 2;
    QTest::newRow("mixed at 3") << "Og|" << 3;
}

void TstVideoCompose::drawTextMatchesGlyphs() {
    QFETCH(QString, text);
    QFETCH(int, scale);
    const std::string s = text.toStdString();
    const int w = textWidth(s, scale) + 4, h = textHeight(scale) + 4;
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3, 0);
    drawText(rgb.data(), w, h, 2, 2, s, scale, {255, 200, 100});
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            bool ink = false;
            const int gx = x - 2, gy = y - 2;
            if (gx >= 0 && gy >= 0 && gy < kGlyphHeight * scale) {
                const int cell = gx / (kGlyphAdvance * scale);
                const int col = (gx % (kGlyphAdvance * scale)) / scale;
                if (cell < int(s.size()) && col < kGlyphWidth)
                    ink = (glyphRows(s[cell])[gy / scale] >> (kGlyphWidth - 1 - col)) & 1;
            }
            const auto* p = rgb.data() + (y * w + x) * 3;
            QCOMPARE(p[0] == 255 && p[1] == 200 && p[2] == 100, ink);
            if (!ink)
                QCOMPARE(int(p[0]), 0);
        }
}

void TstVideoCompose::measuresText() {
    QCOMPARE(mp::video::textWidth("", 2), 0);
    QCOMPARE(mp::video::textWidth("a", 1), 5);
    QCOMPARE(mp::video::textWidth("abc", 2), (3 * 6 - 1) * 2);
    QCOMPARE(textHeight(3), 21);
}

void TstVideoCompose::grid_data() {
    QTest::addColumn<int>("inputs");
    QTest::addColumn<int>("columns");
    QTest::addColumn<int>("gap");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    // Cells are 30x20 (the first input's size).
    QTest::newRow("3 in a row") << 3 << 0 << 4 << 3 * 30 + 2 * 4 << 20;
    QTest::newRow("4 in 2 columns") << 4 << 2 << 4 << 2 * 30 + 4 << 2 * 20 + 4;
    QTest::newRow("5 in 2 columns") << 5 << 2 << 2 << 2 * 30 + 2 << 3 * 20 + 2 * 2;
    QTest::newRow("columns > inputs") << 2 << 5 << 0 << 60 << 20;
    QTest::newRow("1 input") << 1 << 0 << 4 << 30 << 20;
}

void TstVideoCompose::grid() {
    QFETCH(int, inputs);
    QFETCH(int, columns);
    QFETCH(int, gap);
    QFETCH(int, width);
    QFETCH(int, height);
    std::vector<Clip> clips;
    for (int i = 0; i < inputs; ++i)
        clips.push_back(solid(30, 20, 3, {std::uint8_t(50 * i), 10, 200}));
    std::vector<LabeledClip> in;
    for (const auto& c : clips)
        in.push_back({&c, ""});
    ComposeOptions o;
    o.columns = columns;
    o.gap = gap;
    o.background = {1, 2, 3};
    auto r = composeClips(in, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& g = r.value();
    QCOMPARE(g.width, width);
    QCOMPARE(g.height, height);
    QCOMPARE(g.frameCount(), 3);
    QCOMPARE(g.fps, 8.0);
    // Each input's colour fills its cell; the cell after the last input is background.
    const int cols = columns == 0 ? inputs : std::min(columns, inputs);
    for (int i = 0; i < inputs; ++i) {
        const int cx = (i % cols) * (30 + gap), cy = (i / cols) * (20 + gap);
        QVERIFY(pixelIs(g, 1, cx, cy, 50 * i, 11, 200));
        QVERIFY(pixelIs(g, 1, cx + 29, cy + 19, 50 * i, 11, 200));
    }
    if (inputs % cols)
        QVERIFY(pixelIs(g, 0, g.width - 1, g.height - 1, 1, 2, 3));
    if (gap > 0 && cols > 1)
        QVERIFY(pixelIs(g, 0, 30, 0, 1, 2, 3));
}

void TstVideoCompose::cellsCopyInputs() {
    const auto a = mp::test::movingSquares(34, 26, 4);
    const auto b = mp::test::movingSquares(34, 26, 4, 8, false);
    auto r = composeClips({{&a, ""}, {&b, ""}}, {});
    QVERIFY(r.ok());
    const Clip& g = r.value();
    for (int f = 0; f < 4; ++f)
        for (int y = 0; y < 26; ++y)
            for (int x = 0; x < 34; ++x) {
                QVERIFY(std::equal(a.pixel(f, x, y), a.pixel(f, x, y) + 3, g.pixel(f, x, y)));
                QVERIFY(
                    std::equal(b.pixel(f, x, y), b.pixel(f, x, y) + 3, g.pixel(f, 34 + 4 + x, y)));
            }
}

void TstVideoCompose::letterboxDifferentSizes() {
    // A 40x40 input in a 30x20 cell is fitted to 20x20 and centred: 5 background columns on
    // each side.
    const auto a = solid(30, 20, 1, {200, 0, 0});
    const auto b = solid(40, 40, 1, {0, 0, 200});
    ComposeOptions o;
    o.gap = 0;
    o.background = {7, 7, 7};
    auto r = composeClips({{&a, ""}, {&b, ""}}, o);
    QVERIFY(r.ok());
    const Clip& g = r.value();
    QCOMPARE(g.width, 60);
    QCOMPARE(g.height, 20);
    QVERIFY(pixelIs(g, 0, 30 + 4, 10, 7, 7, 7));
    QVERIFY(pixelIs(g, 0, 30 + 5, 10, 0, 0, 200));
    QVERIFY(pixelIs(g, 0, 30 + 24, 0, 0, 0, 200));
    QVERIFY(pixelIs(g, 0, 30 + 25, 10, 7, 7, 7));
    // An explicit cell size resizes every input.
    o.cellWidth = 16;
    o.cellHeight = 16;
    auto s = composeClips({{&a, ""}, {&b, ""}}, o);
    QVERIFY(s.ok());
    QCOMPARE(s.value().width, 32);
    QCOMPARE(s.value().height, 16);
    QVERIFY(pixelIs(s.value(), 0, 24, 8, 0, 0, 200));
}

void TstVideoCompose::frameCountPolicy_data() {
    QTest::addColumn<int>("policy");
    QTest::addColumn<int>("frames");
    QTest::newRow("hold last") << int(LengthPolicy::HoldLast) << 5;
    QTest::newRow("shortest") << int(LengthPolicy::Shortest) << 2;
}

void TstVideoCompose::frameCountPolicy() {
    QFETCH(int, policy);
    QFETCH(int, frames);
    const auto a = solid(10, 10, 5, {100, 0, 0});
    const auto b = solid(10, 10, 2, {0, 0, 100});
    ComposeOptions o;
    o.length = LengthPolicy(policy);
    auto r = composeClips({{&a, ""}, {&b, ""}}, o);
    QVERIFY(r.ok());
    QCOMPARE(r.value().frameCount(), frames);
    // Frame f of the short input is min(f, 1): green channel encodes the frame index.
    for (int f = 0; f < frames; ++f) {
        QVERIFY(pixelIs(r.value(), f, 0, 0, 100, f, 0));
        QVERIFY(pixelIs(r.value(), f, 14, 0, 0, std::min(f, 1), 100));
    }
}

void TstVideoCompose::labelBand() {
    const auto a = solid(120, 60, 1, {200, 200, 200});
    const auto b = solid(120, 60, 1, {200, 200, 200});
    ComposeOptions o;
    o.labelScale = 2;
    o.bandKeep = 0.25f;
    auto r = composeClips({{&a, "original"}, {&b, ""}}, o);
    QVERIFY(r.ok());
    const Clip& g = r.value();
    const int band = labelBandHeight(2);
    QCOMPARE(band, 7 * 2 + 8);
    int white = 0, dark = 0;
    for (int y = 0; y < band; ++y)
        for (int x = 0; x < 120; ++x) {
            if (pixelIs(g, 0, x, y, 255, 255, 255))
                ++white;
            else if (pixelIs(g, 0, x, y, 50, 50, 50))  // 200 * 0.25
                ++dark;
        }
    // Every band pixel is either label ink or darkened background, and there is ink.
    QCOMPARE(white + dark, band * 120);
    QVERIFY(white > 40);
    // The glyph of 'o' starts at (2 * scale, 2 * scale); its third row is ".###.".
    QVERIFY(pixelIs(g, 0, 4 + 1 * 2, 4 + 2 * 2, 255, 255, 255));
    QVERIFY(pixelIs(g, 0, 4, 4 + 2 * 2, 50, 50, 50));
    QVERIFY(pixelIs(g, 0, 4 + 1 * 2, 4, 50, 50, 50));  // first row blank
    // Below the band and in the unlabelled cell, nothing changed.
    QVERIFY(pixelIs(g, 0, 60, band, 200, 200, 200));
    QVERIFY(pixelIs(g, 0, 124 + 10, 2, 200, 200, 200));
}

void TstVideoCompose::longLabelIsTruncated() {
    const auto a = solid(40, 30, 1, {0, 0, 0});
    ComposeOptions o;
    o.labelScale = 1;
    o.bandKeep = 1.0f;
    auto r = composeClips({{&a, "a label much longer than forty pixels"}}, o);
    QVERIFY(r.ok());
    // Ink never reaches the right edge (truncated with ".." to fit inside the padding).
    for (int y = 0; y < 30; ++y)
        for (int x = 40 - 2; x < 40; ++x)
            QVERIFY(pixelIs(r.value(), 0, x, y, 0, 0, 0));
}

void TstVideoCompose::badInputs() {
    const auto a = solid(10, 10, 1, {0, 0, 0});
    Clip empty;
    QCOMPARE(composeClips({}, {}).error().code(), mp::ErrorCode::InvalidArgument);
    QCOMPARE(composeClips({{&empty, "x"}}, {}).error().code(), mp::ErrorCode::InvalidArgument);
    QCOMPARE(composeClips({{nullptr, "x"}}, {}).error().code(), mp::ErrorCode::InvalidArgument);
    ComposeOptions o;
    o.columns = -1;
    QCOMPARE(composeClips({{&a, ""}}, o).error().code(), mp::ErrorCode::InvalidArgument);
    o.columns = 0;
    o.cellWidth = 10;
    QCOMPARE(composeClips({{&a, ""}}, o).error().code(), mp::ErrorCode::InvalidArgument);
}

QTEST_APPLESS_MAIN(TstVideoCompose)
#include "tst_video_compose.moc"
