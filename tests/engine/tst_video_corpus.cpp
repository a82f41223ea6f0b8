// Videos as people have them, made at test time through our own libav writer (no fixtures):
// rotated (display matrix turns and mirrors, the legacy `rotate` tag), non-square pixels,
// variable frame rate, 10-bit, alpha, MJPEG, interlaced, odd sizes and a long file. Every
// decoded frame is checked pixel by pixel against the known pattern (video/synthetic.h), turned
// by an oracle written here (not the engine's), and its corners against colours written out by
// hand.

#include "video/synthetic.h"
#include "video/thumbnails.h"
#include "video/video_io.h"

#include "core/error.h"
#include "image/resample.h"
#include "io/file_util.h"

#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace mp::video;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;
using Times = std::vector<double>;
using Indices = std::vector<std::int64_t>;

Q_DECLARE_METATYPE(Times)
Q_DECLARE_METATYPE(Indices)

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// The corner colours by letter: the pattern's quadrants R (top left), G (top right),
// B (bottom left), Y (bottom right) as stored.
char cornerLetter(const std::uint8_t* p) {
    const char letters[4] = {'R', 'G', 'B', 'Y'};
    int best = 0, bestDist = 1 << 30;
    for (int i = 0; i < 4; ++i) {
        const auto& c = kSyntheticCorners[i];
        const int d = std::abs(p[0] - c.r) + std::abs(p[1] - c.g) + std::abs(p[2] - c.b);
        if (d < bestDist) {
            bestDist = d;
            best = i;
        }
    }
    return bestDist < 60 ? letters[best] : '?';
}

// The display picture's corners (`in` pixels in, clear of the moving square and its chroma;
// small thumbnails use 0, because scaling blends
// in the moving square), top-left, top-right, bottom-left, bottom-right.
QString cornersOf(const std::vector<std::uint8_t>& rgb, int w, int h, int in = 1) {
    auto at = [&](int x, int y) { return rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3; };
    const char text[5] = {cornerLetter(at(in, in)), cornerLetter(at(w - 1 - in, in)),
                          cornerLetter(at(in, h - 1 - in)),
                          cornerLetter(at(w - 1 - in, h - 1 - in)), 0};
    return QString::fromLatin1(text);
}

// The oracle: display pixel (X, Y) of a stored w x h picture turned r degrees clockwise and then
// mirrored, read backwards (undo the mirror, then the turn).
std::vector<std::uint8_t> shown(const std::vector<std::uint8_t>& stored,
                                int w,
                                int h,
                                int r,
                                bool mirror) {
    const bool swap = r == 90 || r == 270;
    const int W = swap ? h : w, H = swap ? w : h;
    std::vector<std::uint8_t> out(stored.size());
    for (int Y = 0; Y < H; ++Y)
        for (int X = 0; X < W; ++X) {
            const int x1 = mirror ? W - 1 - X : X;
            int sx = x1, sy = Y;
            if (r == 90) {
                sx = Y;
                sy = h - 1 - x1;
            } else if (r == 180) {
                sx = w - 1 - x1;
                sy = h - 1 - Y;
            } else if (r == 270) {
                sx = w - 1 - Y;
                sy = x1;
            }
            std::copy_n(stored.data() + (static_cast<std::size_t>(sy) * w + sx) * 3, 3,
                        out.data() + (static_cast<std::size_t>(Y) * W + X) * 3);
        }
    return out;
}

// Straight alpha over a colour, rounded to nearest: what a player shows with that background.
std::vector<std::uint8_t> over(const std::vector<std::uint8_t>& rgba, Background bg) {
    std::vector<std::uint8_t> rgb;
    const int b[3] = {bg.r, bg.g, bg.b};
    for (std::size_t i = 0; i < rgba.size(); i += 4) {
        const int a = rgba[i + 3];
        for (int c = 0; c < 3; ++c)
            rgb.push_back(static_cast<std::uint8_t>(
                std::lround((rgba[i + c] * a + b[c] * (255 - a)) / 255.0)));
    }
    return rgb;
}

// Combing: pixels whose luma lies more than 24 levels above both the row above and the row
// below, or below both (the teeth of two fields from different times). Smooth pictures and
// single edges have none.
int combing(const std::vector<std::uint8_t>& rgb, int w, int h) {
    auto luma = [&](int x, int y) {
        const auto* p = rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3;
        return (p[0] + p[1] + p[2]) / 3;
    };
    int n = 0;
    for (int y = 1; y + 1 < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int up = luma(x, y) - luma(x, y - 1), down = luma(x, y) - luma(x, y + 1);
            if ((up > 24 && down > 24) || (up < -24 && down < -24))
                ++n;
        }
    return n;
}

struct Diff {
    double mean = 0;
    int max = 0;
};

Diff diff(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    Diff d;
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int e = std::abs(int(a[i]) - int(b[i]));
        sum += e;
        d.max = std::max(d.max, e);
    }
    d.mean = a.empty() ? 0 : sum / double(a.size());
    return d;
}

