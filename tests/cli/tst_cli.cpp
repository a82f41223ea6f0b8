// motionprobe-cli as a user runs it: exit codes, help, `info` on good and broken folders, and
// `schedule` on the family scheduler configs.

#include "../support/fixtures.h"
#include "cli_runner.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
using Run = mp::test::CliRun;
using mp::test::cli;
using mp::test::path;
}  // namespace

class TstCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void usage_data();
    void usage();
    void benchProbe();
    void infoGoodFolder();
    void infoJson();
    void infoBrokenFolder();
    void runComponentUsage();
    void scheduleJson_data();
    void scheduleJson();
    void scheduleText();
    void scheduleErrors_data();
    void scheduleErrors();
};

void TstCli::usage_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("stream");  // "out" or "err"
    QTest::addColumn<QString>("phrase");
    QTest::newRow("no args") << QStringList{} << 2 << "out"
                             << "usage: motionprobe-cli <command>";
    QTest::newRow("help") << QStringList{u"--help"_s} << 0 << "out"
                          << "run-component";
    // A one-sentence summary is listed whole (it used to be cut to nothing).
    QTest::newRow("help, one-sentence summary")
        << QStringList{u"--help"_s} << 0 << "out"
        << "generate        Text to video with a ModelScope or Latte pipeline folder.";
    QTest::newRow("unknown command") << QStringList{u"frobnicate"_s} << 2 << "err"
                                     << "unknown command 'frobnicate'";
    QTest::newRow("info help") << QStringList{u"info"_s, u"--help"_s} << 0 << "out"
                               << "usage: motionprobe-cli info DIR [--json] [--variant NAME]";
    QTest::newRow("run-component help") << QStringList{u"run-component"_s, u"-h"_s} << 0 << "out"
                                        << "--component NAME";
    QTest::newRow("info without dir") << QStringList{u"info"_s} << 2 << "err"
                                      << "expects DIR";
    QTest::newRow("info unknown option")
        << QStringList{u"info"_s, u"x"_s, u"--fast"_s} << 2 << "err"
        << "unknown option --fast";
    QTest::newRow("info missing folder")
        << QStringList{u"info"_s, u"/nonexistent/model"_s} << 1 << "err"
        << "error: /nonexistent/model does not exist";
    QTest::newRow("version") << QStringList{u"--version"_s} << 0 << "out"
                             << "LibTorch";
    QTest::newRow("train-toy latte without t5")
        << QStringList{u"train-toy"_s, u"--component"_s, u"latte"_s, u"--out"_s, u"/tmp/x"_s} << 2
        << "err"
        << "--component latte needs --t5 DIR and --vae DIR";
    QTest::newRow("train-toy unknown component")
        << QStringList{u"train-toy"_s, u"--component"_s, u"dit"_s, u"--out"_s, u"/tmp/x"_s} << 2
        << "err"
        << "expected clip, vae, t2v, t5, latte, cogvideox-vae or cogvideox, got 'dit'";
    QTest::newRow("toy-eval t5 on a missing folder")
        << QStringList{u"toy-eval"_s,        u"--component"_s, u"t5"_s, u"--model"_s,
                       u"/nonexistent/t5"_s, u"--count"_s,     u"2"_s}
        << 1 << "err"
        << "/nonexistent/t5";
}

void TstCli::usage() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, stream);
    QFETCH(QString, phrase);
    const auto r = cli(args);
    QCOMPARE(r.code, code);
    const QString& text = stream == u"out" ? r.out : r.err;
    QVERIFY2(text.contains(phrase), qPrintable(r.out + u"\n---\n"_s + r.err));
}

void TstCli::infoGoodFolder() {
    mp::test::TempDir dir;
    mp::test::writePipeline(dir.path(), mp::test::FixtureFamily::CogVideoX5b);
    const auto r = cli({u"info"_s, path(dir.path())});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY2(r.out.contains(u"family:     cogvideox (5b)"), qPrintable(r.out));
    QVERIFY(r.out.contains(u"pipeline:   CogVideoXPipeline (diffusers 0.31.0)"));
    QVERIFY(r.out.contains(u"transformer   CogVideoXTransformer3DModel"));
    QVERIFY(r.out.contains(u"diffusion_pytorch_model.safetensors"));
}

