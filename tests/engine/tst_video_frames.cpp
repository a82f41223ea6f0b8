// Frame selection, natural order, rotation and fit/crop: the pure logic under decodeVideo().
// Expected values come from the definitions (written out by hand), not from running the code.

#include "video/clip.h"
#include "video/frame_select.h"

#include "core/error.h"

#include <QtTest/QtTest>

#include <algorithm>

using namespace mp::video;
using namespace Qt::StringLiterals;
using Indices = std::vector<std::int64_t>;

Q_DECLARE_METATYPE(Indices)

namespace {

// Sequential timestamps at `fps`.
std::vector<double> evenTimes(int n, double fps) {
    std::vector<double> t(n);
    for (int i = 0; i < n; ++i)
        t[i] = i / fps;
    return t;
}

std::vector<std::uint8_t> numbered(int w, int h) {
    // Pixel (x, y) holds (x, y, x + 10 * y) so positions are recognisable after a transform.
    std::vector<std::uint8_t> v(static_cast<std::size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            auto* p = v.data() + (y * w + x) * 3;
            p[0] = static_cast<std::uint8_t>(x);
            p[1] = static_cast<std::uint8_t>(y);
            p[2] = static_cast<std::uint8_t>(x + 10 * y);
        }
    return v;
}

}  // namespace

class TstVideoFrames : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void select_data();
    void select();
    void tooFew_data();
    void tooFew();
    void parse_data();
    void parse();
    void parseRejects_data();
    void parseRejects();
    void lastNeeded();
    void fpsOfSelection();
    void naturalOrder_data();
    void naturalOrder();
    void rotate_data();
    void rotate();
    void fitCropAndStretch_data();
    void fitCropAndStretch();
    void orientationFromMatrix_data();
    void orientationFromMatrix();
    void orient_data();
    void orient();
    void displaySize_data();
    void displaySize();
    void selectByTime_data();
    void selectByTime();
};

void TstVideoFrames::select_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("total");
    QTest::addColumn<Indices>("expected");
    // 24 frames at 8 fps.
    QTest::newRow("all") << "all" << 0 << 5 << Indices{0, 1, 2, 3, 4};
    QTest::newRow("first 5") << "first" << 5 << 24 << Indices{0, 1, 2, 3, 4};
    // linspace(0, 23, 5) = 0, 5.75, 11.5, 17.25, 23 -> rounded (half up) 0, 6, 12, 17, 23.
    QTest::newRow("uniform 5 of 24") << "uniform" << 5 << 24 << Indices{0, 6, 12, 17, 23};
    QTest::newRow("uniform 1") << "uniform" << 1 << 24 << Indices{0};
    QTest::newRow("uniform all") << "uniform" << 4 << 4 << Indices{0, 1, 2, 3};
    QTest::newRow("stride 4") << "stride:4" << 0 << 24 << Indices{0, 4, 8, 12, 16, 20};
    QTest::newRow("stride 5 from 2, 3") << "stride:5:2" << 3 << 24 << Indices{2, 7, 12};
    QTest::newRow("stride 7 from 3") << "stride:7:3" << 0 << 24 << Indices{3, 10, 17};
    // 4 fps from 8 fps: every other frame, 24 frames last 3 s -> 12 targets.
    QTest::newRow("fps 4") << "fps:4" << 0 << 24
                           << Indices{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22};
    // 3 fps: targets 0, 1/3, 2/3, 1 s; nearest 8 fps frames 0, 2.67 -> 3, 5.33 -> 5, 8.
    QTest::newRow("fps 3, 4 frames") << "fps:3" << 4 << 24 << Indices{0, 3, 5, 8};
    // 12 fps (upsampling): targets 0, .083, .167, .25 -> 0, 1 (d .042), 1 (d .042), 2.
    QTest::newRow("fps 12, 4 frames") << "fps:12" << 4 << 24 << Indices{0, 1, 1, 2};
}

void TstVideoFrames::select() {
    QFETCH(QString, mode);
    QFETCH(int, count);
    QFETCH(int, total);
    QFETCH(Indices, expected);
    const auto sel = parseFrameSelection(mode.toStdString(), count);
    const auto times = evenTimes(total, 8.0);
    QCOMPARE(selectFrames(sel, total, times, 8.0, "clip.mp4"), expected);
}