// Each corpus file by name: what it is made of.
SyntheticSpec specFor(const QString& name) {
    SyntheticSpec s;
    s.width = 64;
    s.height = 48;
    s.frames = 12;
    s.fps = 10;
    auto matrix = [&](int r, bool h, bool v) {
        s.codec = "png";
        s.writeMatrix = true;
        s.matrixRotation = r;
        s.matrixHflip = h;
        s.matrixVflip = v;
    };
    if (name == u"plain.mkv") {
        s.codec = "ffv1";
        s.pixelFormat = "bgr0";
    } else if (name == u"rot90.mov") {
        matrix(90, false, false);
    } else if (name == u"rot180.mov") {
        matrix(180, false, false);
    } else if (name == u"rot270.mov") {
        matrix(270, false, false);
    } else if (name == u"hflip.mov") {
        matrix(0, true, false);
    } else if (name == u"vflip.mov") {
        matrix(0, false, true);
    } else if (name == u"rot90-hflip.mov") {
        matrix(90, true, false);
    } else if (name == u"rot90-h264.mp4") {
        s.codec = "libx264";
        s.pixelFormat = "yuv420p";
        s.writeMatrix = true;
        s.matrixRotation = 90;
    } else if (name == u"rotate-tag.mkv") {
        // What `ffmpeg -metadata:s:v rotate=90` leaves in Matroska: a tag, no matrix.
        s.codec = "ffv1";
        s.pixelFormat = "bgr0";
        s.rotateTag = "90";
    } else if (name == u"sar2-1.mkv") {
        s.codec = "ffv1";
        s.pixelFormat = "bgr0";
        s.sampleAspectNum = 2;
        s.sampleAspectDen = 1;
    } else if (name == u"sar1-2.mp4") {
        s.codec = "libx264";
        s.pixelFormat = "yuv420p";
        s.sampleAspectNum = 1;
        s.sampleAspectDen = 2;
    } else if (name == u"sar-rot90.mov") {
        matrix(90, false, false);
        s.sampleAspectNum = 2;
        s.sampleAspectDen = 1;
    } else if (name == u"vfr.mkv" || name == u"vfr.mp4") {
        // 0.1 s apart, then 0.3 s apart (the file): 14 frames over 3.2 s.
        s.frames = 14;
        for (int i = 0; i < 7; ++i)
            s.frameTimes.push_back(0.1 * i);
        for (int i = 0; i < 7; ++i)
            s.frameTimes.push_back(0.7 + 0.3 * i);
        s.codec = name.endsWith(u".mkv") ? "ffv1" : "libx264";
        s.pixelFormat = name.endsWith(u".mkv") ? "bgr0" : "yuv420p";
    } else if (name == u"10bit.mkv") {
        s.codec = "ffv1";
        s.pixelFormat = "yuv444p10le";
    } else if (name == u"10bit-h264.mp4") {
        s.codec = "libx264";
        s.pixelFormat = "yuv420p10le";
    } else if (name == u"alpha.mov") {
        s.codec = "png";
        s.pixelFormat = "rgba";
    } else if (name == u"alpha-ffv1.mkv") {
        s.codec = "ffv1";
        s.pixelFormat = "yuva420p";
    } else if (name == u"mjpeg.avi") {
        s.codec = "mjpeg";
        s.pixelFormat = "yuvj422p";
        s.codecOptions = {{"q:v", "2"}};
    } else if (name == u"interlaced.mkv") {
        s.codec = "mpeg2video";
        s.pixelFormat = "yuv420p";
        s.interlaced = true;
        s.codecOptions = {{"b", "4M"}};
    } else if (name == u"interlaced-ffv1.mkv") {
        // Lossless, so that only the deinterlacer changes pixels.
        s.codec = "ffv1";
        s.pixelFormat = "bgr0";
        s.interlaced = true;
    } else if (name == u"odd.mkv") {
        s.width = 33;
        s.height = 25;
        s.codec = "ffv1";
        s.pixelFormat = "bgr0";
    } else if (name == u"odd-yuv.mkv") {
        s.width = 35;
        s.height = 27;
        s.codec = "ffv1";
        s.pixelFormat = "yuv420p";
    }
    return s;
}

}  // namespace

class TstVideoCorpus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void displayed_data();
    void displayed();
    void variableRate_data();
    void variableRate();
    void timeRange();
    void alpha_data();
    void alpha();
    void interlaced_data();
    void interlaced();
    void longFileSeeking_data();
    void longFileSeeking();
    void thumbnails_data();
    void thumbnails();
    void damageStillReported();

private:
    fs::path make(const QString& name);
    fs::path m_dir;
    fs::path m_long;
};