void TstCli::infoJson() {
    mp::test::TempDir dir;
    const auto params = mp::test::writePipeline(dir.path(), mp::test::FixtureFamily::Latte);
    const auto r = cli({u"info"_s, path(dir.path()), u"--json"_s});
    QCOMPARE(r.code, 0);
    QJsonParseError error;
    const auto doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const auto o = doc.object();
    QCOMPARE(o[u"family"_s].toString(), u"latte"_s);
    QCOMPARE(o[u"ok"_s].toBool(), true);
    QCOMPARE(o[u"parameter_count"_s].toInteger(), params);
    QCOMPARE(o[u"components"_s].toArray().size(), 5);
}

void TstCli::infoBrokenFolder() {
    mp::test::TempDir dir;
    mp::test::writePipeline(dir.path(), mp::test::FixtureFamily::ModelScope);
    fs::remove(dir / "unet/config.json");
    fs::remove(dir / "tokenizer/merges.txt");
    const auto r = cli({u"info"_s, path(dir.path())});
    QCOMPARE(r.code, 1);
    const auto lines = r.err.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);  // one line per problem
    QVERIFY2(lines.contains(u"error: unet/config.json: file not found"_s), qPrintable(r.err));
    QVERIFY2(r.err.contains(u"error: tokenizer/merges.txt: missing"), qPrintable(r.err));
    // The summary is still printed so the user sees what was found.
    QVERIFY(r.out.contains(u"family:     modelscope"));
}

void TstCli::runComponentUsage() {
    mp::test::TempDir dir;
    auto r = cli({u"run-component"_s, u"--model"_s, path(dir.path())});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(u"--component NAME is required"), qPrintable(r.err));
    r = cli({u"run-component"_s, u"--model"_s, path(dir.path()), u"--component"_s, u"nope"_s,
             u"--inputs"_s, path(dir / "in.safetensors"), u"--out"_s,
             path(dir / "out.safetensors")});
    QCOMPARE(r.code, 2);  // a value of an option that this build does not have
    QVERIFY2(r.err.contains(u"--component 'nope' is not available in this build"),
             qPrintable(r.err));
    QVERIFY(!fs::exists(dir / "out.safetensors"));
}

// bench --component probe on the tiny parity pipeline: the planned probe and the naive loop, their
// evaluation counts and times as one JSON line.
void TstCli::benchProbe() {
    const auto model = fs::path(MP_TEST_DATA_DIR) / "golden" / "modelscope" / "pipeline";
    const auto r = cli({u"bench"_s, u"--component"_s, u"probe"_s, u"--model"_s, path(model),
                        u"--steps"_s, u"4"_s, u"--interval"_s, u"500"_s, u"--naive"_s,
                        u"--warmup"_s, u"0"_s, u"--reps"_s, u"1"_s, u"--device"_s, u"cpu"_s});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(j[u"component"_s].toString(), u"probe"_s);
    const auto e = j[u"evaluations"_s].toObject();
    QCOMPARE(e[u"naive"_s].toInt(), 12);  // 3 pairs × 4 steps
    QVERIFY(e[u"planned"_s].toInt() > 0 && e[u"planned"_s].toInt() <= 12 + 4);
    QVERIFY(j[u"planned_ms"_s].toDouble() > 0);
    QVERIFY(j[u"naive_over_planned"_s].toDouble() > 0);
    QCOMPARE(j[u"max_batch"_s].toInt(), 4);
}

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"

namespace {
const fs::path kSchedulers = fs::path(MP_TEST_DATA_DIR) / "golden" / "schedulers";
}

void TstCli::scheduleJson_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("first");
    QTest::addColumn<int>("last");
    QTest::addColumn<int>("count");
    // The issue's figures: diffusers gives 981 … 1 (ModelScope) and 999 … 19 (CogVideoX).
    QTest::newRow("modelscope-50") << "modelscope" << QStringList{} << 981 << 1 << 50;
    QTest::newRow("modelscope-25-inverse")
        << "modelscope" << QStringList{u"--steps"_s, u"25"_s, u"--inverse"_s} << 1 << 961 << 25;
    QTest::newRow("cogvideox-2b-50") << "cogvideox-2b" << QStringList{} << 999 << 19 << 50;
    QTest::newRow("cogvideox-5b-inverse")
        << "cogvideox-5b" << QStringList{u"--inverse"_s} << 19 << 999 << 50;
    QTest::newRow("latte-50") << "latte" << QStringList{} << 980 << 0 << 50;
}

