// Video files and frame folders through FFmpeg: round trips per format (lossless paths exact,
// lossy ones within stated tolerances), frame selection on real streams, resize on decode,
// rotation metadata, natural order of frame files, every error case, atomic writes and cancel.
// Every input is written by the test itself through encodeVideo().

#include "video/video_io.h"

#include "../support/fixtures.h"
#include "video_test_clips.h"

#include <QtTest/QtTest>

#include <fstream>
#include <set>
#include <sstream>

using namespace mp::video;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;
using Indices = std::vector<std::int64_t>;

Q_DECLARE_METATYPE(Indices)

namespace {

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeAll(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::set<std::string> entries(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.insert(e.path().filename().string());
    return out;
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

EncodeReport encodeOrFail(const Clip& clip, const fs::path& path, const EncodeOptions& o = {}) {
    auto r = encodeVideo(clip, path, o);
    if (!r)
        qFatal("encoding %s failed: %s", path.c_str(), r.error().what());
    return r.value();
}

bool sameFrames(const Clip& a, const Clip& b) {
    return a.width == b.width && a.height == b.height && a.frames == b.frames;
}

}  // namespace

class TstVideoIo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void encoders();
    void roundTrip_data();
    void roundTrip();
    void selection_data();
    void selection();
    void selectionTooFew_data();
    void selectionTooFew();
    void resizeOnDecode_data();
    void resizeOnDecode();
    void rotation_data();
    void rotation();
    void imageSequenceNaturalOrder();
    void jpegSequence();
    void folderSizeMismatch();
    void decodeErrors_data();
    void decodeErrors();
    void partialDecode_data();
    void partialDecode();
    void unsupportedPixelFormat_data();
    void unsupportedPixelFormat();
    void encodeErrors_data();
    void encodeErrors();
    void cancelLeavesNothing_data();
    void cancelLeavesNothing();
    void cancelDecode();
    void replaceFrameFolder();
    void refuseForeignFolder();
    void literalFileNames();
    void probeFacts();

private:
    mp::test::TempDir m_dir;
    Clip m_source24;  // 24 frames 34x26 at 8 fps
    fs::path m_folder24, m_mkv24, m_webm24;
};

void TstVideoIo::initTestCase() {
    m_source24 = mp::test::movingSquares(34, 26, 24, 8);
    m_folder24 = m_dir / "src24";
    m_mkv24 = m_dir / "src24.mkv";
    m_webm24 = m_dir / "src24.webm";
    encodeOrFail(m_source24, m_folder24.string() + "/");
    encodeOrFail(m_source24, m_mkv24);
    encodeOrFail(m_source24, m_webm24);
}

void TstVideoIo::encoders() {
    QString found;
    for (const char* name :
         {"libx264", "libx264rgb", "mpeg4", "libvpx-vp9", "libvpx", "gif", "png", "ffv1", "mjpeg"})
        found += QString::fromLatin1(name) + (hasEncoder(name) ? u"=yes "_s : u"=no "_s);
    qInfo("encoders: %s", qPrintable(found));
    QVERIFY(hasEncoder("png"));
    QVERIFY(hasEncoder("gif"));
    QVERIFY(!hasEncoder("no-such-encoder"));
    QCOMPARE(defaultEncoder(OutputKind::Mp4), hasEncoder("libx264") ? "libx264" : "mpeg4");
    QCOMPARE(defaultEncoder(OutputKind::Webm), hasEncoder("libvpx-vp9") ? "libvpx-vp9" : "libvpx");
    QCOMPARE(defaultEncoder(OutputKind::Mkv), "ffv1");
    QCOMPARE(outputKindFor("a/b.MP4"), OutputKind::Mp4);
    QCOMPARE(outputKindFor("a/frames/"), OutputKind::PngFolder);
    QCOMPARE(outputKindFor("a/frames"), OutputKind::PngFolder);
    QCOMPARE(outputKindFor("x.webm"), OutputKind::Webm);
    QCOMPARE(outputKindFor("x.gif"), OutputKind::Gif);
}

void TstVideoIo::roundTrip_data() {
    QTest::addColumn<QString>("name");  // file name or folder name with '/'
    QTest::addColumn<QString>("codec");
    QTest::addColumn<int>("quality");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<bool>("flat");  // few colours (GIF palette holds them all)
    QTest::addColumn<bool>("exact");
    QTest::addColumn<double>("minPsnr");  // worst frame, dB
    QTest::addColumn<double>("maxMean");  // worst frame, mean |diff| per channel value
    QTest::addColumn<int>("maxAbs");      // -1: not checked
    QTest::addColumn<double>("fpsTolerance");
    // Lossless paths: bit-exact.
    QTest::newRow("png folder") << "frames/"
                                << "" << 70 << 34 << 26 << false << true << 0.0 << 0.0 << 0 << 1e-9;
    QTest::newRow("png folder odd")
        << "odd/"
        << "" << 70 << 33 << 25 << false << true << 0.0 << 0.0 << 0 << 1e-9;
    QTest::newRow("mkv ffv1 odd") << "a.mkv"
                                  << "" << 70 << 33 << 25 << false << true << 0.0 << 0.0 << 0
                                  << 0.01;
    QTest::newRow("mov png") << "a.mov"
                             << "png" << 70 << 34 << 26 << false << true << 0.0 << 0.0 << 0 << 0.01;
    QTest::newRow("mp4 libx264rgb q100")
        << "rgb.mp4"
        << "libx264rgb" << 100 << 34 << 26 << false << true << 0.0 << 0.0 << 0 << 0.01;
    QTest::newRow("gif few colours")
        << "flat.gif"
        << "" << 70 << 34 << 26 << true << true << 0.0 << 0.0 << 0 << 0.2;
    // Lossy: 4:2:0 chroma on saturated 1-pixel-aligned squares in a 34x26 frame dominates the
    // error (the max is at square edges); the limits leave a margin over the measured values.
    QTest::newRow("mp4 default") << "a.mp4"
                                 << "" << 70 << 34 << 26 << false << false << 24.0 << 7.0 << -1
                                 << 0.01;
    QTest::newRow("mp4 odd (padded)")
        << "odd.mp4"
        << "" << 70 << 33 << 25 << false << false << 24.0 << 7.0 << -1 << 0.01;
    QTest::newRow("mp4 mpeg4") << "m4.mp4"
                               << "mpeg4" << 70 << 34 << 26 << false << false << 22.0 << 11.0 << -1
                               << 0.01;
    QTest::newRow("webm default odd")
        << "a.webm"
        << "" << 70 << 33 << 25 << false << false << 24.0 << 7.0 << -1 << 0.01;
    QTest::newRow("webm vp8") << "vp8.webm"
                              << "libvpx" << 70 << 34 << 26 << false << false << 24.0 << 8.0 << -1
                              << 0.01;
    QTest::newRow("gif gradient") << "a.gif"
                                  << "" << 70 << 34 << 26 << false << false << 35.0 << 3.0 << 16
                                  << 0.2;
    QTest::newRow("jpeg folder") << "jpg/"
                                 << "mjpeg" << 90 << 34 << 26 << false << false << 32.0 << 4.0 << -1
                                 << 1e-9;
}

void TstVideoIo::roundTrip() {
    QFETCH(QString, name);
    QFETCH(QString, codec);
    QFETCH(int, quality);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(bool, flat);
    QFETCH(bool, exact);
    QFETCH(double, minPsnr);
    QFETCH(double, maxMean);
    QFETCH(int, maxAbs);
    QFETCH(double, fpsTolerance);
    if (!codec.isEmpty() && !hasEncoder(codec.toStdString()))
        QSKIP(qPrintable(u"this FFmpeg has no "_s + codec + u" encoder"_s));
    const auto clip = mp::test::movingSquares(width, height, 8, 8, !flat);
    const fs::path out = m_dir / name.toStdString();
    EncodeOptions o;
    o.codec = codec.toStdString();
    o.quality = quality;
    const auto report = encodeOrFail(clip, out, o);
    QCOMPARE(report.frames, 8);
    if (codec.isEmpty() && !name.endsWith(u'/'))
        QCOMPARE(report.codec, defaultEncoder(outputKindFor(out)));
    // Stored size: the clip's, or padded to even where a 4:2:0 encoder needs it.
    QVERIFY(report.width == width || (report.width == width + 1 && width % 2));
    QVERIFY(report.height == height || (report.height == height + 1 && height % 2));

    auto decoded = decodeVideo(out);
    QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().what());
    const Clip& d = decoded.value();
    QCOMPARE(d.frameCount(), 8);
    QCOMPARE(d.width, report.width);
    QCOMPARE(d.height, report.height);
    QVERIFY2(std::abs(d.fps - 8.0) <= fpsTolerance, qPrintable(QString::number(d.fps)));
    QCOMPARE(d.source.frameCount, 8);
    QVERIFY(!d.source.partial);
    double worstPsnr = 1e9, worstMean = 0;
    int worstMax = 0;
    for (int i = 0; i < 8; ++i) {
        worstPsnr = std::min(
            worstPsnr, mp::test::psnr(d.frames[i], d.width, clip.frames[i], width, width, height));
        worstMean = std::max(worstMean, mp::test::meanAbsDiff(d.frames[i], d.width, clip.frames[i],
                                                              width, width, height));
        worstMax = std::max(worstMax, mp::test::maxAbsDiff(d.frames[i], d.width, clip.frames[i],
                                                           width, width, height));
        // Each decoded frame is closest to its own source frame: order and timing survive.
        QCOMPARE(mp::test::nearestFrame(d.frames[i], d.width, clip), i);
    }
    qInfo("%s: %s %s, worst frame PSNR %.2f dB, mean |diff| %.3f, max |diff| %d", qPrintable(name),
          report.codec.c_str(), report.pixelFormat.c_str(), worstPsnr, worstMean, worstMax);
    if (exact) {
        QCOMPARE(worstMax, 0);
        return;
    }
    QVERIFY2(worstPsnr >= minPsnr, qPrintable(QString::number(worstPsnr)));
    QVERIFY2(worstMean <= maxMean, qPrintable(QString::number(worstMean)));
    if (maxAbs >= 0)
        QVERIFY2(worstMax <= maxAbs, qPrintable(QString::number(worstMax)));
}

