// motionprobe-cli's video commands as a user runs them: video-info, video-to-tensor,
// tensor-to-video, video-convert and compose, on videos the test writes with the engine.

#include "../engine/video_test_clips.h"
#include "../support/fixtures.h"
#include "cli_runner.h"
#include "io/safetensors.h"
#include "toy/world.h"
#include "video/video_io.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
using mp::test::both;
using mp::test::cli;
using mp::test::path;

std::vector<float> floats(const mp::SafetensorsFile& f, const mp::TensorEntry& e) {
    const auto bytes = f.bytes(e);
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}
}  // namespace

class TstCliVideo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void usage_data();
    void usage();
    void videoInfo();
    void videoInfoJson();
    void videoInfoErrors();
    void videoToTensorValues();
    void videoToTensorSelectAndResize();
    void tooFewFrames();
    void tensorToVideoRoundTrip();
    void tensorToVideoWatchable_data();
    void tensorToVideoWatchable();
    void tensorToVideoMissingName();
    void convert();
    void compose();
    void composeGridAndLabels();
    void generate_data();
    void generate();
    void generateEmbeddedDefault();
    void scoreAll();
    void scoreReversedMotion();
    void scoreErrors_data();
    void scoreErrors();
    void interrupt_data();
    void interrupt();
    void toyWorldDataset();
    void toyOracle_data();
    void toyOracle();
    void toyExamplesAreCurrent();
    void outOfMemory();

private:
    mp::test::TempDir m_dir;
    mp::video::Clip m_clip;  // 8 frames 34x26 at 8 fps
    fs::path m_frames, m_mp4;
};

void TstCliVideo::initTestCase() {
    m_clip = mp::test::movingSquares(34, 26, 8, 8);
    m_frames = m_dir / "frames";
    m_mp4 = m_dir / "clip.mp4";
    QVERIFY(mp::video::encodeVideo(m_clip, m_frames.string() + "/").ok());
    QVERIFY(mp::video::encodeVideo(m_clip, m_mp4).ok());
}

void TstCliVideo::usage_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("stream");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("listed") << QStringList{u"--help"_s} << 0 << "out"
                            << "video-to-tensor";
    QTest::newRow("video-info help") << QStringList{u"video-info"_s, u"-h"_s} << 0 << "out"
                                     << "usage: motionprobe-cli video-info PATH [--json]";
    QTest::newRow("video-to-tensor help")
        << QStringList{u"video-to-tensor"_s, u"--help"_s} << 0 << "out"
        << "--select MODE";
    QTest::newRow("tensor-to-video help")
        << QStringList{u"tensor-to-video"_s, u"--help"_s} << 0 << "out"
        << "--quality Q";
    QTest::newRow("compose help") << QStringList{u"compose"_s, u"--help"_s} << 0 << "out"
                                  << "--video PATH... [--label TEXT]...";
    QTest::newRow("video-info without path") << QStringList{u"video-info"_s} << 2 << "err"
                                             << "expects PATH";
    QTest::newRow("bad select") << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s,
                                               u"--out"_s,           u"y"_s,       u"--select"_s,
                                               u"every:2"_s}
                                << 2 << "err"
                                << "frame selection 'every:2'";
    QTest::newRow("bad size")
        << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s, u"--out"_s, u"y"_s,
                       u"--size"_s,          u"256"_s}
        << 2 << "err"
        << "--size expects WxH";
    QTest::newRow("bad layout")
        << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s, u"--out"_s, u"y"_s,
                       u"--layout"_s,        u"nchw"_s}
        << 2 << "err"
        << "layout 'nchw'";
    QTest::newRow("uniform without count")
        << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s, u"--out"_s, u"y"_s,
                       u"--select"_s,        u"uniform"_s}
        << 2 << "err"
        << "needs a frame count";
    QTest::newRow("bad deinterlace")
        << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s, u"--out"_s, u"y"_s,
                       u"--deinterlace"_s,   u"yes"_s}
        << 2 << "err"
        << "--deinterlace expects auto, on or off, got 'yes'";
    QTest::newRow("bad background")
        << QStringList{u"video-to-tensor"_s, u"--video"_s, u"x"_s, u"--out"_s, u"y"_s,
                       u"--background"_s,    u"#12345"_s}
        << 2 << "err"
        << "--background expects black, white, gray or #RRGGBB, got '#12345'";
    QTest::newRow("labels without videos")
        << QStringList{u"compose"_s, u"--video"_s, u"a.mp4"_s, u"--label"_s, u"a"_s,
                       u"--label"_s, u"b"_s,       u"--out"_s, u"o.mp4"_s}
        << 2 << "err"
        << "more --label options (2) than --video inputs (1)";
    QTest::newRow("bad quality") << QStringList{u"video-convert"_s, u"x"_s,         u"--out"_s,
                                                u"y.mp4"_s,         u"--quality"_s, u"200"_s}
                                 << 2 << "err"
                                 << "--quality expects an integer between 0 and 100";
}

