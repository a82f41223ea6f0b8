// motionprobe-cli probe as a user runs it: the demo, bad input, many videos, and a probe killed
// outright and run again (docs/probe.md). Apart from the video commands' tests so that each
// executable stays well inside its time limit on two cores.

#include "../support/fixtures.h"
#include "cli_runner.h"
#include "io/safetensors.h"
#include "video/video_io.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>

#include <csignal>
#include <fstream>
#include <iterator>

using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
using mp::test::both;
using mp::test::cli;
using mp::test::path;

// Starts the CLI with `args` and kills it outright (SIGKILL) once `checkpoints` holds a training
// checkpoint; returns what went wrong, or nothing.
QString killAtFirstCheckpoint(const QStringList& args, const fs::path& checkpoints) {
    QProcess p;
    const auto hasCheckpoint = [&](const QString&) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(checkpoints, ec))
            if (e.path().extension() == ".safetensors")
                return true;
        return false;
    };
    const auto err = mp::test::startUntil(p, args, hasCheckpoint, 300000);
    if (p.state() != QProcess::Running)
        return u"finished before it could be killed:\n"_s + err;
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    return p.waitForFinished(30000) ? QString() : u"still running after SIGKILL"_s;
}
}  // namespace

class TstCliProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void customizeDemo();
    void customizeResumesAfterKill();
    void customizeRestartsForOtherContents_data();
    void customizeRestartsForOtherContents();
    void probeDemo();
    void badInput_data();
    void badInput();
    void probeDataset();
    void probeResumesAfterKill();
    void storeKeyFollowsWeights_data();
    void storeKeyFollowsWeights();
    void probeFrames();
    void customizeFrames();
    void shortReference_data();
    void shortReference();
};