void TstVideoIo::selection_data() {
    QTest::addColumn<QString>("source");  // folder, mkv, webm
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("start");
    QTest::addColumn<int>("stride");
    QTest::addColumn<double>("fps");
    QTest::addColumn<Indices>("expected");
    QTest::addColumn<double>("clipFps");
    // The sources hold 24 frames at 8 fps; expected indices follow each mode's definition.
    for (const char* src : {"folder", "mkv", "webm"}) {
        QTest::addRow("%s first 5", src)
            << src << int(SelectMode::First) << 5 << 0 << 1 << 0.0 << Indices{0, 1, 2, 3, 4} << 8.0;
        QTest::addRow("%s first 3 from 4", src)
            << src << int(SelectMode::First) << 3 << 4 << 1 << 0.0 << Indices{4, 5, 6} << 8.0;
        QTest::addRow("%s uniform 5", src) << src << int(SelectMode::Uniform) << 5 << 0 << 1 << 0.0
                                           << Indices{0, 6, 12, 17, 23} << 8.0 * 5 / 24;
        QTest::addRow("%s stride 4", src) << src << int(SelectMode::Stride) << 0 << 0 << 4 << 0.0
                                          << Indices{0, 4, 8, 12, 16, 20} << 2.0;
        QTest::addRow("%s stride 5 from 2, 3", src)
            << src << int(SelectMode::Stride) << 3 << 2 << 5 << 0.0 << Indices{2, 7, 12} << 1.6;
        QTest::addRow("%s fps 4", src) << src << int(SelectMode::Fps) << 0 << 0 << 1 << 4.0
                                       << Indices{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22} << 4.0;
        QTest::addRow("%s fps 3 x4", src)
            << src << int(SelectMode::Fps) << 4 << 0 << 1 << 3.0 << Indices{0, 3, 5, 8} << 3.0;
        QTest::addRow("%s fps 12 x4", src)
            << src << int(SelectMode::Fps) << 4 << 0 << 1 << 12.0 << Indices{0, 1, 1, 2} << 12.0;
        QTest::addRow("%s all", src)
            << src << int(SelectMode::All) << 0 << 0 << 1 << 0.0 << Indices{} << 8.0;
    }
}