void TstCliVideo::usage() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, stream);
    QFETCH(QString, phrase);
    const auto r = cli(args);
    QCOMPARE(r.code, code);
    QVERIFY2((stream == u"out" ? r.out : r.err).contains(phrase), qPrintable(both(r)));
}

void TstCliVideo::videoInfo() {
    const auto r = cli({u"video-info"_s, path(m_mp4)});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"size:      34x26"), qPrintable(both(r)));
    QVERIFY(r.out.contains(u"frames:    8"));
    QVERIFY(r.out.contains(u"fps:       8.000"));
    QVERIFY(r.out.contains(u"stored:    34x26"));
    QVERIFY(r.out.contains(u"aspect:    1:1"));
    const auto counted = cli({u"video-info"_s, path(m_mp4), u"--count-frames"_s});
    QCOMPARE(counted.code, 0);
    QVERIFY2(counted.out.contains(u"frames:    8\n"), qPrintable(both(counted)));
    const auto f = cli({u"video-info"_s, path(m_frames)});
    QCOMPARE(f.code, 0);
    QVERIFY2(f.out.contains(u"container: image-sequence"), qPrintable(both(f)));
    QVERIFY(f.out.contains(u"codec:     png (rgb24)"));
}

void TstCliVideo::videoInfoJson() {
    const auto r = cli({u"video-info"_s, path(m_mp4), u"--json"_s});
    QCOMPARE(r.code, 0);
    QJsonParseError error;
    const auto o = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(o[u"frames"_s].toInt(), 8);
    QCOMPARE(o[u"width"_s].toInt(), 34);
    QCOMPARE(o[u"height"_s].toInt(), 26);
    QCOMPARE(o[u"fps"_s].toDouble(), 8.0);
    QCOMPARE(o[u"rotation"_s].toInt(), 0);
    QCOMPARE(o[u"partial"_s].toBool(), false);
    QCOMPARE(o[u"codec"_s].toString(),
             QString::fromStdString(mp::video::hasEncoder("libx264") ? "h264" : "mpeg4"));
}

void TstCliVideo::videoInfoErrors() {
    auto r = cli({u"video-info"_s, path(m_dir / "nope.mp4")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(u"nope.mp4: file not found"), qPrintable(both(r)));
    // A webm cut at 70%: an error by default, a warning with --allow-partial.
    const fs::path good = m_dir / "long.webm";
    QVERIFY(mp::video::encodeVideo(mp::test::movingSquares(34, 26, 16, 8), good).ok());
    std::ifstream in(good, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    const auto bytes = s.str();
    std::ofstream(m_dir / "cut.webm", std::ios::binary) << bytes.substr(0, bytes.size() * 7 / 10);
    r = cli({u"video-info"_s, path(m_dir / "cut.webm")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(u"corrupt or truncated stream"), qPrintable(both(r)));
    r = cli({u"video-info"_s, path(m_dir / "cut.webm"), u"--allow-partial"_s});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.startsWith(u"warning: stream breaks off"), qPrintable(both(r)));
    // Counting every frame says how many decode.
    r = cli({u"video-info"_s, path(m_dir / "cut.webm"), u"--allow-partial"_s, u"--count-frames"_s});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.startsWith(u"warning: stream breaks off after frame"), qPrintable(both(r)));
}

void TstCliVideo::videoToTensorValues() {
    const fs::path out = m_dir / "t.safetensors";
    const auto r = cli({u"video-to-tensor"_s, u"--video"_s, path(m_frames), u"--out"_s, path(out)});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"video: [1, 3, 8, 26, 34] float32 bcfhw"), qPrintable(both(r)));
    const auto file = mp::SafetensorsFile::open(out);
    const auto* e = file.header().find("video");
    QVERIFY(e);
    QCOMPARE(e->dtype, mp::DType::F32);
    QCOMPARE(e->shape, (std::vector<std::int64_t>{1, 3, 8, 26, 34}));
    const auto v = floats(file, *e);
    for (int c = 0; c < 3; ++c)
        for (int f = 0; f < 8; ++f)
            for (int y = 0; y < 26; ++y)
                for (int x = 0; x < 34; ++x) {
                    const float expected = m_clip.pixel(f, x, y)[c] / 127.5f - 1.0f;
                    const float got = v[((c * 8 + f) * 26 + y) * 34 + x];
                    QVERIFY(std::abs(got - expected) < 1e-6f);
                }
    const auto& meta = file.header().metadata;
    QCOMPARE(QString::fromStdString(meta.at("frame_indices")), u"0,1,2,3,4,5,6,7"_s);
    QCOMPARE(QString::fromStdString(meta.at("fps")), u"8"_s);
    QCOMPARE(QString::fromStdString(meta.at("layout")), u"bcfhw"_s);
    QCOMPARE(QString::fromStdString(meta.at("range")), u"-1,1"_s);
    QCOMPARE(QString::fromStdString(meta.at("source")), path(m_frames));
    QCOMPARE(QString::fromStdString(meta.at("source_frames")), u"8"_s);
}