// The probe on a shipped example with the embedded model, as the README runs it (few steps).
// customize --demo at a tiny size: both LoRA files (τ and unconstrained) load as LoRAs with their
// τ, one sample per variant, the side-by-side video, and the report with the oracle's verdicts.
void TstCliProbe::customizeDemo() {
    mp::test::TempDir dir;
    const auto out = dir / "custom";
    const auto r = cli({u"customize"_s, u"--demo"_s, u"--example"_s, u"1"_s, u"--tau"_s, u"600"_s,
                        u"--steps"_s, u"3"_s, u"--sample-steps"_s, u"3"_s, u"--out"_s, path(out)});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    for (const char* f :
         {"lora-tau600.safetensors", "lora-unconstrained.safetensors", "side-by-side.mp4",
          "samples/p0-s0-base.mp4", "samples/p0-s0-tau600.mp4", "samples/p0-s0-unconstrained.mp4"})
        QVERIFY2(std::filesystem::exists(out / f), f);
    QFile f(QString::fromStdString((out / "report.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = QJsonDocument::fromJson(f.readAll()).object();
    const auto trainings = j[u"trainings"_s].toArray();
    QCOMPARE(trainings.size(), 2);
    QCOMPARE(trainings[0].toObject()[u"tau"_s].toInt(), 600);
    QVERIFY(trainings[0].toObject()[u"timesteps"_s].toArray()[0].toInt() >= 600);
    const auto samples = j[u"samples"_s].toArray();
    QCOMPARE(samples.size(), 3);
    // The oracle's verdicts (with the reference appearance's leak per changed attribute) and
    // the paper's metrics beside them (text alignment, temporal consistency, flow similarity).
    for (const auto& v : samples) {
        const auto o = v.toObject();
        QVERIFY(o[u"oracle"_s].toObject()[u"leak"_s].isObject());
        QVERIFY(o[u"clip_text"_s].isDouble());
        const auto consistency = o[u"temporal_consistency"_s];
        QVERIFY(consistency.isDouble());
        QVERIFY(consistency.toDouble() > 0 && consistency.toDouble() <= 1.0 + 1e-9);
        QVERIFY(o.contains(u"flow_similarity"_s));
    }
    QVERIFY(j[u"scorer"_s].toObject()[u"backbone"_s].toString().startsWith(u"clip"_s));
    // The frames it was trained on, named in the file (16 hex digits).
    const auto lora = mp::SafetensorsFile::open(out / "lora-tau600.safetensors");
    const auto& meta = lora.header().metadata;
    QVERIFY(meta.count("motionprobe.video_fingerprint"));
    QVERIFY(QRegularExpression(u"^[0-9a-f]{16}$"_s)
                .match(QString::fromStdString(meta.at("motionprobe.video_fingerprint")))
                .hasMatch());
    auto info = mp::video::probeVideo(out / "side-by-side.mp4");
    QVERIFY2(info.ok(), info.ok() ? "" : info.error().what());
    QCOMPARE(info.value().source.frameCount, std::int64_t{16});
}

// Checkpoints of a killed customize are not taken up by a run on the same paths whose contents
// changed (the model's weights or config, or the video's frames): it starts afresh and says so.
void TstCliProbe::customizeRestartsForOtherContents_data() {
    QTest::addColumn<QString>("change");
    QTest::newRow("model") << u"model"_s;
    QTest::newRow("video") << u"video"_s;
}

void TstCliProbe::customizeRestartsForOtherContents() {
    QFETCH(QString, change);
    mp::test::TempDir dir;
    const auto model = dir / "model";
    fs::copy(fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "models" / "toy" / "t2v",
             model, fs::copy_options::recursive);
    const auto video = dir / "video";
    const auto example = fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "examples" /
                         "toy-tgve" / "480p_frames" / "toy-0000";
    fs::copy(example, video);
    const QStringList args{u"customize"_s,
                           u"--model"_s,
                           path(model),
                           u"--video"_s,
                           path(video),
                           u"--caption"_s,
                           u"a red circle moves from left to right"_s,
                           u"--prompt"_s,
                           u"a blue square moves from left to right"_s,
                           u"--steps"_s,
                           u"60"_s,
                           u"--no-unconstrained"_s,
                           u"--sample-steps"_s,
                           u"2"_s,
                           u"--out"_s,
                           path(dir / "a")};
    const auto failure = killAtFirstCheckpoint(args, dir / ".a.checkpoints" / "tau700");
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    if (change == u"model"_s) {
        std::ofstream(model / "unet" / "config.json", std::ios::app) << "\n";
    } else {  // the first frame replaced by the last: same count, same size, other pixels
        fs::copy_file(video / "00015.png", video / "00000.png",
                      fs::copy_options::overwrite_existing);
    }
    const auto rerun = cli(args, 300000);
    QVERIFY2(rerun.code == 0, qPrintable(both(rerun)));
    QVERIFY2(rerun.err.contains(u"holds checkpoints of other settings"_s), qPrintable(both(rerun)));
    QFile f(QString::fromStdString((dir / "a" / "report.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto run =
        QJsonDocument::fromJson(f.readAll()).object()[u"trainings"_s].toArray()[0].toObject();
    QCOMPARE(run[u"resumed_from_step"_s].toInt(), 0);
}

// customize killed outright during training (direct tuning with dropout, the options a resume
// must carry) and started again with the same command resumes from its last checkpoint and
// writes the same adapter an uninterrupted run writes; the checkpoints go once it is done.
void TstCliProbe::customizeResumesAfterKill() {
    mp::test::TempDir dir;
    const auto args = [&](const char* out) {
        return QStringList{u"customize"_s,      u"--demo"_s,    u"--rank"_s,
                           u"full"_s,           u"--dropout"_s, u"0.1"_s,
                           u"--steps"_s,        u"40"_s,        u"--no-unconstrained"_s,
                           u"--sample-steps"_s, u"2"_s,         u"--out"_s,
                           path(dir / out)};
    };
    const auto failure = killAtFirstCheckpoint(args("a"), dir / ".a.checkpoints" / "tau700");
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QVERIFY(!fs::exists(dir / "a"));

    const auto resumed = cli(args("a"), 300000);
    QVERIFY2(resumed.code == 0, qPrintable(both(resumed)));
    QVERIFY(!fs::exists(dir / ".a.checkpoints"));
    QFile f(QString::fromStdString((dir / "a" / "report.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto run =
        QJsonDocument::fromJson(f.readAll()).object()[u"trainings"_s].toArray()[0].toObject();
    QVERIFY2(run[u"resumed_from_step"_s].toInt() >= 25, qPrintable(both(resumed)));

    const auto fresh = cli(args("b"), 300000);
    QVERIFY2(fresh.code == 0, qPrintable(both(fresh)));
    const auto read = [](const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const auto resumedFile = dir / "a" / "lora-tau700.safetensors";
    QVERIFY(read(resumedFile) == read(dir / "b" / "lora-tau700.safetensors"));
    const auto file = mp::SafetensorsFile::open(resumedFile);
    QCOMPARE(file.header().metadata.at("motionprobe.adapter"), std::string("direct"));
    QVERIFY(!file.header().tensors.empty());
    for (const auto& t : file.header().tensors)
        QVERIFY2(t.name.ends_with(".weight") && t.name.find("lora") == std::string::npos,
                 t.name.c_str());
}

void TstCliProbe::probeDemo() {
    mp::test::TempDir dir;
    const auto run = dir / "run";
    const auto r = cli({u"probe"_s, u"--demo"_s, u"--example"_s, u"3"_s, u"--steps"_s, u"3"_s,
                        u"--interval"_s, u"500"_s, u"--tensors"_s, u"--out"_s, path(run),
                        u"--store"_s, path(dir / "store.sqlite")});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QVERIFY2(r.out.contains(u"5 runs"_s), qPrintable(both(r)));
    QFile f(QString::fromStdString((run / "results.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(j[u"steps"_s].toInt(), 3);
    QVERIFY(j[u"toy_world"_s].toBool());
    QVERIFY(!j[u"caption"_s].toString().isEmpty());
    QVERIFY(j[u"edit"_s].toString() != j[u"caption"_s].toString());
    const auto runs = j[u"runs"_s].toArray();
    // The reconstruction, the full edit and the pairs (1000, 500), (1000, 0), (500, 0).
    QCOMPARE(runs.size(), 5);
    QStringList names;
    for (const auto& v : runs) {
        const auto o = v.toObject();
        names << o[u"run"_s].toString();
        QVERIFY2(o.contains(u"clip_change"_s) && o.contains(u"oracle"_s), qPrintable(names.last()));
        auto info = mp::video::probeVideo(run / o[u"video"_s].toString().toStdString());
        QVERIFY2(info.ok(), qPrintable(names.last()));
        QCOMPARE(info.value().source.frameCount, std::int64_t{16});
        const auto t = mp::SafetensorsFile::open(run / o[u"tensors"_s].toString().toStdString());
        const auto* latents = t.header().find("latents");
        QVERIFY(latents);
        QCOMPARE(latents->shape, (std::vector<std::int64_t>{1, 4, 16, 16, 16}));
    }
    QCOMPARE(names, (QStringList{u"reconstruction"_s, u"full-edit"_s, u"pair-1000-500"_s,
                                 u"pair-1000-0"_s, u"pair-500-0"_s}));
    QVERIFY(fs::exists(run / "videos" / "original.mp4"));
    for (const char* fig :
         {"heatmap-clip_change", "heatmap-flow_similarity", "heatmap-oracle-shape", "tradeoff"})
        for (const char* ext : {".svg", ".png"})
            QVERIFY2(fs::exists(run / "figures" / (std::string(fig) + ext)), fig);
    const auto tau = j[u"suggested_tau"_s].toObject();
    QVERIFY(tau[u"tau"_s].toInt() == 1000 || tau[u"tau"_s].toInt() == 500);
    QVERIFY(!tau[u"reasoning"_s].toString().isEmpty());
    const auto evals = j[u"evaluations"_s].toObject();
    QCOMPARE(evals[u"naive"_s].toInt(), 9);
    // The toy scheduler's trailing timesteps 999, 666, 332: 3 for the trunk, 3 for the full
    // edit, then one step each for the pairs that part from them at τ = 500.
    QCOMPARE(evals[u"planned"_s].toInt(), 8);
    std::ifstream csv(run / "results.csv");
    int lines = 0;
    for (std::string line; std::getline(csv, line);)
        ++lines;
    QCOMPARE(lines, 6);
    // A second probe into the same folder is refused; the first run is untouched.
    const auto again = cli({u"probe"_s, u"--demo"_s, u"--steps"_s, u"2"_s, u"--out"_s, path(run),
                            u"--store"_s, path(dir / "store.sqlite")});
    QCOMPARE(again.code, 2);
    QVERIFY2(again.err.contains(u"exists and is not empty"_s), qPrintable(both(again)));
    QVERIFY(fs::exists(run / "results.json"));
}

void TstCliProbe::badInput_data() {
    QTest::addColumn<QStringList>("args");  // VIDEO and STORE stand for paths in the test folder
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("phrase");
    const QStringList probe{u"probe"_s, u"--steps"_s, u"2"_s, u"--store"_s, u"STORE"_s};
    const QStringList customize{u"customize"_s};
    QTest::newRow("probe: no video")
        << probe + QStringList{u"--caption"_s, u"a"_s, u"--edit"_s, u"b"_s} << 2
        << u"--video is needed"_s;
    QTest::newRow("probe: no edit")
        << probe + QStringList{u"--video"_s, u"VIDEO"_s, u"--caption"_s, u"a"_s} << 2
        << u"--edit"_s;
    QTest::newRow("probe: interval not dividing 1000")
        << probe + QStringList{u"--demo"_s, u"--interval"_s, u"300"_s} << 2 << u"--interval"_s;
    QTest::newRow("probe: example out of range")
        << probe + QStringList{u"--demo"_s, u"--example"_s, u"99"_s} << 2 << u"--example"_s;
    QTest::newRow("probe: missing video")
        << probe + QStringList{u"--video"_s, u"/nonexistent.mp4"_s, u"--caption"_s,
                               u"a"_s,       u"--edit"_s,           u"b"_s}
        << 1 << u"/nonexistent.mp4"_s;
    QTest::newRow("probe: more frames than the video has")
        << probe + QStringList{u"--demo"_s, u"--frames"_s, u"20"_s} << 2
        << u"asked for 20 frames but the video has 16 frames"_s;
    // A Latte folder (the golden's tiny one: video_length 4) runs its own count or 1 frame.
    QTest::newRow("probe: frames Latte cannot take")
        << probe + QStringList{u"--demo"_s, u"--frames"_s, u"3"_s, u"--model"_s,
                               QString::fromStdString((fs::path(MP_TEST_DATA_DIR) / "golden" /
                                                       "latte_pipeline" / "pipeline")
                                                          .string())}
        << 2 << u"frames: the model cannot run 3 frames (Latte takes its video_length (4)"_s;
    QTest::newRow("probe: a dataset video shorter than --frames")
        << probe + QStringList{u"--dataset"_s,
                               QString::fromStdString((fs::path(MP_TEST_DATA_DIR) / ".." / ".." /
                                                       "resources" / "examples" / "toy-tgve")
                                                          .string()),
                               u"--limit"_s,
                               u"2"_s,
                               u"--frames"_s,
                               u"20"_s}
        << 2 << u"(toy-0000): the video has 16 frames, fewer than the 20 the model runs at"_s;
    QTest::newRow("customize: more frames than the video has")
        << customize + QStringList{u"--demo"_s, u"--frames"_s, u"20"_s, u"--steps"_s, u"1"_s} << 2
        << u"asked for 20 frames but the video has 16 frames"_s;
    QTest::newRow("customize: no video")
        << customize + QStringList{u"--caption"_s, u"c"_s, u"--prompt"_s, u"p"_s} << 2
        << u"--video is needed"_s;
    QTest::newRow("customize: tau out of range")
        << customize + QStringList{u"--demo"_s, u"--tau"_s, u"1000"_s} << 2 << u"--tau"_s;
    QTest::newRow("customize: bad preset")
        << customize + QStringList{u"--demo"_s, u"--preset"_s, u"spatial"_s} << 2
        << u"--preset: LoRA preset"_s;
    QTest::newRow("customize: missing video")
        << customize + QStringList{u"--video"_s,   u"/nonexistent.mp4"_s,
                                   u"--caption"_s, u"c"_s,
                                   u"--prompt"_s,  u"p"_s,
                                   u"--steps"_s,   u"1"_s}
        << 1 << u"/nonexistent.mp4: file not found"_s;
}

// Bad input: one clear error, and nothing left in the folder but the experiment store — no
// output folder, no staging folder.
void TstCliProbe::badInput() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, phrase);
    mp::test::TempDir dir;
    args.replaceInStrings(u"VIDEO"_s, u"clip.mp4"_s);  // refused before it is read
    args.replaceInStrings(u"STORE"_s, path(dir / "store.sqlite"));
    const auto r = cli(args + QStringList{u"--out"_s, path(dir / "out")});
    QVERIFY2(r.code == code, qPrintable(both(r)));
    QVERIFY2(r.err.contains(phrase), qPrintable(both(r)));
    for (const auto& e : fs::directory_iterator(dir.path()))
        QVERIFY2(e.path().filename().string().rfind("store.sqlite", 0) == 0,
                 e.path().string().c_str());
}

// Every video of a TGVE-layout dataset, and the means with their intervals over the videos; a
// row whose video is missing is named by its row number.
void TstCliProbe::probeDataset() {
    mp::test::TempDir dir;
    const auto examples =
        fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "examples" / "toy-tgve";
    const auto r = cli({u"probe"_s, u"--dataset"_s, path(examples), u"--limit"_s, u"2"_s,
                        u"--steps"_s, u"2"_s, u"--interval"_s, u"500"_s, u"--out"_s,
                        path(dir / "run"), u"--store"_s, path(dir / "store.sqlite")});
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QVERIFY2(r.out.contains(u"2 videos, 5 runs each"_s), qPrintable(both(r)));
    QFile f(QString::fromStdString((dir / "run" / "results.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = QJsonDocument::fromJson(f.readAll()).object();
    const auto videos = j[u"videos"_s].toArray();
    QCOMPARE(videos.size(), 2);
    for (const auto& v : videos)
        QVERIFY(fs::exists(dir / "run" / v.toObject()[u"results"_s].toString().toStdString()));
    const auto runs = j[u"runs"_s].toArray();
    QCOMPARE(runs.size(), 5);
    for (const auto& v : runs) {
        const auto flow = v.toObject()[u"flow_similarity"_s].toObject();
        QCOMPARE(flow[u"n"_s].toInt(), 2);
        const auto ci = flow[u"ci95"_s].toArray();
        const double mean = flow[u"mean"_s].toDouble();
        QVERIFY(ci[0].toDouble() <= mean && mean <= ci[1].toDouble());
    }
    QVERIFY(fs::exists(dir / "run" / "figures" / "heatmap-clip_change.svg"));

    // A dataset whose second row names a folder that is not there.
    const auto broken = dir / "broken";
    fs::create_directories(broken / "480p_frames" / "a");
    std::ofstream(broken / "data.csv") << "Video name,Our GT caption,Style,Object\n"
                                          "group,,,\n"
                                          "a,a red circle,a striped red circle,a blue circle\n"
                                          "b,a red square,a striped red square,a blue square\n";
    const auto bad = cli({u"probe"_s, u"--dataset"_s, path(broken), u"--steps"_s, u"2"_s,
                          u"--out"_s, path(dir / "bad"), u"--store"_s, path(dir / "store.sqlite")});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains(u"row 4"_s) && bad.err.contains(u"does not exist"_s),
             qPrintable(both(bad)));
    QVERIFY(!fs::exists(dir / "bad"));
}

// A probe killed outright (SIGKILL: no chance to clean up) and run again takes back what it had
// finished from the store, computes only the rest, and ends with the results of an uninterrupted
// run.
void TstCliProbe::probeResumesAfterKill() {
    mp::test::TempDir dir;
    const auto store = path(dir / "store.sqlite");
    const auto args = [&](const char* out, const QString& storeFile) {
        return QStringList{u"probe"_s,      u"--demo"_s, u"--steps"_s,    u"12"_s,
                           u"--interval"_s, u"250"_s,    u"--out"_s,      path(dir / out),
                           u"--store"_s,    storeFile,   u"--progress"_s, u"always"_s};
    };
    QProcess p;
    // Progress lines read "probe N/M …"; kill once a third of the plan is done.
    const QRegularExpression line(u"probe (\\d+)/(\\d+)"_s);
    const auto aThirdDone = [&](const QString& err) {
        for (auto it = line.globalMatch(err); it.hasNext();) {
            const auto m = it.next();
            if (m.captured(1).toInt() * 3 >= m.captured(2).toInt())
                return true;
        }
        return false;
    };
    const auto err = mp::test::startUntil(p, args("a", store), aThirdDone, 120000);
    QVERIFY2(p.state() == QProcess::Running && aThirdDone(err),
             qPrintable(u"finished before it could be killed:\n"_s + err));
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished(30000));
    QVERIFY(!fs::exists(dir / "a"));

    // Generous: beside the other tests on two cores the rest of the plan took over 120 s in CI.
    const auto resumed = cli(args("b", store), 480000);
    QVERIFY2(resumed.code == 0, qPrintable(both(resumed)));
    QRegularExpression summary(u"resumed (\\d+) runs from the experiment store; computed (\\d+)"_s);
    const auto m = summary.match(resumed.out);
    QVERIFY2(m.hasMatch(), qPrintable(both(resumed)));
    QVERIFY(m.captured(1).toInt() >= 1);
    QRegularExpression planned(u"(\\d+) denoiser evaluations"_s);
    const auto total = planned.match(resumed.out);
    QVERIFY2(total.hasMatch() && m.captured(2).toInt() < total.captured(1).toInt(),
             qPrintable(resumed.out));

    const auto fresh = cli(args("c", path(dir / "fresh.sqlite")), 480000);
    QVERIFY2(fresh.code == 0, qPrintable(both(fresh)));
    QVERIFY(!fresh.out.contains(u"resumed"_s));
    const auto read = [](const fs::path& f) {
        std::ifstream in(f);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    QCOMPARE(read(dir / "b" / "results.csv"), read(dir / "c" / "results.csv"));
}

// The store's key follows the model's weights, not only their sizes, for every family's denoiser
// folder: the same probe again takes every run back, and after the denoiser is retrained (every
// value nudged, the file the same size, as a second training run at the same path leaves it)
// nothing is taken back.
void TstCliProbe::storeKeyFollowsWeights_data() {
    QTest::addColumn<QString>("source");     // the model folder copied
    QTest::addColumn<QString>("weights");    // the denoiser's weights in it
    QTest::addColumn<QStringList>("extra");  // what the model needs to run the demo
    const auto root = fs::path(MP_TEST_DATA_DIR);
    QTest::newRow("ModelScope unet")
        << QString::fromStdString(
               (root / ".." / ".." / "resources" / "models" / "toy" / "t2v").string())
        << u"unet/diffusion_pytorch_model.safetensors"_s << QStringList{};
    // The golden's tiny Latte (video_length 4): its denoiser is a transformer/ folder.
    QTest::newRow("Latte transformer")
        << QString::fromStdString((root / "golden" / "latte_pipeline" / "pipeline").string())
        << u"transformer/diffusion_pytorch_model.safetensors"_s
        << QStringList{u"--frames"_s, u"4"_s};
}

void TstCliProbe::storeKeyFollowsWeights() {
    QFETCH(QString, source);
    QFETCH(QString, weights);
    QFETCH(QStringList, extra);
    mp::test::TempDir dir;
    const auto model = dir / "model";
    fs::copy(source.toStdString(), model, fs::copy_options::recursive);
    const auto store = path(dir / "store.sqlite");
    const auto args = [&](const char* out) {
        return QStringList{u"probe"_s,      u"--demo"_s,     u"--model"_s,    path(model),
                           u"--steps"_s,    u"4"_s,          u"--interval"_s, u"500"_s,
                           u"--out"_s,      path(dir / out), u"--store"_s,    store,
                           u"--progress"_s, u"never"_s} +
               extra;
    };
    const QRegularExpression summary(u"resumed (\\d+) runs from the experiment store"_s);
    const auto first = cli(args("a"), 240000);
    QVERIFY2(first.code == 0, qPrintable(both(first)));
    QVERIFY(!summary.match(first.out).hasMatch());
    const auto again = cli(args("b"), 240000);
    QVERIFY2(again.code == 0, qPrintable(both(again)));
    const auto m = summary.match(again.out);
    QVERIFY2(m.hasMatch() && m.captured(1).toInt() >= 3, qPrintable(again.out));

    // Retrained: every other byte's low bit flipped after the header (every value nudged), the
    // size unchanged.
    std::fstream file(model / weights.toStdString(),
                      std::ios::in | std::ios::out | std::ios::binary);
    std::uint64_t header = 0;
    file.read(reinterpret_cast<char*>(&header), 8);
    file.seekg(static_cast<std::streamoff>(8 + header));
    std::string data(std::istreambuf_iterator<char>(file), {});
    for (std::size_t i = 0; i < data.size(); i += 2)
        data[i] = static_cast<char>(data[i] ^ 1);
    file.clear();
    file.seekp(static_cast<std::streamoff>(8 + header));
    file.write(data.data(), static_cast<std::streamsize>(data.size()));
    file.close();
    const auto retrained = cli(args("c"), 240000);
    QVERIFY2(retrained.code == 0, qPrintable(both(retrained)));
    QVERIFY2(!summary.match(retrained.out).hasMatch(), qPrintable(retrained.out));
}

// --frames runs the model at fewer frames than its own, chosen evenly from the video; the runs
// decode to as many.
void TstCliProbe::probeFrames() {
    mp::test::TempDir dir;
    const auto r = cli({u"probe"_s, u"--demo"_s, u"--frames"_s, u"8"_s, u"--steps"_s, u"3"_s,
                        u"--interval"_s, u"500"_s, u"--out"_s, path(dir / "run"), u"--store"_s,
                        path(dir / "store.sqlite"), u"--tensors"_s},
                       240000);
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QFile f(QString::fromStdString((dir / "run" / "results.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto results = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(results[u"frames"_s].toInt(), 8);
    const auto runs = results[u"runs"_s].toArray();
    QVERIFY(!runs.isEmpty());
    for (const auto& v : runs) {
        const auto o = v.toObject();
        const auto info =
            mp::video::probeVideo(dir / "run" / o[u"video"_s].toString().toStdString());
        QVERIFY2(info.ok(), qPrintable(o[u"run"_s].toString()));
        QCOMPARE(info.value().source.frameCount, std::int64_t{8});
        const auto t =
            mp::SafetensorsFile::open(dir / "run" / o[u"tensors"_s].toString().toStdString());
        const auto* latents = t.header().find("latents");
        QVERIFY(latents);
        QCOMPARE(latents->shape, (std::vector<std::int64_t>{1, 4, 8, 16, 16}));
    }
}

// customize --frames trains on the reference at that count and samples as many frames.
void TstCliProbe::customizeFrames() {
    mp::test::TempDir dir;
    const auto out = dir / "custom";
    const auto r =
        cli({u"customize"_s, u"--demo"_s, u"--frames"_s, u"8"_s, u"--tau"_s, u"600"_s, u"--steps"_s,
             u"2"_s, u"--sample-steps"_s, u"2"_s, u"--no-unconstrained"_s, u"--out"_s, path(out)},
            240000);
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QFile f(QString::fromStdString((out / "report.json").string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()[u"frames"_s].toInt(), 8);
    for (const char* file : {"samples/p0-s0-base.mp4", "samples/p0-s0-tau600.mp4"}) {
        const auto info = mp::video::probeVideo(out / file);
        QVERIFY2(info.ok(), file);
        QCOMPARE(info.value().source.frameCount, std::int64_t{8});
    }
}

// Without --frames, a reference shorter than the model's own count runs at the most frames up to
// its length that the model takes: the toy model (16 frames by default) reads a 7-frame video at
// 7, and every resample and sample has 7 frames. (Which counts a family takes is
// referenceDecodeOptions' rule, the one --frames is checked by: badInput's Latte row.)
void TstCliProbe::shortReference_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("report");
    QTest::addColumn<QString>("video");  // one output video, relative to the run folder
    QTest::newRow("probe") << QStringList{u"probe"_s,  u"--steps"_s,
                                          u"2"_s,      u"--interval"_s,
                                          u"500"_s,    u"--only-end-zero"_s,
                                          u"--edit"_s, u"a blue square moves from left to right"_s}
                           << u"results.json"_s << u"videos/reconstruction.mp4"_s;
    QTest::newRow("customize")
        << QStringList{u"customize"_s, u"--tau"_s,
                       u"600"_s,       u"--steps"_s,
                       u"2"_s,         u"--sample-steps"_s,
                       u"2"_s,         u"--no-unconstrained"_s,
                       u"--prompt"_s,  u"a blue square moves from left to right"_s}
        << u"report.json"_s << u"samples/p0-s0-tau600.mp4"_s;
}

void TstCliProbe::shortReference() {
    QFETCH(QStringList, args);
    QFETCH(QString, report);
    QFETCH(QString, video);
    mp::test::TempDir dir;
    const auto frames = dir / "seven";
    fs::create_directories(frames);
    const auto example = fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "examples" /
                         "toy-tgve" / "480p_frames" / "toy-0000";
    for (int i = 0; i < 7; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "%05d.png", i);
        fs::copy_file(example / name, frames / name);
    }
    const auto out = dir / "run";
    if (args.first() == u"probe"_s)
        args << u"--store"_s << path(dir / "store.sqlite");
    const auto r =
        cli(args + QStringList{u"--video"_s, path(frames), u"--caption"_s,
                               u"a red circle moves from left to right"_s, u"--out"_s, path(out)},
            240000);
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    QVERIFY2(r.err.contains(u"has 7 frames, fewer than the 16"_s), qPrintable(r.err));
    QFile f(QString::fromStdString((out / report.toStdString()).string()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()[u"frames"_s].toInt(), 7);
    const auto info = mp::video::probeVideo(out / video.toStdString());
    QVERIFY2(info.ok(), qPrintable(video));
    QCOMPARE(info.value().source.frameCount, std::int64_t{7});
}

QTEST_GUILESS_MAIN(TstCliProbe)
#include "tst_cli_probe.moc"