void TstVideoIo::selection() {
    QFETCH(QString, source);
    QFETCH(int, mode);
    QFETCH(int, count);
    QFETCH(int, start);
    QFETCH(int, stride);
    QFETCH(double, fps);
    QFETCH(Indices, expected);
    QFETCH(double, clipFps);
    if (expected.empty())
        for (int i = 0; i < 24; ++i)
            expected.push_back(i);
    DecodeOptions o;
    o.select = {SelectMode(mode), count, start, stride, fps};
    const fs::path path = source == u"folder" ? m_folder24 : source == u"mkv" ? m_mkv24 : m_webm24;
    auto r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QCOMPARE(c.source.frameIndices, expected);
    QCOMPARE(c.frameCount(), int(expected.size()));
    QVERIFY2(std::abs(c.fps - clipFps) < 1e-6, qPrintable(QString::number(c.fps)));
    QVERIFY(c.source.frameCount == 24 || c.source.frameCount == -1);
    for (std::size_t k = 0; k < expected.size(); ++k) {
        if (source == u"webm")
            QCOMPARE(mp::test::nearestFrame(c.frames[k], c.width, m_source24), int(expected[k]));
        else
            QVERIFY2(c.frames[k] == m_source24.frames[expected[k]],
                     qPrintable(QStringLiteral("frame %1").arg(k)));
        QVERIFY(std::abs(c.source.timestamps[k] - expected[k] / 8.0) < 1e-3);
    }
}

void TstVideoIo::selectionTooFew_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("select");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("message");
    for (const char* f : {"few/", "few.mp4"}) {
        QTest::addRow("%s first 32", f)
            << f << "first" << 32 << "asked for 32 frames but the video has 12";
        QTest::addRow("%s uniform 13", f)
            << f << "uniform" << 13 << "asked for 13 frames but the video has 12";
        QTest::addRow("%s stride 4 x4", f) << f << "stride:4" << 4 << "(enough for 3)";
        QTest::addRow("%s fps 2 x10", f) << f << "fps:2" << 10 << "enough for 3";
    }
}