void TstCliVideo::videoToTensorSelectAndResize() {
    const fs::path out = m_dir / "u.safetensors";
    const auto r = cli({u"video-to-tensor"_s, u"--video"_s, path(m_mp4), u"--out"_s, path(out),
                        u"--frames"_s, u"4"_s, u"--select"_s, u"uniform"_s, u"--size"_s, u"16x12"_s,
                        u"--layout"_s, u"cogvideox"_s, u"--range"_s, u"0,1"_s});
    QCOMPARE(r.code, 0);
    const auto file = mp::SafetensorsFile::open(out);
    const auto* e = file.header().find("video");
    QVERIFY(e);
    QCOMPARE(e->shape, (std::vector<std::int64_t>{1, 4, 3, 12, 16}));
    // linspace(0, 7, 4) = 0, 2.33, 4.67, 7.
    QCOMPARE(QString::fromStdString(file.header().metadata.at("frame_indices")), u"0,2,5,7"_s);
    QCOMPARE(QString::fromStdString(file.header().metadata.at("layout")), u"bfchw"_s);
    const auto v = floats(file, *e);
    QVERIFY(*std::min_element(v.begin(), v.end()) >= 0.0f);
    QVERIFY(*std::max_element(v.begin(), v.end()) <= 1.0f);
}

void TstCliVideo::tooFewFrames() {
    const fs::path out = m_dir / "few.safetensors";
    const auto r = cli({u"video-to-tensor"_s, u"--video"_s, path(m_mp4), u"--out"_s, path(out),
                        u"--frames"_s, u"32"_s});
    QCOMPARE(r.code, 2);  // --frames asks for more than the video has
    QVERIFY2(r.err.contains(path(m_mp4) + u": asked for 32 frames but the video has 8"_s),
             qPrintable(both(r)));
    QVERIFY(!fs::exists(out));
}

void TstCliVideo::tensorToVideoRoundTrip() {
    // Frames -> tensor -> PNG frames is lossless.
    const fs::path t = m_dir / "rt.safetensors";
    QCOMPARE(cli({u"video-to-tensor"_s, u"--video"_s, path(m_frames), u"--out"_s, path(t),
                  u"--layout"_s, u"bfchw"_s})
                 .code,
             0);
    const fs::path back = m_dir / "back";
    const auto r =
        cli({u"tensor-to-video"_s, u"--tensor"_s, path(t), u"--out"_s, path(back) + u"/"_s});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"8 frames 34x26 at 8 fps (png"), qPrintable(both(r)));
    auto decoded = mp::video::decodeVideo(back);
    QVERIFY(decoded.ok());
    QVERIFY(decoded.value().frames == m_clip.frames);
}

void TstCliVideo::tensorToVideoWatchable_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("mp4") << "w.mp4";
    QTest::newRow("webm") << "w.webm";
    QTest::newRow("gif") << "w.gif";
    QTest::newRow("mkv") << "w.mkv";
}

void TstCliVideo::tensorToVideoWatchable() {
    QFETCH(QString, name);
    const fs::path t = m_dir / "w.safetensors";
    if (!fs::exists(t))
        QCOMPARE(cli({u"video-to-tensor"_s, u"--video"_s, path(m_mp4), u"--out"_s, path(t)}).code,
                 0);
    const fs::path out = m_dir / name.toStdString();
    const auto r = cli(
        {u"tensor-to-video"_s, u"--tensor"_s, path(t), u"--out"_s, path(out), u"--fps"_s, u"12"_s});
    QCOMPARE(r.code, 0);
    auto info = mp::video::probeVideo(out);
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    QCOMPARE(info.value().source.frameCount, 8);
    QVERIFY(std::abs(info.value().source.fps - 12) < 0.5);
    QCOMPARE(info.value().width, 34);
    // Nothing but the result beside it.
    for (const auto& e : fs::directory_iterator(m_dir.path()))
        QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());
}

void TstCliVideo::tensorToVideoMissingName() {
    const fs::path t = m_dir / "n.safetensors";
    QCOMPARE(cli({u"video-to-tensor"_s, u"--video"_s, path(m_frames), u"--out"_s, path(t),
                  u"--name"_s, u"latents"_s})
                 .code,
             0);
    // The file's only tensor is used when --name is not given.
    auto r =
        cli({u"tensor-to-video"_s, u"--tensor"_s, path(t), u"--out"_s, path(m_dir / "only.gif")});
    QCOMPARE(r.code, 0);
    r = cli({u"tensor-to-video"_s, u"--tensor"_s, path(t), u"--name"_s, u"video"_s, u"--out"_s,
             path(m_dir / "x.mp4")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(u"no tensor 'video' (it holds: latents)"), qPrintable(both(r)));
    QVERIFY(!fs::exists(m_dir / "x.mp4"));
}

void TstCliVideo::convert() {
    const fs::path gif = m_dir / "c.gif";
    auto r = cli(
        {u"video-convert"_s, path(m_frames), u"--out"_s, path(gif), u"--select"_s, u"stride:2"_s});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"4 frames 34x26 at 4 fps (gif"), qPrintable(both(r)));
    const fs::path folder = m_dir / "c-frames";
    r = cli({u"video-convert"_s, path(m_mp4), u"--out"_s, path(folder) + u"/"_s, u"--size"_s,
             u"20x20"_s});
    QCOMPARE(r.code, 0);
    QVERIFY(fs::exists(folder / "00007.png"));
    QVERIFY(!fs::exists(folder / "00008.png"));
}