void TstVideoFrames::tooFew_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("total");
    QTest::addColumn<QString>("message");
    QTest::newRow("first") << "first" << 32 << 12
                           << "clip.mp4: asked for 32 frames but the video has 12 frames";
    QTest::newRow("uniform") << "uniform" << 13 << 12
                             << "clip.mp4: asked for 13 frames but the video has 12";
    QTest::newRow("stride") << "stride:4" << 4 << 12
                            << "asked for 4 frames at stride 4 from frame 0 but the video has 12 "
                               "frames (enough for 3)";
    QTest::newRow("stride start past end") << "stride:2:20" << 0 << 12 << "enough for 0";
    // 12 frames at 8 fps last 1.5 s: 3 frames at 2 fps (0, 0.5, 1.0 s).
    QTest::newRow("fps") << "fps:2" << 10 << 12
                         << "asked for 10 frames at 2 fps but the video lasts 1.5 s (12 frames), "
                            "enough for 3";
}

void TstVideoFrames::tooFew() {
    QFETCH(QString, mode);
    QFETCH(int, count);
    QFETCH(int, total);
    QFETCH(QString, message);
    const auto sel = parseFrameSelection(mode.toStdString(), count);
    const auto times = evenTimes(total, 8.0);
    try {
        (void)selectFrames(sel, total, times, 8.0, "clip.mp4");
        QFAIL("no error");
    } catch (const mp::EngineError& e) {
        QCOMPARE(e.code(), mp::ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(e.message()).contains(message), e.what());
    }
    try {
        (void)selectFrames(sel, 0, {}, 8.0, "empty.mp4");
        QFAIL("no error for zero frames");
    } catch (const mp::EngineError& e) {
        QCOMPARE(e.code(), mp::ErrorCode::Format);
        QVERIFY2(
            QString::fromStdString(e.message()).contains(u"empty.mp4: the video has no frames"),
            e.what());
    }
}

void TstVideoFrames::parse_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("start");
    QTest::addColumn<double>("fps");
    QTest::newRow("first 0 is all") << "first" << 0 << int(SelectMode::All) << 1 << 0 << 0.0;
    QTest::newRow("first 16") << "first" << 16 << int(SelectMode::First) << 1 << 0 << 0.0;
    QTest::newRow("uniform") << "uniform" << 8 << int(SelectMode::Uniform) << 1 << 0 << 0.0;
    QTest::newRow("stride") << "stride:3" << 0 << int(SelectMode::Stride) << 3 << 0 << 0.0;
    QTest::newRow("stride start") << "stride:3:7" << 2 << int(SelectMode::Stride) << 3 << 7 << 0.0;
    QTest::newRow("fps") << "fps:7.5" << 0 << int(SelectMode::Fps) << 1 << 0 << 7.5;
}

void TstVideoFrames::parse() {
    QFETCH(QString, text);
    QFETCH(int, count);
    QFETCH(int, mode);
    QFETCH(int, stride);
    QFETCH(int, start);
    QFETCH(double, fps);
    const auto s = parseFrameSelection(text.toStdString(), count);
    QCOMPARE(int(s.mode), mode);
    QCOMPARE(s.stride, stride);
    QCOMPARE(s.start, start);
    QCOMPARE(s.fps, fps);
}

void TstVideoFrames::parseRejects_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("count");
    QTest::newRow("unknown") << "random" << 4;
    QTest::newRow("stride 0") << "stride:0" << 0;
    QTest::newRow("stride text") << "stride:x" << 0;
    QTest::newRow("fps 0") << "fps:0" << 0;
    QTest::newRow("fps negative") << "fps:-2" << 0;
    QTest::newRow("uniform without count") << "uniform" << 0;
    QTest::newRow("negative count") << "first" << -1;
}

void TstVideoFrames::parseRejects() {
    QFETCH(QString, text);
    QFETCH(int, count);
    try {
        (void)parseFrameSelection(text.toStdString(), count);
        QFAIL("accepted");
    } catch (const mp::EngineError& e) {
        QCOMPARE(e.code(), mp::ErrorCode::InvalidArgument);
    }
}

void TstVideoFrames::lastNeeded() {
    QCOMPARE(lastNeededIndex(parseFrameSelection("first", 4)), 3);
    QCOMPARE(lastNeededIndex(parseFrameSelection("stride:5:2", 3)), 12);
    QCOMPARE(lastNeededIndex(parseFrameSelection("stride:5", 0)), -1);
    QCOMPARE(lastNeededIndex(parseFrameSelection("uniform", 3)), -1);
    QVERIFY(needsFullScan(parseFrameSelection("uniform", 3)));
    QVERIFY(needsFullScan(parseFrameSelection("fps:4", 0)));
    QVERIFY(!needsFullScan(parseFrameSelection("first", 3)));
}