void TstVideoIo::selectionTooFew() {
    QFETCH(QString, file);
    QFETCH(QString, select);
    QFETCH(int, count);
    QFETCH(QString, message);
    const fs::path path = m_dir / file.toStdString();
    std::error_code ec;
    if (!fs::exists(path, ec))
        encodeOrFail(mp::test::movingSquares(34, 26, 12, 8), path);
    DecodeOptions o;
    o.select = parseFrameSelection(select.toStdString(), count);
    auto r = decodeVideo(path, o);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), mp::ErrorCode::InvalidArgument);
    const auto text = q(r.error().message());
    QVERIFY2(text.startsWith(q(path.string())), qPrintable(text));
    QVERIFY2(text.contains(message), qPrintable(text));
}

void TstVideoIo::resizeOnDecode_data() {
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("fit");
    QTest::newRow("crop 16x16") << 16 << 16 << int(FitMode::Crop);
    QTest::newRow("crop up 40x40") << 40 << 40 << int(FitMode::Crop);
    QTest::newRow("stretch 20x10") << 20 << 10 << int(FitMode::Stretch);
    QTest::newRow("crop odd 15x9") << 15 << 9 << int(FitMode::Crop);
}

void TstVideoIo::resizeOnDecode() {
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(int, fit);
    DecodeOptions o;
    o.select = parseFrameSelection("first", 3);
    o.width = width;
    o.height = height;
    o.fit = FitMode(fit);
    for (const auto& path : {m_folder24, m_mkv24}) {
        auto r = decodeVideo(path, o);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
        const Clip& c = r.value();
        QCOMPARE(c.width, width);
        QCOMPARE(c.height, height);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(c.frames[i],
                     fitFrame(m_source24.frames[i], 34, 26, width, height, FitMode(fit)));
    }
}

void TstVideoIo::rotation_data() {
    QTest::addColumn<int>("degrees");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("codec");
    QTest::newRow("mov png 90") << 90 << "r90.mov"
                                << "png";
    QTest::newRow("mov png 180") << 180 << "r180.mov"
                                 << "png";
    QTest::newRow("mov png 270") << 270 << "r270.mov"
                                 << "png";
    QTest::newRow("mp4 default 90") << 90 << "r90.mp4"
                                    << "";
}

void TstVideoIo::rotation() {
    QFETCH(int, degrees);
    QFETCH(QString, file);
    QFETCH(QString, codec);
    const auto clip = mp::test::movingSquares(34, 26, 4, 8);
    const fs::path path = m_dir / file.toStdString();
    EncodeOptions eo;
    eo.codec = codec.toStdString();
    eo.displayRotation = degrees;
    encodeOrFail(clip, path, eo);
    const bool swap = degrees != 180;

    auto info = probeVideo(path);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    QCOMPARE(info.value().source.rotation, degrees);
    QCOMPARE(info.value().width, swap ? 26 : 34);
    QCOMPARE(info.value().height, swap ? 34 : 26);

    auto r = decodeVideo(path);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QCOMPARE(c.source.rotation, degrees);
    QCOMPARE(c.width, swap ? 26 : 34);
    QCOMPARE(c.height, swap ? 34 : 26);
    for (int i = 0; i < 4; ++i) {
        const auto expected = rotateFrame(clip.frames[i], 34, 26, degrees);
        if (codec == u"png")
            QCOMPARE(c.frames[i], expected);
        else
            QVERIFY(mp::test::meanAbsDiff(c.frames[i], c.width, expected, c.width, c.width,
                                          c.height) < 7.0);
    }

    DecodeOptions raw;
    raw.applyRotation = false;
    auto u = decodeVideo(path, raw);
    QVERIFY(u.ok());
    QCOMPARE(u.value().width, 34);
    QCOMPARE(u.value().source.rotation, 0);
    if (codec == u"png")
        QVERIFY(sameFrames(u.value(), clip));
}

void TstVideoIo::imageSequenceNaturalOrder() {
    // frame0.png ... frame11.png without zero padding: plain string order would put frame10
    // before frame2.
    const auto clip = mp::test::movingSquares(34, 26, 12, 8);
    const fs::path dir = m_dir / "natural";
    encodeOrFail(clip, dir.string() + "/");
    for (int i = 0; i < 12; ++i) {
        char from[32];
        std::snprintf(from, sizeof from, "%05d.png", i);
        fs::rename(dir / from, dir / ("frame" + std::to_string(i) + ".png"));
    }
    writeAll(dir / "notes.txt", "not a frame");
    fs::copy_file(dir / "frame5.png", dir / ".hidden.png");  // hidden files are not frames
    DecodeOptions o;
    o.sequenceFps = 12;
    auto r = decodeVideo(dir, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().frameCount(), 12);
    QCOMPARE(r.value().fps, 12.0);
    QCOMPARE(r.value().source.container, "image-sequence");
    for (int i = 0; i < 12; ++i)
        QVERIFY2(r.value().frames[i] == clip.frames[i], qPrintable(QString::number(i)));
    auto info = probeVideo(dir, o);
    QVERIFY(info.ok());
    QCOMPARE(info.value().source.frameCount, 12);
    QCOMPARE(info.value().width, 34);
}