void TstCliVideo::compose() {
    const fs::path out = m_dir / "cmp.mp4";
    const auto r =
        cli({u"compose"_s, u"--video"_s, path(m_frames), u"--label"_s, u"original"_s, u"--video"_s,
             path(m_mp4), u"--label"_s, u"resample t=600"_s, u"--out"_s, path(out)});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"2 inputs, 8 frames 72x26"), qPrintable(both(r)));
    auto info = mp::video::probeVideo(out);
    QVERIFY(info.ok());
    QCOMPARE(info.value().width, 72);
    QCOMPARE(info.value().source.frameCount, 8);
}

void TstCliVideo::composeGridAndLabels() {
    // PNG output keeps the pixels exact: the label ink is white, the band is darkened.
    const fs::path out = m_dir / "grid";
    const auto r = cli({u"compose"_s, u"--video"_s, path(m_frames), u"--label"_s, u"TOP"_s,
                        u"--video"_s, path(m_frames), u"--video"_s, path(m_frames), u"--out"_s,
                        path(out) + u"/"_s, u"--columns"_s, u"2"_s, u"--gap"_s, u"2"_s});
    QCOMPARE(r.code, 0);
    auto grid = mp::video::decodeVideo(out);
    QVERIFY(grid.ok());
    const auto& g = grid.value();
    QCOMPARE(g.width, 2 * 34 + 2);
    QCOMPARE(g.height, 2 * 26 + 2);
    // 'T' at scale 1 starts at (2, 2) with a full top bar.
    for (int x = 2; x < 7; ++x)
        QVERIFY(std::memcmp(g.pixel(0, x, 2), "\xff\xff\xff", 3) == 0);
    // Second cell (no label) equals the input frame exactly; the empty fourth cell is background.
    QVERIFY(std::memcmp(g.pixel(3, 36 + 5, 20), m_clip.pixel(3, 5, 20), 3) == 0);
    QVERIFY(std::memcmp(g.pixel(0, 36 + 20, 28 + 20), "\x10\x10\x10", 3) == 0);
}

// generate: text to video end to end on the golden diffusers-format ModelScope folder (tiny
// random weights), as a user runs it.
void TstCliVideo::generate_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("out");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("mp4") << QStringList{u"--frames"_s, u"4"_s} << u"clip.mp4"_s << 0 << u""_s;
    QTest::newRow("tensors") << QStringList{u"--frames"_s, u"3"_s, u"--width"_s, u"24"_s}
                             << u"clip.safetensors"_s << 0 << u""_s;
    QTest::newRow("bad size") << QStringList{u"--height"_s, u"15"_s} << u"x.mp4"_s << 2
                              << u"multiples of 2"_s;
    QTest::newRow("bad steps") << QStringList{u"--steps"_s, u"0"_s} << u"x.mp4"_s << 2
                               << u"--steps"_s;
    QTest::newRow("not a pipeline") << QStringList{u"--model"_s, u"/nonexistent"_s} << u"x.mp4"_s
                                    << 1 << u"no model_index.json"_s;
    QTest::newRow("missing LoRA") << QStringList{u"--lora"_s, u"/nonexistent.safetensors"_s}
                                  << u"x.mp4"_s << 1 << u"--lora /nonexistent.safetensors"_s;
    QTest::newRow("LoRA gate without a LoRA")
        << QStringList{u"--lora-min-t"_s, u"700"_s} << u"x.mp4"_s << 2 << u"need --lora FILE"_s;
}

// Without --model, generate runs the embedded toy model shipped in resources/ (found from the
// build through the source tree), at its default 16 frames of 64×64.
void TstCliVideo::generateEmbeddedDefault() {
    mp::test::TempDir dir;
    const auto r =
        cli({u"generate"_s, u"--prompt"_s, u"a blue square moves up on a black background"_s,
             u"--steps"_s, u"2"_s, u"--out"_s, path(dir / "x.mp4")});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    // The model that ran is the shipped one: its channels as its config gives them.
    QFile config(
        QString::fromStdString((std::filesystem::path(MP_TEST_DATA_DIR) / ".." / ".." /
                                "resources" / "models" / "toy" / "t2v" / "unet" / "config.json")
                                   .string()));
    QVERIFY(config.open(QIODevice::ReadOnly));
    QStringList channels;
    for (const auto& c :
         QJsonDocument::fromJson(config.readAll())[u"block_out_channels"_s].toArray())
        channels << QString::number(c.toInt());
    QVERIFY(channels.size() >= 2);
    QVERIFY2(r.out.contains(u"channels ["_s + channels.join(u", "_s) + u"]"_s),
             qPrintable(both(r)));
    auto info = mp::video::probeVideo(dir / "x.mp4");
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    QCOMPARE(info.value().source.frameCount, std::int64_t{16});
    QCOMPARE(info.value().width, 64);
    QCOMPARE(info.value().height, 64);
}