void TstVideoFrames::fpsOfSelection() {
    QCOMPARE(selectedFps(parseFrameSelection("first", 4), 24, 100, 4), 24.0);
    QCOMPARE(selectedFps(parseFrameSelection("stride:3", 0), 24, 100, 34), 8.0);
    QCOMPARE(selectedFps(parseFrameSelection("fps:5", 0), 24, 100, 20), 5.0);
    // 10 frames spread over 100 frames at 25 fps (4 s): 2.5 fps.
    QCOMPARE(selectedFps(parseFrameSelection("uniform", 10), 25, 100, 10), 2.5);
}

void TstVideoFrames::naturalOrder_data() {
    QTest::addColumn<QStringList>("names");  // already in natural order
    QTest::newRow("numbers") << QStringList{u"frame2.jpg"_s, u"frame10.jpg"_s, u"frame11.jpg"_s,
                                            u"frame100.jpg"_s};
    QTest::newRow("zero padded") << QStringList{u"00001.png"_s, u"00002.png"_s, u"00010.png"_s};
    QTest::newRow("mixed padding")
        << QStringList{u"f1.png"_s, u"f01.png"_s, u"f2.png"_s, u"f010.png"_s, u"f11.png"_s};
    QTest::newRow("two runs") << QStringList{u"a1_2.png"_s, u"a1_10.png"_s, u"a2_1.png"_s};
    QTest::newRow("prefix") << QStringList{u"a.png"_s, u"a1.png"_s, u"b.png"_s};
    QTest::newRow("huge numbers") << QStringList{u"x99999999999999999999.png"_s,
                                                 u"x100000000000000000000.png"_s};
}

void TstVideoFrames::naturalOrder() {
    QFETCH(QStringList, names);
    std::vector<std::string> v;
    for (const auto& n : names)
        v.push_back(n.toStdString());
    auto shuffled = v;
    std::reverse(shuffled.begin(), shuffled.end());
    std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
    std::sort(shuffled.begin(), shuffled.end(), naturalLess);
    QCOMPARE(shuffled, v);
    for (std::size_t i = 0; i < v.size(); ++i)
        QVERIFY(!naturalLess(v[i], v[i]));  // irreflexive
}

void TstVideoFrames::rotate_data() {
    QTest::addColumn<int>("degrees");
    QTest::newRow("90") << 90;
    QTest::newRow("180") << 180;
    QTest::newRow("270") << 270;
    QTest::newRow("-90") << -90;
    QTest::newRow("0") << 0;
}

void TstVideoFrames::rotate() {
    QFETCH(int, degrees);
    const int w = 5, h = 3;
    const auto src = numbered(w, h);
    const auto out = rotateFrame(src, w, h, degrees);
    const int r = ((degrees % 360) + 360) % 360;
    const int ow = (r == 90 || r == 270) ? h : w;
    const int oh = (r == 90 || r == 270) ? w : h;
    // Turning clockwise by 90: the left column (top to bottom) becomes the top row, right to
    // left; so output (ox, oy) shows source (oy, h - 1 - ox).
    for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
            int sx = ox, sy = oy;
            if (r == 90) {
                sx = oy;
                sy = h - 1 - ox;
            } else if (r == 180) {
                sx = w - 1 - ox;
                sy = h - 1 - oy;
            } else if (r == 270) {
                sx = w - 1 - oy;
                sy = ox;
            }
            const auto* p = out.data() + (oy * ow + ox) * 3;
            QCOMPARE(int(p[0]), sx);
            QCOMPARE(int(p[1]), sy);
        }
    QVERIFY_THROWS_EXCEPTION(mp::EngineError, rotateFrame(src, w, h, 45));
}