void TstVideoCorpus::initTestCase() {
    m_dir = fs::temp_directory_path() /
            ("mp-video-corpus-" + std::to_string(QCoreApplication::applicationPid()));
    mp::removeTree(m_dir);
    fs::create_directories(m_dir);
    // The long file: 60 s at 25 fps, 2 s between keyframes, B-frames (x264's default
    // structure), small enough to write in about a second.
    SyntheticSpec s;
    s.width = 96;
    s.height = 64;
    s.fps = 25;
    s.frames = 1500;
    s.codec = hasEncoder("libx264") ? "libx264" : "mpeg4";
    s.pixelFormat = "yuv420p";
    s.gop = 50;
    if (s.codec == "libx264")
        s.codecOptions = {{"preset", "veryfast"}};
    m_long = m_dir / "long.mp4";
    auto r = writeSyntheticVideo(m_long, s);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
}

void TstVideoCorpus::cleanupTestCase() {
    mp::removeTree(m_dir);
}

fs::path TstVideoCorpus::make(const QString& name) {
    const fs::path path = m_dir / name.toStdString();
    if (fs::exists(path))
        return path;
    const auto spec = specFor(name);
    if (!hasEncoder(spec.codec))
        return {};
    auto r = writeSyntheticVideo(path, spec);
    if (!r.ok()) {
        qWarning("%s: %s", qPrintable(name), r.error().what());
        return {};
    }
    return path;
}

void TstVideoCorpus::displayed_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("width");  // display size
    QTest::addColumn<int>("height");
    QTest::addColumn<QString>("corners");  // display TL, TR, BL, BR
    QTest::addColumn<int>("rotation");     // reported
    QTest::addColumn<bool>("mirrored");
    QTest::addColumn<int>("sar");         // reported, num * 100 + den
    QTest::addColumn<double>("meanTol");  // mean abs difference to the oracle, per channel
    // The stored picture is 64x48 with R G over B Y. Turning clockwise by 90 brings the bottom
    // left (B) to the top left; a mirror after it swaps left and right.
    QTest::newRow("plain") << "plain.mkv" << 64 << 48 << "RGBY" << 0 << false << 101 << 0.0;
    QTest::newRow("matrix 90") << "rot90.mov" << 48 << 64 << "BRYG" << 90 << false << 101 << 0.0;
    QTest::newRow("matrix 180") << "rot180.mov" << 64 << 48 << "YBGR" << 180 << false << 101 << 0.0;
    QTest::newRow("matrix 270") << "rot270.mov" << 48 << 64 << "GYRB" << 270 << false << 101 << 0.0;
    QTest::newRow("matrix hflip") << "hflip.mov" << 64 << 48 << "GRYB" << 0 << true << 101 << 0.0;
    // A vertical flip is a half turn and a mirror.
    QTest::newRow("matrix vflip") << "vflip.mov" << 64 << 48 << "BYRG" << 180 << true << 101 << 0.0;
    // 90 then mirrored: the transpose, the top left stays.
    QTest::newRow("matrix 90 + hflip")
        << "rot90-hflip.mov" << 48 << 64 << "RBGY" << 90 << true << 101 << 0.0;
    QTest::newRow("h264 matrix 90")
        << "rot90-h264.mp4" << 48 << 64 << "BRYG" << 90 << false << 101 << 4.0;
    QTest::newRow("legacy rotate tag")
        << "rotate-tag.mkv" << 48 << 64 << "BRYG" << 90 << false << 101 << 0.0;
    // Non-square pixels are stretched: 2:1 doubles the width, 1:2 the height.
    QTest::newRow("sar 2:1") << "sar2-1.mkv" << 128 << 48 << "RGBY" << 0 << false << 201 << 0.0;
    QTest::newRow("sar 1:2") << "sar1-2.mp4" << 64 << 96 << "RGBY" << 0 << false << 102 << 3.0;
    QTest::newRow("sar 2:1 turned 90")
        << "sar-rot90.mov" << 48 << 128 << "BRYG" << 90 << false << 201 << 0.0;
    QTest::newRow("10-bit ffv1") << "10bit.mkv" << 64 << 48 << "RGBY" << 0 << false << 101 << 1.0;
    QTest::newRow("10-bit h264") << "10bit-h264.mp4" << 64 << 48 << "RGBY" << 0 << false << 101
                                 << 4.0;
    // Alpha is composited over black (the right third is transparent, so its corners read
    // as black: '?'); the alpha() test checks each region.
    QTest::newRow("alpha png") << "alpha.mov" << 64 << 48 << "R?B?" << 0 << false << 101 << 0.5;
    QTest::newRow("alpha ffv1") << "alpha-ffv1.mkv" << 64 << 48 << "R?B?" << 0 << false << 101
                                << 3.0;
    QTest::newRow("mjpeg") << "mjpeg.avi" << 64 << 48 << "RGBY" << 0 << false << 101 << 4.0;
    // Interlaced frames are deinterlaced: the top field's picture, blended along the band's
    // edges where the frame number changes (interlaced() checks more, with its tolerances).
    QTest::newRow("interlaced mpeg2")
        << "interlaced.mkv" << 64 << 48 << "RGBY" << 0 << false << 101 << 9.0;
    QTest::newRow("odd size rgb") << "odd.mkv" << 33 << 25 << "RGBY" << 0 << false << 101 << 0.0;
    QTest::newRow("odd size 4:2:0")
        << "odd-yuv.mkv" << 35 << 27 << "RGBY" << 0 << false << 101 << 6.0;
}