void TstCliVideo::generate() {
    QFETCH(QStringList, extra);
    QFETCH(QString, out);
    QFETCH(int, code);
    QFETCH(QString, phrase);
    mp::test::TempDir dir;
    const auto model = fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / "pipeline";
    QStringList args{u"generate"_s,
                     u"--prompt"_s,
                     u"a red circle moves right"_s,
                     u"--steps"_s,
                     u"3"_s,
                     u"--seed"_s,
                     u"7"_s,
                     u"--quiet"_s,
                     u"--out"_s,
                     path(dir / out.toStdString())};
    if (!extra.contains(u"--model"_s))
        args << u"--model"_s << path(model);
    args << extra;
    const auto r = cli(args);
    QVERIFY2(r.code == code, qPrintable(both(r)));
    if (code != 0) {
        QVERIFY2(r.err.contains(phrase), qPrintable(both(r)));
        QVERIFY(!fs::exists(dir / out.toStdString()));
        return;
    }
    QVERIFY2(r.out.contains(u"3 steps on cpu fp32"_s), qPrintable(both(r)));
    if (out.endsWith(u".mp4"_s)) {
        auto info = mp::video::probeVideo(dir / out.toStdString());
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
        QCOMPARE(info.value().source.frameCount, std::int64_t{4});
        QCOMPARE(info.value().width, 16);  // the folder's default: sample_size 8 × VAE factor 2
        QCOMPARE(info.value().height, 16);
    } else {
        const auto f = mp::SafetensorsFile::open(dir / out.toStdString());
        const auto& video = *f.header().find("video");
        QCOMPARE(video.shape, (std::vector<std::int64_t>{1, 3, 3, 16, 24}));
        const auto v = floats(f, video);
        QVERIFY(*std::min_element(v.begin(), v.end()) >= 0.0f);
        QVERIFY(*std::max_element(v.begin(), v.end()) <= 1.0f);
        QVERIFY(*std::max_element(v.begin(), v.end()) > *std::min_element(v.begin(), v.end()));
        QVERIFY(f.header().find("video")->dtype == mp::DType::F32);
        QCOMPARE(f.header().find("latents")->shape, (std::vector<std::int64_t>{1, 4, 3, 8, 12}));
        QCOMPARE(f.header().metadata.at("seed"), std::string("7"));
    }
}

namespace {
const fs::path kClipGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "clip_model";

// The scores of a `score --json` run by "metric/variant".
std::map<QString, QJsonObject> scoresByName(const QString& out) {
    std::map<QString, QJsonObject> m;
    const auto doc = QJsonDocument::fromJson(out.toUtf8());
    for (const auto& v : doc.object().value(u"scores"_s).toArray()) {
        const auto o = v.toObject();
        m[o.value(u"metric"_s).toString() + u"/"_s + o.value(u"variant"_s).toString()] = o;
    }
    return m;
}
}  // namespace

void TstCliVideo::scoreAll() {
    // The clip against itself: every metric present and named; the changes are 0, the
    // preference is a coin toss and the flow similarity is exactly 1.
    const auto r = cli({u"score"_s, u"--video"_s, path(m_frames), u"--reference"_s, path(m_mp4),
                        u"--prompt"_s, u"a red square moves right"_s, u"--scorer"_s,
                        path(kClipGolden / "gelu"), u"--pickscore"_s,
                        path(kClipGolden / "quick-gelu"), u"--batch"_s, u"3"_s, u"--json"_s});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    auto s = scoresByName(r.out);
    for (const auto* name :
         {"text_alignment/tgve", "text_alignment/torchmetrics", "text_alignment_change/tgve",
          "temporal_consistency/consecutive", "temporal_consistency/all-pairs",
          "pickscore/mean-over-frames", "pickscore_change/mean-over-frames",
          "pickscore_preference/vs-reference", "flow_similarity/lucas-kanade"})
        QVERIFY2(s.count(QString::fromLatin1(name)), name);
    QCOMPARE(s[u"text_alignment/tgve"_s].value(u"backbone"_s).toString(),
             u"gelu (ViT-3x40/7@28px)"_s);
    QCOMPARE(s[u"pickscore/mean-over-frames"_s].value(u"backbone"_s).toString(),
             u"quick-gelu (ViT-2x32/6@30px)"_s);
    QCOMPARE(s[u"text_alignment/tgve"_s].value(u"per_item"_s).toArray().size(), 8);
    QCOMPARE(s[u"temporal_consistency/all-pairs"_s].value(u"per_item"_s).toArray().size(), 28);
    // The reference is the mp4 of the same clip: lossy, so the changes are small, not 0.
    QVERIFY(std::abs(s[u"text_alignment_change/tgve"_s].value(u"value"_s).toDouble()) < 0.5);
    QVERIFY(std::abs(s[u"pickscore_preference/vs-reference"_s].value(u"value"_s).toDouble() - 0.5) <
            0.1);
    const auto flow = s[u"flow_similarity/lucas-kanade"_s];
    QVERIFY2(flow.value(u"value"_s).toDouble() > 0.9, qPrintable(both(r)));
    QCOMPARE(flow.value(u"params"_s).toObject().value(u"win_size"_s).toDouble(), 15.0);
    QVERIFY(
        QJsonDocument::fromJson(r.out.toUtf8()).object().value(u"skipped"_s).toArray().isEmpty());

    // Without --json: one line per score.
    const auto text = cli({u"score"_s, u"--video"_s, path(m_frames), u"--prompt"_s, u"x"_s,
                           u"--scorer"_s, path(kClipGolden / "gelu")});
    QVERIFY2(text.code == 0, qPrintable(both(text)));
    QVERIFY2(text.out.contains(u"text_alignment [tgve] gelu (ViT-3x40/7@28px): "_s),
             qPrintable(both(text)));
    QVERIFY2(text.out.contains(u"flow_similarity: skipped (no --reference video)"_s),
             qPrintable(both(text)));
}