void TstVideoFrames::fitCropAndStretch_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("tw");
    QTest::addColumn<int>("th");
    QTest::addColumn<int>("fit");
    QTest::addColumn<int>("rw");  // intermediate resize (crop mode)
    QTest::addColumn<int>("rh");
    // 34x26 -> 16x16: scale 16/26, 34 * 16 / 26 = 20.9 -> 21x16, crop 2 px off the left.
    QTest::newRow("crop wide") << 34 << 26 << 16 << 16 << int(FitMode::Crop) << 21 << 16;
    // 26x34 -> 16x8: scale max(16/26, 8/34) = 0.615 -> 16x21, crop (21 - 8) / 2 = 6 rows.
    QTest::newRow("crop tall") << 26 << 34 << 16 << 8 << int(FitMode::Crop) << 16 << 21;
    // Upscale 9x7 -> 20x20: scale 20/7 -> 25.7 -> 26x20.
    QTest::newRow("crop up") << 9 << 7 << 20 << 20 << int(FitMode::Crop) << 26 << 20;
    QTest::newRow("stretch") << 34 << 26 << 20 << 10 << int(FitMode::Stretch) << 20 << 10;
}

void TstVideoFrames::fitCropAndStretch() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, tw);
    QFETCH(int, th);
    QFETCH(int, fit);
    QFETCH(int, rw);
    QFETCH(int, rh);
    std::vector<std::uint8_t> src(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<std::uint8_t>((i * 29) % 251);
    const auto out = fitFrame(src, w, h, tw, th, FitMode(fit));
    QCOMPARE(out.size(), std::size_t(tw * th * 3));
    const auto resized = mp::image::resize(src, w, h, 3, rw, rh);
    const int left = (rw - tw) / 2, top = (rh - th) / 2;
    for (int y = 0; y < th; ++y)
        for (int x = 0; x < tw * 3; ++x)
            QCOMPARE(out[(y * tw) * 3 + x], resized[((top + y) * rw + left) * 3 + x]);
}

void TstVideoFrames::orientationFromMatrix_data() {
    // The 2x2 part of FFmpeg's display matrix (16.16 fixed point), m0 m1 / m3 m4, written out:
    // av_display_rotation_set(m, 90) gives 0 1 / -1 0; av_display_matrix_flip negates m0 and m3
    // (hflip) or m1 and m4 (vflip).
    QTest::addColumn<int>("m0");
    QTest::addColumn<int>("m1");
    QTest::addColumn<int>("m3");
    QTest::addColumn<int>("m4");
    QTest::addColumn<int>("rotation");
    QTest::addColumn<bool>("mirror");
    const int one = 1 << 16;
    QTest::newRow("identity") << one << 0 << 0 << one << 0 << false;
    QTest::newRow("90 clockwise") << 0 << one << -one << 0 << 90 << false;
    QTest::newRow("180") << -one << 0 << 0 << -one << 180 << false;
    QTest::newRow("270 clockwise") << 0 << -one << one << 0 << 270 << false;
    QTest::newRow("hflip") << -one << 0 << 0 << one << 0 << true;
    QTest::newRow("vflip = 180 + mirror") << one << 0 << 0 << -one << 180 << true;
    QTest::newRow("90 + hflip (transpose)") << 0 << one << one << 0 << 90 << true;
    QTest::newRow("near 90 (rounding)") << 12 << one - 3 << -one + 5 << -7 << 90 << false;
    QTest::newRow("singular") << 0 << 0 << 0 << 0 << 0 << false;
}

void TstVideoFrames::orientationFromMatrix() {
    QFETCH(int, m0);
    QFETCH(int, m1);
    QFETCH(int, m3);
    QFETCH(int, m4);
    QFETCH(int, rotation);
    QFETCH(bool, mirror);
    const std::int32_t m[9] = {m0, m1, 0, m3, m4, 0, 0, 0, 1 << 30};
    const auto o = mp::video::orientationFromMatrix(m);
    QCOMPARE(o.rotation, rotation);
    QCOMPARE(o.mirror, mirror);
}

void TstVideoFrames::orient_data() {
    QTest::addColumn<int>("degrees");
    QTest::addColumn<bool>("mirror");
    // Where stored pixel (0, 0) of a 5x3 picture shows, and the output width.
    QTest::addColumn<int>("x0");
    QTest::addColumn<int>("y0");
    QTest::addColumn<int>("width");
    QTest::newRow("mirror") << 0 << true << 4 << 0 << 5;
    QTest::newRow("90 + mirror (transpose)") << 90 << true << 0 << 0 << 3;
    QTest::newRow("180 + mirror (vflip)") << 180 << true << 0 << 2 << 5;
    QTest::newRow("270 + mirror") << 270 << true << 2 << 4 << 3;
}