void TstVideoIo::jpegSequence() {
    // TGVE ships JPEG frame folders; upper-case extensions occur too.
    const auto clip = mp::test::movingSquares(34, 26, 6, 8);
    const fs::path dir = m_dir / "jpegs";
    EncodeOptions eo;
    eo.codec = "mjpeg";
    eo.quality = 95;
    encodeOrFail(clip, dir.string() + "/", eo);
    for (int i = 0; i < 6; ++i) {
        char from[32];
        std::snprintf(from, sizeof from, "%05d.jpg", i);
        fs::rename(dir / from, dir / ("img_" + std::to_string(i + 1) + ".JPG"));
    }
    auto r = decodeVideo(dir);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    QCOMPARE(r.value().frameCount(), 6);
    QCOMPARE(r.value().source.codec, "mjpeg");
    for (int i = 0; i < 6; ++i)
        QCOMPARE(mp::test::nearestFrame(r.value().frames[i], 34, clip), i);
}

void TstVideoIo::folderSizeMismatch() {
    const fs::path dir = m_dir / "mixed";
    encodeOrFail(mp::test::movingSquares(34, 26, 2, 8), dir.string() + "/");
    const fs::path other = m_dir / "mixed-other";
    encodeOrFail(mp::test::movingSquares(20, 20, 1, 8), other.string() + "/");
    fs::copy_file(other / "00000.png", dir / "00002.png");
    auto r = decodeVideo(dir);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), mp::ErrorCode::Format);
    QVERIFY2(q(r.error().message()).contains(u"00002.png: is 20x20 but the first frame is 34x26"),
             r.error().what());
    // With a target size every frame is fitted, so the folder decodes.
    DecodeOptions o;
    o.width = 16;
    o.height = 16;
    auto fitted = decodeVideo(dir, o);
    QVERIFY2(fitted.ok(), fitted.ok() ? "" : fitted.error().what());
    QCOMPARE(fitted.value().frameCount(), 3);
}

void TstVideoIo::decodeErrors_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing file") << "missing" << int(mp::ErrorCode::NotFound) << "file not found";
    QTest::newRow("text named .mp4")
        << "text" << int(mp::ErrorCode::Format) << "not a video or image FFmpeg can read";
    QTest::newRow("empty file") << "empty" << int(mp::ErrorCode::Format) << "not a video";
    QTest::newRow("empty folder") << "empty-folder" << int(mp::ErrorCode::Format)
                                  << "the folder has no frames";
    QTest::newRow("folder without images")
        << "no-images" << int(mp::ErrorCode::Format) << "the folder has no frames";
    QTest::newRow("corrupt image in folder")
        << "bad-image" << int(mp::ErrorCode::Format) << "00001.png";
    QTest::newRow("mp4 truncated at 80%")
        << "trunc.mp4" << int(mp::ErrorCode::Format) << "corrupt or truncated stream";
    QTest::newRow("mp4 truncated at 40%")
        << "trunc40.mp4" << int(mp::ErrorCode::Format) << "corrupt";
    QTest::newRow("webm truncated")
        << "trunc.webm" << int(mp::ErrorCode::Format) << "truncated file?";
    QTest::newRow("mkv truncated")
        << "trunc.mkv" << int(mp::ErrorCode::Format) << "truncated file?";
    QTest::newRow("gif truncated") << "trunc.gif" << int(mp::ErrorCode::Format) << "truncated";
    QTest::newRow("mkv garbage mid-file")
        << "garbage.mkv" << int(mp::ErrorCode::Format) << "corrupt";
    QTest::newRow("mp4 garbage mid-file")
        << "garbage.mp4" << int(mp::ErrorCode::Format) << "corrupt";
    // Formats that name other files are refused before their demuxer opens anything.
    QTest::newRow("ffconcat list") << "list.txt" << int(mp::ErrorCode::Unsupported)
                                   << "concat files are not read (they refer to other files)";
    QTest::newRow("hls playlist") << "list.m3u8" << int(mp::ErrorCode::Unsupported)
                                  << "hls files are not read";
}

