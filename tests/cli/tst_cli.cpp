// motionprobe-cli as a user runs it: exit codes, help, and `info` on good and broken folders.

#include "../support/fixtures.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(MP_CLI_PATH), args);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QString path(const fs::path& p) {
    return QString::fromStdString(p.string());
}
}  // namespace

class TstCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void usage_data();
    void usage();
    void infoGoodFolder();
    void infoJson();
    void infoBrokenFolder();
    void runComponentUsage();
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
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(u"--component 'nope' is not available in this build"),
             qPrintable(r.err));
    QVERIFY(!fs::exists(dir / "out.safetensors"));
}

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"