void TstCliVideo::scoreReversedMotion() {
    // The squares of the reference move the other way: the flow similarity goes negative.
    mp::test::TempDir dir;
    auto reversed = m_clip;
    std::reverse(reversed.frames.begin(), reversed.frames.end());
    QVERIFY(mp::video::encodeVideo(reversed, (dir / "rev").string() + "/").ok());
    const auto r = cli({u"score"_s, u"--video"_s, path(m_frames), u"--reference"_s,
                        path(dir / "rev"), u"--prompt"_s, u"x"_s, u"--json"_s});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    const double v =
        scoresByName(r.out)[u"flow_similarity/lucas-kanade"_s].value(u"value"_s).toDouble();
    qInfo("reversed: flow similarity %.4f", v);
    QVERIFY2(v < -0.5, qPrintable(both(r)));
}

void TstCliVideo::scoreErrors_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("nothing to score") << QStringList{} << 2 << u"nothing to score"_s;
    QTest::newRow("processor without pickscore")
        << QStringList{u"--reference"_s, u"x"_s, u"--pickscore-processor"_s, u"y"_s} << 2
        << u"--pickscore-processor needs --pickscore"_s;
    QTest::newRow("not a clip folder")
        << QStringList{u"--scorer"_s, QString::fromLatin1(MP_TEST_DATA_DIR)} << 1
        << u"not a usable CLIPModel folder"_s;
    QTest::newRow("frame counts differ")
        << QStringList{u"--reference"_s, u"SHORT"_s} << 2 << u"--reference has 5 frames"_s;
    QTest::newRow("missing video")
        << QStringList{u"--reference"_s, u"/nonexistent.mp4"_s} << 1 << u"/nonexistent.mp4"_s;
}

void TstCliVideo::scoreErrors() {
    QFETCH(QStringList, extra);
    QFETCH(int, code);
    QFETCH(QString, phrase);
    mp::test::TempDir dir;
    auto shortClip = m_clip;
    shortClip.frames.resize(5);
    QVERIFY(mp::video::encodeVideo(shortClip, (dir / "short").string() + "/").ok());
    extra.replaceInStrings(u"SHORT"_s, path(dir / "short"));
    const auto r = cli(
        QStringList{u"score"_s, u"--video"_s, path(m_frames), u"--prompt"_s, u"x"_s, u"--json"_s} +
        extra);
    QVERIFY2(r.code == code, qPrintable(both(r)));
    QVERIFY2(r.err.contains(phrase), qPrintable(both(r)));
    QVERIFY(r.out.isEmpty());
}

// Ctrl-C as a user presses it: a real SIGINT to a running command. The command stops at its next
// step, removes what it was writing and exits 130; the output folder is left empty.
void TstCliVideo::interrupt_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("stage");  // the progress line after which Ctrl-C is pressed
    QTest::addColumn<int>("signal");
    QTest::addColumn<int>("times");
    QTest::newRow("generate") << u"generate"_s << u"denoise"_s << SIGINT << 1;
    QTest::newRow("video-convert") << u"video-convert"_s << u"encode"_s << SIGINT << 1;
    QTest::newRow("compose") << u"compose"_s << u"encode"_s << SIGINT << 1;
    QTest::newRow("score") << u"score"_s << u"flow"_s << SIGINT << 1;
    QTest::newRow("probe") << u"probe"_s << u"probe"_s << SIGINT << 1;
    // `timeout` sends SIGTERM to the command and to its process group: a repeated SIGTERM is
    // still an orderly stop (only a second Ctrl-C means "now").
    QTest::newRow("generate, SIGTERM twice") << u"generate"_s << u"denoise"_s << SIGTERM << 2;
}