void TstVideoIo::decodeErrors() {
    QFETCH(QString, kind);
    QFETCH(int, code);
    QFETCH(QString, message);
    const fs::path base = m_dir / "errors";
    fs::create_directories(base);
    fs::path path = base / kind.toStdString();
    const auto clip = mp::test::movingSquares(34, 26, 16, 8);
    auto damaged = [&](double keep, bool garbage) {
        const fs::path good = base / ("good-" + kind.toStdString());
        encodeOrFail(clip, good);
        auto bytes = readAll(good);
        if (garbage) {
            for (std::size_t i = bytes.size() * 45 / 100; i < bytes.size() * 55 / 100; ++i)
                bytes[i] = static_cast<char>((i * 131) ^ 0x5a);
        } else {
            bytes.resize(static_cast<std::size_t>(bytes.size() * keep));
        }
        writeAll(path, bytes);
    };
    if (kind == u"missing") {
        path = base / "missing.mp4";
    } else if (kind == u"text") {
        path = base / "clip.mp4";
        writeAll(path, "this is a text file, not a video\n");
    } else if (kind == u"empty") {
        path = base / "empty.mp4";
        writeAll(path, "");
    } else if (kind == u"empty-folder") {
        fs::create_directories(path);
    } else if (kind == u"no-images") {
        fs::create_directories(path);
        writeAll(path / "readme.txt", "frames were here");
    } else if (kind == u"bad-image") {
        encodeOrFail(mp::test::movingSquares(34, 26, 3, 8), path.string() + "/");
        writeAll(path / "00001.png", "broken");
    } else if (kind == u"list.txt") {
        encodeOrFail(clip, base / "part.mp4");
        writeAll(path, "ffconcat version 1.0\nfile 'part.mp4'\n");
    } else if (kind == u"list.m3u8") {
        encodeOrFail(clip, base / "part.mp4");
        writeAll(path,
                 "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\npart.mp4\n"
                 "#EXT-X-ENDLIST\n");
    } else if (kind.startsWith(u"trunc")) {
        damaged(kind == u"trunc40.mp4" ? 0.4 : 0.8, false);
    } else {
        damaged(1.0, true);
    }
    auto r = decodeVideo(path);
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code()), code);
    const auto text = q(r.error().message());
    QVERIFY2(text.contains(message), qPrintable(text));
    if (kind != u"bad-image")
        QVERIFY2(text.startsWith(q(path.string())), qPrintable(text));
    // Counting every frame finds the damage anywhere; the metadata probe reads only the start
    // and the end, so it finds truncation but not garbage mid-file (or a cut GIF, which states
    // no duration to compare with).
    DecodeOptions counted;
    counted.countFrames = true;
    auto info = probeVideo(path, counted);
    QVERIFY(!info.ok());
    QCOMPARE(int(info.error().code()), code);
    if (!kind.contains(u"garbage") && kind != u"trunc.gif") {
        auto quick = probeVideo(path);
        QVERIFY(!quick.ok());
        QCOMPARE(int(quick.error().code()), code);
    }
}

void TstVideoIo::partialDecode_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("exact");
    QTest::newRow("mkv") << "p.mkv" << true;
    QTest::newRow("webm") << "p.webm" << false;
    QTest::newRow("mp4") << "p.mp4" << false;
    QTest::newRow("mov png") << "p.mov" << true;
}

void TstVideoIo::partialDecode() {
    // Policy: a stream that breaks off is an error that says how many frames decode; with
    // allowPartial those frames are returned and SourceInfo::partial says what happened.
    QFETCH(QString, file);
    QFETCH(bool, exact);
    const auto clip = mp::test::movingSquares(34, 26, 16, 8);
    const fs::path good = m_dir / ("good-" + file.toStdString());
    const fs::path path = m_dir / file.toStdString();
    EncodeOptions eo;
    if (file.endsWith(u".mov"))
        eo.codec = "png";
    encodeOrFail(clip, good, eo);
    auto bytes = readAll(good);
    bytes.resize(bytes.size() * 8 / 10);
    writeAll(path, bytes);

    auto strict = decodeVideo(path);
    QVERIFY(!strict.ok());
    QCOMPARE(strict.error().code(), mp::ErrorCode::Format);
    const auto text = q(strict.error().message());
    QVERIFY2(text.contains(u"only the first"), qPrintable(text));

    DecodeOptions o;
    o.allowPartial = true;
    auto r = decodeVideo(path, o);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().what());
    const Clip& c = r.value();
    QVERIFY(c.source.partial);
    QVERIFY(!c.source.warning.empty());
    QVERIFY2(c.frameCount() > 0 && c.frameCount() < 16,
             qPrintable(QString::number(c.frameCount())));
    // The error message named the same count.
    QVERIFY2(text.contains(u"only the first "_s + QString::number(c.frameCount()) + u" frame"_s),
             qPrintable(text));
    for (int i = 0; i < c.frameCount(); ++i) {
        if (exact)
            QCOMPARE(c.frames[i], clip.frames[i]);
        else
            QCOMPARE(mp::test::nearestFrame(c.frames[i], c.width, clip), i);
    }
    // Asking for more than the intact part is still "too few", and says why.
    o.select = parseFrameSelection("first", 16);
    auto more = decodeVideo(path, o);
    QVERIFY(!more.ok());
    QCOMPARE(more.error().code(), mp::ErrorCode::InvalidArgument);
    QVERIFY2(q(more.error().message()).contains(u"breaks off"), more.error().what());
}