void TstVideoCorpus::displayed() {
    QFETCH(QString, file);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(QString, corners);
    QFETCH(int, rotation);
    QFETCH(bool, mirrored);
    QFETCH(int, sar);
    QFETCH(double, meanTol);
    const fs::path path = make(file);
    if (path.empty())
        QSKIP("this FFmpeg cannot write the file (encoder missing)");
    const auto spec = specFor(file);

    auto info = probeVideo(path);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    const auto& s = info.value().source;
    QCOMPARE(info.value().width, width);
    QCOMPARE(info.value().height, height);
    QCOMPARE(s.codedWidth, spec.width);
    QCOMPARE(s.codedHeight, spec.height);
    QCOMPARE(s.rotation, rotation);
    QCOMPARE(s.mirrored, mirrored);
    QCOMPARE(s.sampleAspectNum * 100 + s.sampleAspectDen, sar);
    QCOMPARE(s.frameCount, std::int64_t{spec.frames});
    if (spec.interlaced)
        QCOMPARE(q(s.fieldOrder), u"tt"_s);

    auto r = decodeVideo(path);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QCOMPARE(c.width, width);
    QCOMPARE(c.height, height);
    QCOMPARE(c.frameCount(), spec.frames);
    QCOMPARE(c.source.rotation, rotation);
    QCOMPARE(c.source.mirrored, mirrored);
    const bool alpha = spec.pixelFormat == "rgba" || spec.pixelFormat == "yuva420p";
    for (int i = 0; i < c.frameCount(); ++i) {
        QCOMPARE(cornersOf(c.frames[i], c.width, c.height), corners);
        auto stored = spec.interlaced ? syntheticField(spec.width, spec.height, i, false)
                                      : syntheticFrame(spec.width, spec.height, i, alpha);
        if (alpha)
            stored = over(stored, Background{});
        int w = spec.width, h = spec.height;
        if (sar != 101) {
            // Stretching uses the decoder's resampler (bicubic); the corners above and the
            // frame number below check it independently.
            const int nw = sar == 201 ? w * 2 : w, nh = sar == 102 ? h * 2 : h;
            stored = mp::image::resize(stored, w, h, 3, nw, nh);
            w = nw;
            h = nh;
        }
        const auto expected = shown(stored, w, h, rotation, mirrored);
        const Diff d = diff(c.frames[i], expected);
        QVERIFY2(
            d.mean <= meanTol,
            qPrintable(QStringLiteral("frame %1: mean %2 max %3").arg(i).arg(d.mean).arg(d.max)));
        // The band's layout follows the stored width: read it where nothing was turned.
        // (Not through alpha: the transparent third of the band shows the background.)
        if (rotation == 0 && !mirrored && sar == 101 && !alpha)
            QCOMPARE(readSyntheticFrameNumber(c.frames[i], c.width, c.height), i);
    }
    // Without rotation and aspect, the stored picture comes back.
    DecodeOptions raw;
    raw.applyRotation = false;
    raw.applyAspect = false;
    auto u = decodeVideo(path, raw);
    QVERIFY2(u.ok(), u.ok() ? "" : u.error().what());
    QCOMPARE(u.value().width, spec.width);
    QCOMPARE(u.value().height, spec.height);
    QCOMPARE(cornersOf(u.value().frames[0], spec.width, spec.height),
             alpha ? u"R?B?"_s : u"RGBY"_s);
    if (!alpha)
        QCOMPARE(readSyntheticFrameNumber(u.value().frames[3], spec.width, spec.height), 3);
}

void TstVideoCorpus::variableRate_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("select");
    QTest::addColumn<int>("count");
    QTest::addColumn<Indices>("expected");
    // Frames at 0, .1, ... .6, then .7, 1.0, ... 2.5 s. Uniform 4 wants 0, .833, 1.667, 2.5 s:
    // nearest frames 0 (0 s), 7 (.7 s is .133 away, 1.0 s .167), 10 (1.6 s), 13 (2.5 s).
    for (const char* f : {"vfr.mkv", "vfr.mp4"}) {
        QTest::addRow("%s all", f)
            << f << "all" << 0 << Indices{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
        QTest::addRow("%s uniform 4", f) << f << "uniform" << 4 << Indices{0, 7, 10, 13};
        // 5 fps: targets 0, .2, ... ; after .7 s the frames are .3 apart.
        // .8 -> .7 (tie with... .7 is .1 away, 1.0 is .2) = 7; 1.0 -> 8; 1.2 -> 1.3 (9; 1.0 is
        // .2 away, 1.3 is .1); 1.4 -> 1.3 (9); 1.6 -> 10.
        QTest::addRow("%s fps 5 x9", f) << f << "fps:5" << 9 << Indices{0, 2, 4, 6, 7, 8, 9, 9, 10};
        QTest::addRow("%s stride 3", f) << f << "stride:3" << 0 << Indices{0, 3, 6, 9, 12};
    }
}