void TstCliVideo::interrupt() {
    QFETCH(QString, command);
    QFETCH(QString, stage);
    QFETCH(int, signal);
    QFETCH(int, times);
    // Long enough inputs that the work is still running when the signal arrives.
    static const fs::path longVideo = [this] {
        const auto p = m_dir / "long.mkv";
        const auto clip = mp::test::movingSquares(320, 240, 400, 25);
        if (!mp::video::encodeVideo(clip, p).ok())
            qFatal("could not write the long input");
        return p;
    }();
    mp::test::TempDir out;
    const auto model = fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / "pipeline";
    QStringList args{command};
    if (command == u"generate")
        args << u"--model"_s << path(model) << u"--prompt"_s << u"a red circle"_s << u"--steps"_s
             << u"900"_s << u"--frames"_s << u"16"_s << u"--out"_s << path(out / "x.mp4");
    else if (command == u"video-convert")
        args << path(longVideo) << u"--out"_s << path(out / "x.gif");
    else if (command == u"probe")
        // Few inversion steps, so the long probe stage starts well inside the deadline even when
        // other tests share the CPU; the probe stage then has hundreds of evaluations to go.
        args << u"--demo"_s << u"--steps"_s << u"20"_s << u"--interval"_s << u"100"_s << u"--out"_s
             << path(out / "run");
    else if (command == u"compose")
        args << u"--video"_s << path(longVideo) << u"--video"_s << path(longVideo) << u"--out"_s
             << path(out / "x.gif");
    else
        args << u"--video"_s << path(longVideo) << u"--reference"_s << path(longVideo)
             << u"--prompt"_s << u"a square"_s;
    args << u"--progress"_s << u"always"_s;

    QProcess p;
    QString err = mp::test::startUntil(
        p, args, [&](const QString& e) { return e.contains(stage + u' '); }, 60000);
    QVERIFY2(p.state() == QProcess::Running,
             qPrintable(u"finished before it could be interrupted:\n"_s + err));
    QVERIFY2(err.contains(stage + u' '), qPrintable(err));
    for (int i = 0; i < times; ++i) {
        if (i > 0)
            QTest::qWait(50);  // after the first was handled: pending signals would merge
        ::kill(static_cast<pid_t>(p.processId()), signal);
    }
    QVERIFY(p.waitForFinished(60000));
    err += QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 128 + signal,
             qPrintable(QString::number(p.exitCode()) + u"\n"_s + err));
    QVERIFY2(err.contains(u"interrupted; nothing was written"_s), qPrintable(err));
    QVERIFY(p.readAllStandardOutput().isEmpty());
    QStringList left;
    for (const auto& e : fs::directory_iterator(out.path()))
        left << path(e.path());
    QVERIFY2(left.isEmpty(), qPrintable(left.join(u", "_s)));
}

// Asking for far more than the machine has ends with one clear message, not LibTorch's text and
// a C++ stack trace.
void TstCliVideo::outOfMemory() {
    // 256 GiB of initial noise fails where the kernel refuses allocations beyond what it has
    // (Linux's default heuristic); with overcommit always on it would be attempted.
    QFile overcommit(u"/proc/sys/vm/overcommit_memory"_s);
    if (overcommit.open(QIODevice::ReadOnly) && overcommit.readAll().trimmed() == "1")
        QSKIP("the kernel overcommits memory: a 256 GiB allocation would be attempted");
    mp::test::TempDir out;
    const auto model = fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / "pipeline";
    const auto r = cli({u"generate"_s, u"--model"_s, path(model), u"--prompt"_s, u"a red circle"_s,
                        u"--frames"_s, u"1024"_s, u"--height"_s, u"8192"_s, u"--width"_s, u"8192"_s,
                        u"--out"_s, path(out / "x.mp4")});
    QVERIFY2(r.code == 1, qPrintable(both(r)));
    QVERIFY2(
        r.err.contains(u"out of memory while drawing the initial noise "
                       "[1, 4, 1024, 4096, 4096] float32: one allocation of 256.0 GiB failed"_s),
        qPrintable(r.err));
    QVERIFY2(r.err.contains(u"use fewer frames, a smaller size or batch"_s), qPrintable(r.err));
    QVERIFY2(!r.err.contains(u"alloc_cpu"_s) && !r.err.contains(u"frame #"_s) &&
                 !r.err.contains(u"Exception raised"_s),
             qPrintable(r.err));
    QVERIFY(fs::is_empty(out.path()));
}