void TstCli::scheduleJson() {
    QFETCH(QString, model);
    QFETCH(QStringList, extra);
    QFETCH(int, first);
    QFETCH(int, last);
    QFETCH(int, count);
    const auto r = cli(QStringList{u"schedule"_s, u"--model"_s,
                                   path(kSchedulers / model.toStdString()), u"--json"_s} +
                       extra);
    QCOMPARE(r.code, 0);
    const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const auto ts = o[u"timesteps"_s].toArray();
    QCOMPARE(ts.size(), count);
    QCOMPARE(ts.first().toInt(), first);
    QCOMPARE(ts.last().toInt(), last);
    const auto alphas = o[u"alphas_cumprod"_s].toArray();
    QCOMPARE(alphas.size(), count);
    // ᾱ grows as the noise level falls; the direction decides which end is noisier.
    const bool inverse = extra.contains(u"--inverse"_s);
    QVERIFY(inverse ? alphas.first().toDouble() > alphas.last().toDouble()
                    : alphas.first().toDouble() < alphas.last().toDouble());
    QCOMPARE(o[u"direction"_s].toString(), inverse ? u"inverse"_s : u"forward"_s);
}

void TstCli::scheduleText() {
    // Pipeline layout (scheduler/scheduler_config.json) and the text table.
    mp::test::TempDir dir;
    fs::create_directories(dir / "scheduler");
    fs::copy_file(kSchedulers / "modelscope" / "scheduler_config.json",
                  dir / "scheduler" / "scheduler_config.json");
    const auto r = cli({u"schedule"_s, u"--model"_s, path(dir.path()), u"--steps"_s, u"10"_s});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(u"stride 100"), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"901     901 → 801"), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"1       1 → clean"), qPrintable(r.out));
    // ModelScope's set_alpha_to_one false: the clean end uses ᾱ[0], not 1.
    QVERIFY2(r.out.contains(u"0.999149978"), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"unknown:    skip_prk_steps (kept, not used)"), qPrintable(r.out));
}

void TstCli::scheduleErrors_data() {
    QTest::addColumn<QString>("config");  // written to scheduler_config.json; "" = no file
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("steps zero") << "{}" << QStringList{u"--steps"_s, u"0"_s} << 2
                                << "--steps expects an integer between 1 and 100000, got '0'";
    QTest::newRow("steps text") << "{}" << QStringList{u"--steps"_s, u"many"_s} << 2
                                << "got 'many'";
    // The engine refuses the value (InvalidArgument): a usage error, like a malformed one.
    QTest::newRow("too many steps") << "{}" << QStringList{u"--steps"_s, u"1001"_s} << 2
                                    << "must be between 1 and 1000 (num_train_timesteps)";
    QTest::newRow("offset past table")
        << R"({"steps_offset":1})" << QStringList{u"--steps"_s, u"1000"_s} << 2
        << "give timestep 1000, outside the table [0, 999]";
    QTest::newRow("no config") << "" << QStringList{} << 1 << "no scheduler/scheduler_config.json";
    QTest::newRow("thresholding") << R"({"thresholding":true})" << QStringList{} << 1
                                  << "scheduler_config.json: key 'thresholding' is true";
    QTest::newRow("bad json") << R"({"beta_schedule":)" << QStringList{} << 1
                              << "scheduler_config.json";
}

void TstCli::scheduleErrors() {
    QFETCH(QString, config);
    QFETCH(QStringList, extra);
    QFETCH(int, code);
    QFETCH(QString, phrase);
    mp::test::TempDir dir;
    if (!config.isEmpty())
        mp::test::writeText(dir / "scheduler_config.json", config.toStdString());
    const auto r = cli(QStringList{u"schedule"_s, u"--model"_s, path(dir.path())} + extra);
    QCOMPARE(r.code, code);
    QVERIFY2(r.err.contains(phrase), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}