void TstVideoCorpus::variableRate() {
    QFETCH(QString, file);
    QFETCH(QString, select);
    QFETCH(int, count);
    QFETCH(Indices, expected);
    const fs::path path = make(file);
    if (path.empty())
        QSKIP("this FFmpeg cannot write the file (encoder missing)");
    const auto spec = specFor(file);
    // Not "corrupt or truncated": a variable rate is normal.
    auto info = probeVideo(path);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    DecodeOptions counted;
    counted.countFrames = true;
    auto exact = probeVideo(path, counted);
    QVERIFY2(exact.ok(), exact.ok() ? "" : exact.error().what());
    QCOMPARE(exact.value().source.frameCount, 14);

    DecodeOptions o;
    o.select = parseFrameSelection(select.toStdString(), count);
    auto r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QCOMPARE(c.source.frameIndices, expected);
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const auto i = expected[k];
        QVERIFY2(std::abs(c.source.timestamps[k] - spec.frameTimes[i]) < 1e-3,
                 qPrintable(QString::number(c.source.timestamps[k])));
        QCOMPARE(readSyntheticFrameNumber(c.frames[k], c.width, c.height), int(i));
    }
}

void TstVideoCorpus::timeRange() {
    const fs::path path = make(u"vfr.mkv"_s);
    QVERIFY(!path.empty());
    DecodeOptions o;
    // 0.5 s to 1.6 s: frames at .5, .6, .7, 1.0, 1.3 (indices 5..9).
    o.select = parseFrameSelection("all", 0);
    o.select.from = 0.5;
    o.select.to = 1.6;
    auto r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().source.frameIndices, (Indices{5, 6, 7, 8, 9}));
    o.select = parseFrameSelection("first", 2);
    o.select.from = 1.0;
    r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().source.frameIndices, (Indices{8, 9}));
    QCOMPARE(readSyntheticFrameNumber(r.value().frames[0], 64, 48), 8);
    // Too few frames in the range: says how many it holds.
    o.select = parseFrameSelection("uniform", 6);
    o.select.from = 2.0;
    r = decodeVideo(path, o);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), mp::ErrorCode::InvalidArgument);
    QVERIFY2(q(r.error().message()).contains(u"2-end s holds 2 frames"), r.error().what());
}

void TstVideoCorpus::alpha_data() {
    QTest::addColumn<QString>("file");  // a folder: one RGBA PNG per frame
    QTest::addColumn<QString>("background");
    QTest::addColumn<int>("solidTol");  // max abs difference per channel, opaque and half
    QTest::addColumn<double>("meanTol");
    const char* bgs[] = {"black", "white", "#3366cc"};
    for (const char* bg : bgs) {
        // PNG keeps RGBA exactly: only the compositing's rounding may differ.
        QTest::addRow("png rgba over %s", bg) << "alpha.mov" << bg << 1 << 0.5;
        QTest::addRow("png folder over %s", bg) << "alpha-png" << bg << 1 << 0.5;
        // FFV1 yuva420p: alpha exact, colours through 4:2:0 (blurred at the quadrant edges).
        QTest::addRow("ffv1 yuva420p over %s", bg) << "alpha-ffv1.mkv" << bg << 60 << 3.0;
    }
}