void TstVideoIo::unsupportedPixelFormat_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("ok");
    QTest::newRow("yuv420p") << "yuv420p" << true;
    QTest::newRow("yuvj422p") << "yuvj422p" << true;
    QTest::newRow("pal8") << "pal8" << true;
    QTest::newRow("gbrp10le") << "gbrp10le" << true;
    QTest::newRow("vaapi (hardware)") << "vaapi" << false;
    QTest::newRow("cuda (hardware)") << "cuda" << false;
    QTest::newRow("unknown name") << "no_such_format" << false;
}

void TstVideoIo::unsupportedPixelFormat() {
    QFETCH(QString, format);
    QFETCH(bool, ok);
    try {
        requireConvertibleToRgb(format.toStdString(), "clip.mkv");
        QVERIFY(ok);
    } catch (const mp::EngineError& e) {
        QVERIFY2(!ok, e.what());
        QCOMPARE(e.code(), mp::ErrorCode::Unsupported);
        QVERIFY2(q(e.message()).startsWith(u"clip.mkv: "), e.what());
        QVERIFY2(q(e.message()).contains(format), e.what());
    }
}

void TstVideoIo::encodeErrors_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown extension")
        << "avi" << int(mp::ErrorCode::InvalidArgument) << "cannot write '.avi' files";
    QTest::newRow("missing folder")
        << "no-parent" << int(mp::ErrorCode::NotFound) << "does not exist";
    QTest::newRow("codec not for container")
        << "ffv1-in-mp4" << int(mp::ErrorCode::InvalidArgument) << "cannot go into .mp4";
    QTest::newRow("unknown encoder")
        << "nope" << int(mp::ErrorCode::Unsupported) << "no 'nope' encoder";
    QTest::newRow("quality out of range")
        << "quality" << int(mp::ErrorCode::InvalidArgument) << "quality must be 0..100";
    QTest::newRow("empty clip") << "empty" << int(mp::ErrorCode::InvalidArgument)
                                << "the clip has no frames";
    QTest::newRow("wrong frame size")
        << "bad-frame" << int(mp::ErrorCode::InvalidArgument) << "frame 1 holds";
    QTest::newRow("rotation in webm")
        << "rot-webm" << int(mp::ErrorCode::Unsupported) << "rotation metadata";
    QTest::newRow("folder with other files")
        << "foreign-folder" << int(mp::ErrorCode::InvalidArgument) << "holds other files";
    QTest::newRow("mp4 name is a folder")
        << "dir-mp4" << int(mp::ErrorCode::InvalidArgument) << "is a folder";
}

void TstVideoIo::encodeErrors() {
    QFETCH(QString, kind);
    QFETCH(int, code);
    QFETCH(QString, message);
    const fs::path dir = m_dir / ("enc-" + kind.toStdString());
    fs::create_directories(dir);
    Clip clip = mp::test::movingSquares(34, 26, 3, 8);
    EncodeOptions o;
    fs::path out = dir / "out.mp4";
    if (kind == u"avi") {
        out = dir / "out.avi";
    } else if (kind == u"no-parent") {
        out = dir / "missing" / "out.mp4";
    } else if (kind == u"ffv1-in-mp4") {
        o.codec = "ffv1";
    } else if (kind == u"nope") {
        o.codec = "nope";
    } else if (kind == u"quality") {
        o.quality = 101;
    } else if (kind == u"empty") {
        clip.frames.clear();
    } else if (kind == u"bad-frame") {
        clip.frames[1].pop_back();
    } else if (kind == u"rot-webm") {
        out = dir / "out.webm";
        o.displayRotation = 90;
    } else if (kind == u"foreign-folder") {
        out = dir / "frames";
        fs::create_directories(out);
        writeAll(out / "00000.png", "old");
        writeAll(out / "thesis.tex", "precious");
    } else if (kind == u"dir-mp4") {
        fs::create_directories(out);
    }
    const auto before = entries(dir);
    auto r = encodeVideo(clip, out, o);
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code()), code);
    QVERIFY2(q(r.error().message()).contains(message), r.error().what());
    // Nothing new beside the target, nothing half-written.
    QCOMPARE(entries(dir), before);
    if (kind == u"foreign-folder")
        QCOMPARE(readAll(out / "thesis.tex"), std::string("precious"));
}

void TstVideoIo::cancelLeavesNothing_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("mp4") << "out.mp4";
    QTest::newRow("webm") << "out.webm";
    QTest::newRow("mkv") << "out.mkv";
    QTest::newRow("gif") << "out.gif";
    QTest::newRow("png folder") << "frames/";
}