// The toy world as a TGVE-layout dataset: the CSV, one frame folder and one ground truth per
// clip, and no partial folder.
void TstCliVideo::toyWorldDataset() {
    const auto out = m_dir / "toy";
    auto r =
        cli({u"toy-world"_s, u"--out"_s, path(out), u"--clips"_s, u"3"_s, u"--seed"_s, u"5"_s});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QFile csv(QString::fromStdString((out / "LOVEU-TGVE-2023_Dataset.csv").string()));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(csv.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);  // header, group row, three clips
    QVERIFY(lines[0].startsWith(u"Video name,Our GT caption,Style Change Caption,"_s));
    QCOMPARE(lines[2].split(u',').size(), 6);
    QVERIFY(lines[2].startsWith(u"toy-0000,a"_s));
    for (int i = 0; i < 3; ++i) {
        const auto name = u"toy-000%1"_s.arg(i).toStdString();
        auto info = mp::video::probeVideo(out / "480p_frames" / name);
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
        QCOMPARE(info.value().source.frameCount, std::int64_t{16});
        QCOMPARE(info.value().width, 64);
        QFile truth(QString::fromStdString((out / "ground_truth" / (name + ".json")).string()));
        QVERIFY(truth.open(QIODevice::ReadOnly));
        const auto j = QJsonDocument::fromJson(truth.readAll()).object();
        QCOMPARE(j[u"seed"_s].toInt(), 5 + i);
        QCOMPARE(j[u"subjects"_s].toArray()[0].toObject()[u"track"_s].toArray().size(), 16);
        QCOMPARE(j[u"edits"_s].toObject().keys(),
                 (QStringList{u"background"_s, u"multiple"_s, u"object"_s, u"style"_s}));
    }
    // Never over an existing folder; nothing left behind.
    r = cli({u"toy-world"_s, u"--out"_s, path(out), u"--clips"_s, u"1"_s});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(u"already exists"_s), qPrintable(both(r)));
    for (const auto& e : fs::directory_iterator(m_dir.path()))
        QVERIFY2(e.path().filename().string().find(".partial-") == std::string::npos,
                 e.path().c_str());
}

void TstCliVideo::toyOracle_data() {
    QTest::addColumn<QString>("edit");     // which clip of the dataset row is checked
    QTest::addColumn<bool>("appearance");  // does it follow the original caption
    QTest::addColumn<bool>("motion");      // is the original's motion preserved
    QTest::newRow("the clip itself") << u""_s << true << true;
    QTest::newRow("object edit") << u"object"_s << false << true;
}

// toy-oracle on a clip written by toy-world: the caption holds for the clip and fails for an
// object edit, whose motion is still the original's.
void TstCliVideo::toyOracle() {
    QFETCH(QString, edit);
    QFETCH(bool, appearance);
    QFETCH(bool, motion);
    const auto spec = mp::toy::randomClip(11);
    const auto shown = edit.isEmpty() ? spec : mp::toy::edit(spec, mp::toy::EditKind::Object, 3);
    mp::test::TempDir dir;
    const auto write = [&](const mp::toy::ClipSpec& c, const char* name) {
        const auto f = mp::toy::render(c);
        mp::video::Clip clip;
        clip.width = f.width;
        clip.height = f.height;
        clip.fps = 8;
        clip.frames = f.frames;
        const auto p = dir / name;
        QVERIFY(mp::video::encodeVideo(clip, p.string() + "/").ok());
    };
    write(spec, "original");
    write(shown, "shown");
    const auto r = cli({u"toy-oracle"_s, u"--video"_s, path(dir / "shown"), u"--caption"_s,
                        QString::fromStdString(mp::toy::caption(spec)), u"--reference"_s,
                        path(dir / "original"), u"--json"_s});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const auto a = j[u"appearance_follows_caption"_s].toObject();
    QCOMPARE(a[u"colour"_s].toBool() && a[u"shape"_s].toBool(), appearance);
    QVERIFY(a[u"background"_s].toBool());
    const auto m = j[u"motion_preserved"_s].toObject();
    QCOMPARE(m[u"same_path"_s].toBool(), motion);
    QVERIFY(m[u"trajectory_similarity"_s].toDouble() > 0.95);
    QCOMPARE(j[u"subjects"_s].toArray()[0].toObject()[u"path"_s].toString(),
             QString::fromLatin1(mp::toy::pathName(spec.subjects[0].path)));
}

// resources/examples/toy-tgve is what `toy-world --clips 16 --seed 2000000000` writes: the
// captions, the ground truth and every pixel (PNG is lossless).
void TstCliVideo::toyExamplesAreCurrent() {
    const fs::path examples =
        fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "examples" / "toy-tgve";
    const auto fresh = m_dir / "toy-examples";
    const auto r = cli({u"toy-world"_s, u"--out"_s, path(fresh), u"--clips"_s, u"16"_s, u"--seed"_s,
                        u"2000000000"_s});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    const auto read = [](const fs::path& p) {
        QFile f(QString::fromStdString(p.string()));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const auto csv = read(examples / "LOVEU-TGVE-2023_Dataset.csv");
    QVERIFY(!csv.isEmpty());
    QCOMPARE(csv, read(fresh / "LOVEU-TGVE-2023_Dataset.csv"));
    for (int i = 0; i < 16; ++i) {
        const auto name = u"toy-%1"_s.arg(i, 4, 10, QChar(u'0')).toStdString();
        QCOMPARE(read(examples / "ground_truth" / (name + ".json")),
                 read(fresh / "ground_truth" / (name + ".json")));
        const auto a = mp::video::decodeVideo(examples / "480p_frames" / name);
        const auto b = mp::video::decodeVideo(fresh / "480p_frames" / name);
        QVERIFY(a.ok() && b.ok());
        QVERIFY2(a.value().frames == b.value().frames, name.c_str());
    }
}

QTEST_GUILESS_MAIN(TstCliVideo)
#include "tst_cli_video.moc"