void TstVideoCorpus::alpha() {
    // Transparent pixels show the background exactly (whatever colour they store), opaque ones
    // their own colour, half-transparent ones the blend (c * 128 + bg * 127) / 255.
    QFETCH(QString, file);
    QFETCH(QString, background);
    QFETCH(int, solidTol);
    QFETCH(double, meanTol);
    fs::path path;
    if (file == u"alpha-png") {
        path = m_dir / "alpha-png";
        fs::create_directories(path);
        for (int i = 0; i < 4; ++i) {
            SyntheticSpec s;
            s.frames = 1;
            s.firstIndex = i;
            s.codec = "png";
            s.pixelFormat = "rgba";
            s.container = "image2pipe";
            char name[32];
            std::snprintf(name, sizeof name, "frame%d.png", i);
            auto r = writeSyntheticVideo(path / name, s);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        }
    } else {
        path = make(file);
    }
    if (path.empty())
        QSKIP("this FFmpeg cannot write the file (encoder missing)");
    Background bg;
    if (background == u"white")
        bg = {255, 255, 255};
    else if (background == u"#3366cc")
        bg = {0x33, 0x66, 0xcc};
    DecodeOptions o;
    o.background = bg;
    auto r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QVERIFY(c.source.alpha);
    QVERIFY(c.frameCount() >= 4);
    const int w = c.width, h = c.height;
    for (int i = 0; i < c.frameCount(); ++i) {
        const auto expected = over(syntheticFrame(w, h, i, true), bg);
        // Per region: opaque, half-transparent, transparent columns.
        double sum[3] = {0, 0, 0};
        int count[3] = {0, 0, 0}, worst[3] = {0, 0, 0};
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int a = syntheticAlpha(x, w);
                const int region = a == 255 ? 0 : a == 0 ? 2 : 1;
                const auto* got = c.pixel(i, x, y);
                const auto* want = expected.data() + (static_cast<std::size_t>(y) * w + x) * 3;
                for (int ch = 0; ch < 3; ++ch) {
                    const int e = std::abs(int(got[ch]) - int(want[ch]));
                    sum[region] += e;
                    worst[region] = std::max(worst[region], e);
                }
                count[region] += 3;
            }
        const auto where = QStringLiteral("frame %1: max %2/%3/%4 mean %5/%6")
                               .arg(i)
                               .arg(worst[0])
                               .arg(worst[1])
                               .arg(worst[2])
                               .arg(sum[0] / count[0])
                               .arg(sum[1] / count[1]);
        QVERIFY2(worst[2] == 0, qPrintable(where));  // transparent: exactly the background
        QVERIFY2(worst[0] <= solidTol && worst[1] <= solidTol, qPrintable(where));
        QVERIFY2(sum[0] / count[0] <= meanTol && sum[1] / count[1] <= meanTol, qPrintable(where));
        // The half-transparent middle of the top-left quadrant's row, written out by hand.
        const int x = w / 2 - 2, y = 2;
        const auto* p = c.pixel(i, x, y);
        const auto& red = kSyntheticCorners[0];
        QVERIFY(syntheticAlpha(x, w) == 128);
        QVERIFY(std::abs(p[0] - (red.r * 128 + bg.r * 127) / 255) <= solidTol);
        QVERIFY(std::abs(p[2] - (red.b * 128 + bg.b * 127) / 255) <= solidTol);
    }
}

void TstVideoCorpus::interlaced_data() {
    QTest::addColumn<QString>("file");
    // Mean abs differences per channel: the woven frame to the woven pattern, the kept field's
    // rows and the whole deinterlaced frame to the top field's picture. 4:2:0 chroma mixes the
    // two fields' colours when converted back to RGB, so MPEG-2's kept rows differ too.
    QTest::addColumn<double>("wovenTol");
    QTest::addColumn<double>("keptTol");
    QTest::addColumn<double>("deintTol");
    QTest::newRow("ffv1 (lossless)") << "interlaced-ffv1.mkv" << 0.0 << 0.0 << 6.0;
    QTest::newRow("mpeg2") << "interlaced.mkv" << 4.0 << 6.0 << 9.0;
}

void TstVideoCorpus::interlaced() {
    // Fields from different times: the square is one width further on in the bottom field.
    // Woven, the frame combs where it moved; deinterlaced (bwdif, top field first) it is the
    // top field's picture with no combing: the top field's rows unchanged, the bottom field's
    // rows taken from the bottom field where nothing moves and interpolated where something
    // does (the square, and the band, whose frame number changes every frame: its top and
    // bottom edge rows come out as blends, most of the tolerance).
    QFETCH(QString, file);
    QFETCH(double, wovenTol);
    QFETCH(double, keptTol);
    QFETCH(double, deintTol);
    const fs::path path = make(file);
    if (path.empty())
        QSKIP("this FFmpeg cannot write the file (encoder missing)");
    const int w = 64, h = 48;
    DecodeOptions off, on;
    off.deinterlace = DeinterlaceMode::Off;
    on.deinterlace = DeinterlaceMode::On;
    auto a = decodeVideo(path);
    auto woven = decodeVideo(path, off);
    auto forced = decodeVideo(path, on);
    QVERIFY2(a.ok(), a.ok() ? "" : a.error().what());
    QVERIFY2(woven.ok(), woven.ok() ? "" : woven.error().what());
    QVERIFY2(forced.ok(), forced.ok() ? "" : forced.error().what());
    const Clip& c = a.value();
    QCOMPARE(q(c.source.fieldOrder), u"tt"_s);
    QVERIFY(c.source.deinterlaced);
    QVERIFY(!woven.value().source.deinterlaced);
    QCOMPARE(c.frameCount(), 12);
    QCOMPARE(woven.value().frameCount(), 12);
    for (int i = 0; i < c.frameCount(); ++i) {
        const auto& raw = woven.value().frames[i];
        const Diff dr = diff(raw, syntheticInterlacedFrame(w, h, i));
        const Diff dd = diff(c.frames[i], syntheticField(w, h, i, false));
        const int combRaw = combing(raw, w, h), combDeint = combing(c.frames[i], w, h);
        const auto where = QStringLiteral(
                               "frame %1: woven mean %2, deinterlaced mean %3 max %4, "
                               "combing %5 -> %6")
                               .arg(i)
                               .arg(dr.mean)
                               .arg(dd.mean)
                               .arg(dd.max)
                               .arg(combRaw)
                               .arg(combDeint);
        // Stored as written (up to the codec's loss).
        QVERIFY2(dr.mean <= wovenTol, qPrintable(where));
        // The kept (top) field's rows pass unchanged.
        std::vector<std::uint8_t> keptGot, keptWant;
        const auto top = syntheticField(w, h, i, false);
        for (int y = 0; y < h; y += 2) {
            const auto at = static_cast<std::ptrdiff_t>(y) * w * 3;
            keptGot.insert(keptGot.end(), c.frames[i].begin() + at,
                           c.frames[i].begin() + at + w * 3);
            keptWant.insert(keptWant.end(), top.begin() + at, top.begin() + at + w * 3);
        }
        const Diff dk = diff(keptGot, keptWant);
        QVERIFY2(dk.mean <= keptTol,
                 qPrintable(where + QStringLiteral(", kept rows %1").arg(dk.mean)));
        QVERIFY2(dd.mean <= deintTol, qPrintable(where));
        // The square's 6 rows, two positions 6 columns wide: about 36 teeth when woven.
        QVERIFY2(combRaw >= 24, qPrintable(where));
        QVERIFY2(combDeint == 0, qPrintable(where));
        QCOMPARE(readSyntheticFrameNumber(c.frames[i], w, h), i);
        QCOMPARE(cornersOf(c.frames[i], w, h), u"RGBY"_s);
        // The stream says interlaced, so auto deinterlaces every frame: the same as on.
        QVERIFY(c.frames[i] == forced.value().frames[i]);
    }
    // Progressive sources are left alone by auto.
    auto plain = decodeVideo(make(u"plain.mkv"_s));
    QVERIFY(plain.ok());
    QVERIFY(!plain.value().source.deinterlaced);
}