void TstVideoFrames::orient() {
    QFETCH(int, degrees);
    QFETCH(bool, mirror);
    QFETCH(int, x0);
    QFETCH(int, y0);
    QFETCH(int, width);
    const auto src = numbered(5, 3);
    const auto out = orientFrame(src, 5, 3, {degrees, mirror});
    const auto* p = out.data() + (y0 * width + x0) * 3;
    QCOMPARE(int(p[0]), 0);
    QCOMPARE(int(p[1]), 0);
    // Mirroring twice gives the plain turn back.
    const int w2 = width, h2 = 15 / width;
    QCOMPARE(orientFrame(out, w2, h2, {0, true}), rotateFrame(src, 5, 3, degrees));
}

void TstVideoFrames::displaySize_data() {
    QTest::addColumn<int>("num");
    QTest::addColumn<int>("den");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    // 64x48 stored.
    QTest::newRow("square") << 1 << 1 << 64 << 48;
    QTest::newRow("unknown") << 0 << 1 << 64 << 48;
    QTest::newRow("2:1 widens") << 2 << 1 << 128 << 48;
    QTest::newRow("1:2 heightens") << 1 << 2 << 64 << 96;
    QTest::newRow("anamorphic DVD 16:11") << 16 << 11 << 93 << 48;  // 64 * 16 / 11 = 93.09
    QTest::newRow("8:9") << 8 << 9 << 64 << 54;
}

void TstVideoFrames::displaySize() {
    QFETCH(int, num);
    QFETCH(int, den);
    QFETCH(int, width);
    QFETCH(int, height);
    const auto [w, h] = displaySizeFor(64, 48, num, den);
    QCOMPARE(w, width);
    QCOMPARE(h, height);
}

void TstVideoFrames::selectByTime_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("count");
    QTest::addColumn<double>("from");
    QTest::addColumn<double>("to");
    QTest::addColumn<Indices>("expected");
    // Variable rate: 0, .1, .2, .3, then 1.0, 2.0, 2.1 s (7 frames).
    // Uniform 3 wants 0, 1.05, 2.1: nearest 0, 1.0 (.05 away; 2.0 is .95), 2.1.
    QTest::newRow("uniform 3") << "uniform" << 3 << 0.0 << 0.0 << Indices{0, 4, 6};
    // Uniform 4 wants 0, .7, 1.4, 2.1: .7 is nearer 1.0 (.3) than .3 (.4); 1.4 -> 1.0 (.4 vs .6).
    QTest::newRow("uniform 4 (repeats a long frame)")
        << "uniform" << 4 << 0.0 << 0.0 << Indices{0, 4, 4, 6};
    QTest::newRow("range all") << "all" << 0 << 0.15 << 2.05 << Indices{2, 3, 4, 5};
    QTest::newRow("range first 2") << "first" << 2 << 0.15 << 0.0 << Indices{2, 3};
    QTest::newRow("range stride 2") << "stride:2" << 0 << 0.1 << 0.0 << Indices{1, 3, 5};
    // Uniform inside a range spans its first (1.0) to last (2.1) frame: 1.0, 1.55, 2.1.
    QTest::newRow("range uniform 3") << "uniform" << 3 << 0.5 << 0.0 << Indices{4, 5, 6};
    // fps 2 from .15 s: targets .2, .7, 1.2, 1.7 (ties keep the earlier frame).
    QTest::newRow("range fps 2") << "fps:2" << 4 << 0.15 << 0.0 << Indices{2, 4, 4, 5};
}

void TstVideoFrames::selectByTime() {
    QFETCH(QString, mode);
    QFETCH(int, count);
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(Indices, expected);
    auto sel = parseFrameSelection(mode.toStdString(), count);
    sel.from = from;
    sel.to = to;
    const std::vector<double> times = {0, .1, .2, .3, 1.0, 2.0, 2.1};
    QCOMPARE(selectFrames(sel, 7, times, 10.0, "vfr.mkv"), expected);
    // Ties: exactly half way goes to the later frame for uniform, the earlier for fps, also when
    // the times carry rounding error.
    QVERIFY(laterIsNearer(0.1, 0.2, 0.15000000001, true));
    QVERIFY(!laterIsNearer(0.1, 0.2, 0.15000000001, false));
    QVERIFY(laterIsNearer(0.1, 0.2, 0.16, false));
}

QTEST_APPLESS_MAIN(TstVideoFrames)
#include "tst_video_frames.moc"