void TstVideoIo::cancelLeavesNothing() {
    QFETCH(QString, name);
    const fs::path dir = m_dir / ("cancel-" + QString::number(qHash(name)).toStdString());
    fs::create_directories(dir);
    const fs::path out = dir / name.toStdString();
    const bool folder = name.endsWith(u'/');
    const fs::path target = folder ? dir / "frames" : out;
    // An earlier result must survive a cancelled rewrite untouched.
    const auto old = mp::test::movingSquares(20, 16, 2, 8);
    encodeOrFail(old, out);
    const auto before = entries(dir);
    const std::string oldBytes = folder ? readAll(target / "00001.png") : readAll(target);

    const auto clip = mp::test::movingSquares(34, 26, 10, 8);
    mp::JobContext job;
    int reports = 0;
    job.progress = [&](const mp::ProgressEvent& e) {
        ++reports;
        QCOMPARE(e.stage, std::string("encode"));
        if (e.step == 3)
            job.cancel.cancel();
    };
    auto r = encodeVideo(clip, out, {}, job);
    QVERIFY(!r.ok());
    QVERIFY(r.cancelled());
    QCOMPARE(reports, 4);  // steps 0..3, then the check before frame 4 throws
    QCOMPARE(entries(dir), before);
    if (folder) {
        QCOMPARE(entries(target).size(), std::size_t(2));
        QCOMPARE(readAll(target / "00001.png"), oldBytes);
    } else {
        QCOMPARE(readAll(target), oldBytes);
    }
    auto still = decodeVideo(target);
    QVERIFY(still.ok());
    QCOMPARE(still.value().frameCount(), 2);
}

void TstVideoIo::cancelDecode() {
    for (const auto& path : {m_mkv24, m_folder24}) {
        mp::JobContext job;
        job.progress = [&](const mp::ProgressEvent& e) {
            if (e.step == 2)
                job.cancel.cancel();
        };
        auto r = decodeVideo(path, {}, job);
        QVERIFY(!r.ok());
        QVERIFY(r.cancelled());
    }
}

void TstVideoIo::replaceFrameFolder() {
    const fs::path dir = m_dir / "replace";
    fs::create_directories(dir);
    encodeOrFail(mp::test::movingSquares(34, 26, 8, 8), dir / "frames");
    const auto second = mp::test::movingSquares(20, 16, 3, 8);
    encodeOrFail(second, dir / "frames");
    QCOMPARE(entries(dir / "frames"),
             (std::set<std::string>{"00000.png", "00001.png", "00002.png"}));
    QCOMPARE(entries(dir), std::set<std::string>{"frames"});
    auto r = decodeVideo(dir / "frames");
    QVERIFY(r.ok());
    QVERIFY(sameFrames(r.value(), second));
}

void TstVideoIo::refuseForeignFolder() {
    // `--out ~/Videos/` must not replace a folder of the user's files, nor a file.
    const fs::path dir = m_dir / "foreign";
    fs::create_directories(dir / "mine");
    std::ofstream(dir / "mine" / "notes.txt") << "keep me";
    std::ofstream(dir / "mine" / "00000.png") << "not ours either way";
    std::ofstream(dir / "plain-file") << "keep me too";
    const auto clip = mp::test::movingSquares(20, 16, 2, 8);
    for (const char* target : {"mine", "plain-file"}) {
        auto r = encodeVideo(clip, dir / target, {});
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code(), mp::ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromUtf8(r.error().what()).contains(u": exists and is not a folder") ||
                     QString::fromUtf8(r.error().what()).contains(u"choose a new folder"),
                 r.error().what());
    }
    QCOMPARE(entries(dir / "mine"), (std::set<std::string>{"00000.png", "notes.txt"}));
    QCOMPARE(entries(dir), (std::set<std::string>{"mine", "plain-file"}));  // no temp left
}

void TstVideoIo::literalFileNames() {
    // FFmpeg reads "%d" as an image-sequence pattern and "proto:" as a protocol; our names are
    // plain local files.
    const auto clip = mp::test::movingSquares(34, 26, 3, 8);
    for (const char* name : {"clip%03d.mkv", "pipe:0.mkv", "a b #1.mkv"}) {
        const fs::path path = m_dir / name;
        encodeOrFail(clip, path);
        auto r = decodeVideo(path);
        QVERIFY2(r.ok(), r.ok() ? name : r.error().what());
        QVERIFY(sameFrames(r.value(), clip));
    }
}

void TstVideoIo::probeFacts() {
    const fs::path path = m_dir / "probe.mp4";
    encodeOrFail(mp::test::movingSquares(34, 26, 12, 12), path);
    auto info = probeVideo(path);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    const auto& s = info.value().source;
    QCOMPARE(s.frameCount, 12);
    QCOMPARE(s.fps, 12.0);
    QVERIFY(std::abs(s.durationSeconds - 1.0) < 0.01);
    QCOMPARE(s.codec, hasEncoder("libx264") ? "h264" : "mpeg4");
    QCOMPARE(s.pixelFormat, "yuv420p");
    QCOMPARE(info.value().width, 34);
    QCOMPARE(info.value().height, 26);
    QCOMPARE(s.rotation, 0);
    QVERIFY(!s.partial);
}

QTEST_APPLESS_MAIN(TstVideoIo)
#include "tst_video_io.moc"