void TstVideoCorpus::longFileSeeking_data() {
    QTest::addColumn<QString>("select");
    QTest::addColumn<int>("count");
    QTest::addColumn<double>("from");
    QTest::addColumn<double>("to");
    QTest::addColumn<int>("frames");  // kept
    // uniform: round(linspace(0, 1499, N))
    QTest::newRow("uniform 16") << "uniform" << 16 << 0.0 << 0.0 << 16;
    QTest::newRow("uniform 7") << "uniform" << 7 << 0.0 << 0.0 << 7;
    QTest::newRow("uniform 2") << "uniform" << 2 << 0.0 << 0.0 << 2;
    QTest::newRow("uniform 1") << "uniform" << 1 << 0.0 << 0.0 << 1;
    // fps:F: one frame per 1/F s, nearest in time (frame 25 j at 1 fps).
    QTest::newRow("fps 1 x16") << "fps:1" << 16 << 0.0 << 0.0 << 16;
    QTest::newRow("fps 0.5, all that fit") << "fps:0.5" << 0 << 0.0 << 0.0 << 30;
    QTest::newRow("fps 3.3 x12 from 10.3 s") << "fps:3.3" << 12 << 10.3 << 0.0 << 12;
    QTest::newRow("fps 2 from 50 s to the end") << "fps:2" << 0 << 50.0 << 0.0 << 20;
    QTest::newRow("fps 4 x8 in 30-32 s") << "fps:4" << 8 << 30.0 << 32.0 << 8;
    // Time ranges: every frame in it, the first N, a stride, uniform inside it.
    QTest::newRow("all in 20.5-24 s") << "all" << 0 << 20.5 << 24.0 << 87;
    QTest::newRow("first 5 from 40 s") << "first" << 5 << 40.0 << 0.0 << 5;
    QTest::newRow("stride 10 in 10-20 s") << "stride:10" << 0 << 10.0 << 20.0 << 25;
    QTest::newRow("uniform 6 in 12.3-47 s") << "uniform" << 6 << 12.3 << 47.0 << 6;
    QTest::newRow("all from 58.7 s") << "all" << 0 << 58.7 << 0.0 << 32;
}

void TstVideoCorpus::longFileSeeking() {
    // Seeking and reading everything give the same frames, bit for bit.
    QFETCH(QString, select);
    QFETCH(int, count);
    QFETCH(double, from);
    QFETCH(double, to);
    QFETCH(int, frames);
    auto info = probeVideo(m_long);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    QCOMPARE(info.value().source.frameCount, 1500);  // mp4 lists its samples
    QVERIFY(std::abs(info.value().source.durationSeconds - 60.0) < 0.05);
    DecodeOptions seek, scan, automatic;
    seek.select = parseFrameSelection(select.toStdString(), count);
    seek.select.from = from;
    seek.select.to = to;
    scan.select = automatic.select = seek.select;
    seek.seek = SeekMode::Always;
    scan.seek = SeekMode::Never;
    // Progress reports count what was read: one per kept frame when seeking, one per source
    // frame (twice) when reading everything.
    int reports = 0;
    mp::JobContext job;
    job.progress = [&](const mp::ProgressEvent&) { ++reports; };
    auto a = decodeVideo(m_long, seek, job);
    QVERIFY2(a.ok(), a.ok() ? "" : a.error().what());
    QCOMPARE(reports, frames);  // it did seek (no fallback to the full read)
    auto b = decodeVideo(m_long, scan);
    QVERIFY2(b.ok(), b.ok() ? "" : b.error().what());
    reports = 0;
    auto c = decodeVideo(m_long, automatic, job);
    QVERIFY2(c.ok(), c.ok() ? "" : c.error().what());
    QCOMPARE(reports, frames);  // auto seeks in a 1500-frame file
    const Clip& ca = a.value();
    const Clip& cb = b.value();
    QCOMPARE(ca.frameCount(), frames);
    QCOMPARE(ca.source.frameIndices, cb.source.frameIndices);
    QCOMPARE(c.value().source.frameIndices, cb.source.frameIndices);
    QVERIFY2(std::abs(ca.fps - cb.fps) < 1e-6,
             qPrintable(QStringLiteral("%1 vs %2").arg(ca.fps).arg(cb.fps)));
    const bool plainUniform = select == u"uniform" && from == 0 && to == 0;
    for (int k = 0; k < frames; ++k) {
        const int index = int(ca.source.frameIndices[k]);
        if (plainUniform) {
            const auto want =
                count == 1 ? 0
                           : static_cast<int>(std::floor(double(k) * 1499.0 / (count - 1) + 0.5));
            QCOMPARE(index, want);
        }
        // The band holds the frame number: the index is the frame shown.
        QCOMPARE(readSyntheticFrameNumber(ca.frames[k], ca.width, ca.height), index % 4096);
        // Bit for bit what the full read decodes: the seek started from a keyframe.
        QVERIFY2(ca.frames[k] == cb.frames[k], qPrintable(QStringLiteral("frame %1").arg(k)));
        QVERIFY(c.value().frames[k] == cb.frames[k]);
        QVERIFY(std::abs(ca.source.timestamps[k] - cb.source.timestamps[k]) < 1e-6);
        QVERIFY(std::abs(ca.source.timestamps[k] - index / 25.0) < 1e-3);
    }
}

void TstVideoCorpus::thumbnails_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("box");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("frames");
    QTest::newRow("long, 8 in 48x48") << "long.mp4" << 8 << 48 << 48 << 32 << 8;
    QTest::newRow("turned, 4 in 32x32") << "rot90.mov" << 4 << 32 << 24 << 32 << 4;
    QTest::newRow("2:1 pixels, 3 in 64x64") << "sar2-1.mkv" << 3 << 64 << 64 << 24 << 3;
    // More than the video has: all 12.
    QTest::newRow("short, 40 wanted") << "plain.mkv" << 40 << 100 << 64 << 48 << 12;
}

void TstVideoCorpus::thumbnails() {
    QFETCH(QString, file);
    QFETCH(int, count);
    QFETCH(int, box);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(int, frames);
    const fs::path path = file == u"long.mp4" ? m_long : make(file);
    QVERIFY(!path.empty());
    auto r = decodeThumbnails(path, {count, box, box});
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QCOMPARE(c.width, width);
    QCOMPARE(c.height, height);
    QCOMPARE(c.frameCount(), frames);
    const QString want = file == u"rot90.mov" ? u"BRYG"_s : u"RGBY"_s;
    QCOMPARE(cornersOf(c.frames[0], c.width, c.height, 0), want);
    if (file == u"long.mp4") {
        // Previews of a long file are keyframes at or before the uniform times (x264 puts one
        // at least every 50 frames, more at scene cuts); one frame decoded each.
        for (int k = 0; k < frames; ++k) {
            const int want = static_cast<int>(std::floor(double(k) * 1499.0 / 7 + 0.5));
            const int got = int(c.source.frameIndices[k]);
            QVERIFY2(got <= want && got > want - 100,
                     qPrintable(QStringLiteral("%1: %2 for %3").arg(k).arg(got).arg(want)));
        }
    }

    // Cancel stops it, as a cancel (not a failure).
    mp::JobContext job;
    job.cancel.cancel();
    auto cancelled = decodeThumbnails(path, {count, box, box}, job);
    QVERIFY(cancelled.cancelled());
}

void TstVideoCorpus::damageStillReported() {
    // The long file cut at 70%: seeking notices the early end and the full read reports how
    // many frames decode.
    const fs::path cut = m_dir / "long-cut.mp4";
    {
        std::ifstream in(m_long, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        bytes.resize(bytes.size() * 7 / 10);
        std::ofstream(cut, std::ios::binary) << bytes;
    }
    DecodeOptions o;
    o.select = parseFrameSelection("uniform", 16);
    o.seek = SeekMode::Always;
    auto r = decodeVideo(cut, o);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), mp::ErrorCode::Format);
    QVERIFY2(q(r.error().message()).contains(u"only the first"), r.error().what());
    // The metadata probe sees it too (its data stops before the declared end).
    auto info = probeVideo(cut);
    QVERIFY(!info.ok());
    QVERIFY2(q(info.error().message()).contains(u"truncated"), info.error().what());
}

QTEST_APPLESS_MAIN(TstVideoCorpus)
#include "tst_video_corpus.moc"
