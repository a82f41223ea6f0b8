// The dataset benchmark's scale-out: `bench probe --shard i/N` runs deterministic shards of the toy
// dataset, `bench merge` combines them, and the merged run equals one unsharded run (the mean
// heatmaps' numbers, the videos, the figures), as does `--devices cpu,cpu` (two worker processes
// and the merge); shards of different settings are refused.

#include "../support/fixtures.h"
#include "cli_runner.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <csignal>
#include <fstream>
#include <iterator>

using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
using mp::test::both;
using mp::test::cli;
using mp::test::path;

QJsonObject readJson(const fs::path& file) {
    QFile f(QString::fromStdString(file.string()));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path toyDataset() {
    return fs::path(MP_TEST_DATA_DIR) / ".." / ".." / "resources" / "examples" / "toy-tgve";
}

QStringList probeArgs(const fs::path& out, const fs::path& store, const QString& steps = u"2"_s) {
    return {u"bench"_s, u"probe"_s,   u"--dataset"_s, path(toyDataset()), u"--limit"_s,
            u"3"_s,     u"--steps"_s, steps,          u"--interval"_s,    u"500"_s,
            u"--out"_s, path(out),    u"--store"_s,   path(store)};
}
// A small `bench customize`: three toy videos, their object edits, one sample each, adapters
// trained 3 steps and sampled with 4 DDIM steps.
QStringList customizeArgs(const fs::path& out, QStringList extra = {}) {
    QStringList a{u"bench"_s,          u"customize"_s,
                  u"--dataset"_s,      path(toyDataset()),
                  u"--limit"_s,        u"3"_s,
                  u"--edits"_s,        u"object"_s,
                  u"--samples"_s,      u"1"_s,
                  u"--steps"_s,        u"3"_s,
                  u"--sample-steps"_s, u"4"_s,
                  u"--out"_s,          path(out),
                  u"--store"_s,        path(out.parent_path() / "store.sqlite")};
    return a + extra;
}

// Every sample's metrics of a run, in the order written, keyed by video.
QJsonObject samplesOf(const fs::path& run) {
    QJsonObject all;
    for (const auto& v : readJson(run / "results.json")[u"videos"_s].toArray()) {
        const auto name = v.toObject()[u"video"_s].toString();
        all[name] = readJson(run / "videos" / name.toStdString() / "results.json")[u"samples"_s];
    }
    return all;
}
}  // namespace

class TstCliBench : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shardsMergeToOneRun();
    void customizeTables();
    void customizeShardsAndResume();
    void customizeBadInput_data();
    void customizeBadInput();
};

void TstCliBench::shardsMergeToOneRun() {
    mp::test::TempDir dir;
    // One unsharded run, and two shards into another store (nothing resumes across).
    const auto whole = cli(probeArgs(dir / "whole", dir / "whole.sqlite"), 300000);
    QVERIFY2(whole.code == 0, qPrintable(both(whole)));
    for (const char* i : {"0", "1"}) {
        auto args = probeArgs(dir / (std::string("shard") + i), dir / "shards.sqlite");
        args << u"--shard"_s << (QLatin1String(i) + u"/2"_s);
        const auto r = cli(args, 300000);
        QVERIFY2(r.code == 0, qPrintable(both(r)));
    }
    // Shard 0 of 2 takes the videos 0 and 2, shard 1 the video 1.
    const auto names = [](const QJsonObject& j) {
        QStringList out;
        for (const auto& v : j[u"videos"_s].toArray())
            out << v.toObject()[u"video"_s].toString();
        return out;
    };
    const auto wholeJson = readJson(dir / "whole" / "results.json");
    const QStringList all = names(wholeJson);
    QCOMPARE(all.size(), 3);
    QCOMPARE(names(readJson(dir / "shard0" / "results.json")), (QStringList{all[0], all[2]}));
    QCOMPARE(names(readJson(dir / "shard1" / "results.json")), (QStringList{all[1]}));
    QCOMPARE(readJson(dir / "shard1" / "results.json")[u"shard"_s].toString(), u"1/2"_s);

    const auto merged = cli({u"bench"_s, u"merge"_s, u"--from"_s, path(dir / "shard1"), u"--from"_s,
                             path(dir / "shard0"), u"--out"_s, path(dir / "merged"), u"--store"_s,
                             path(dir / "merged.sqlite")});
    QVERIFY2(merged.code == 0, qPrintable(both(merged)));
    QVERIFY2(merged.out.contains(u"copied 3 probes"_s), qPrintable(both(merged)));
    const auto mergedJson = readJson(dir / "merged" / "results.json");
    // The same videos in the dataset's order, the same means and intervals to the last bit, the
    // same suggestion and the same figures.
    QCOMPARE(mergedJson[u"videos"_s], wholeJson[u"videos"_s]);
    QCOMPARE(mergedJson[u"runs"_s], wholeJson[u"runs"_s]);
    QCOMPARE(mergedJson[u"suggested_tau"_s], wholeJson[u"suggested_tau"_s]);
    QCOMPARE(mergedJson[u"merged_from"_s].toArray().size(), 2);
    const auto figures = wholeJson[u"figures"_s].toArray();
    QVERIFY(!figures.isEmpty());
    for (const auto& f : figures) {
        const auto svg = f.toString().toStdString() + ".svg";
        QVERIFY2(readText(dir / "merged" / svg) == readText(dir / "whole" / svg), svg.c_str());
    }
    for (const auto& v : mergedJson[u"videos"_s].toArray())
        QVERIFY(fs::exists(dir / "merged" / v.toObject()[u"results"_s].toString().toStdString()));
    // The reports: the table and the inlined figures.
    const auto md = readText(dir / "merged" / "report.md");
    QVERIFY2(md.find("| pair-1000-0 | 1000 | 0 |") != std::string::npos, md.c_str());
    QVERIFY2(md.find("oracle: motion similarity") != std::string::npos, md.c_str());
    QVERIFY(md.find("merged from 2 shards") != std::string::npos);
    const auto html = readText(dir / "merged" / "report.html");
    QVERIFY(html.find("<table>") != std::string::npos && html.find("<svg") != std::string::npos);

    // The dataset run is in each store as one entry: the unsharded run's, the two shards' (one
    // entry for both, keyed by the settings without the shard) and the merge's; `bench report`
    // rebuilds the same summary from each store alone.
    const auto listed = cli({u"bench"_s, u"report"_s, u"--store"_s, path(dir / "shards.sqlite"),
                             u"--kind"_s, u"probe"_s});
    QVERIFY2(listed.code == 0 && listed.out.contains(u"1 dataset probe "_s) &&
                 listed.out.contains(u"3 videos"_s),
             qPrintable(both(listed)));
    for (const char* storeName : {"whole.sqlite", "shards.sqlite", "merged.sqlite"}) {
        const auto target = dir / (std::string("report-") + storeName);
        const auto rebuilt =
            cli({u"bench"_s, u"report"_s, u"--store"_s, path(dir / storeName), u"--kind"_s,
                 u"probe"_s, u"--benchmark"_s, u"1"_s, u"--out"_s, path(target)});
        QVERIFY2(rebuilt.code == 0, qPrintable(both(rebuilt)));
        const auto rebuiltJson = readJson(target / "results.json");
        QCOMPARE(rebuiltJson[u"videos"_s], wholeJson[u"videos"_s]);
        QCOMPARE(rebuiltJson[u"runs"_s], wholeJson[u"runs"_s]);
        QCOMPARE(rebuiltJson[u"suggested_tau"_s], wholeJson[u"suggested_tau"_s]);
        QVERIFY(fs::exists(target / "report.md"));
        for (const auto& f : figures) {
            const auto svg = f.toString().toStdString() + ".svg";
            QVERIFY2(readText(target / svg) == readText(dir / "whole" / svg), svg.c_str());
        }
    }
    const auto wrongKind = cli({u"bench"_s, u"report"_s, u"--store"_s, path(dir / "whole.sqlite"),
                                u"--kind"_s, u"nonsense"_s});
    QVERIFY2(wrongKind.code == 2 && wrongKind.err.contains(u"--kind"_s),
             qPrintable(both(wrongKind)));

    // --devices: the workers and the merge in one command give the same run again.
    auto onDevices = probeArgs(dir / "devices", dir / "devices.sqlite");
    onDevices << u"--devices"_s << u"cpu,cpu"_s;
    const auto workers = cli(onDevices, 300000);
    QVERIFY2(workers.code == 0, qPrintable(both(workers)));
    QVERIFY2(workers.out.contains(u"worker 1: shard 1/2"_s), qPrintable(both(workers)));
    const auto devicesJson = readJson(dir / "devices" / "results.json");
    QCOMPARE(devicesJson[u"runs"_s], wholeJson[u"runs"_s]);
    QCOMPARE(devicesJson[u"videos"_s], wholeJson[u"videos"_s]);
    QVERIFY(!fs::exists(dir / "devices.shards"));  // the workers' folders go once merged

    // Shards of different settings do not merge, and nothing is written.
    const auto other = cli(
        probeArgs(dir / "other", dir / "other.sqlite", u"3"_s) << u"--shard"_s << u"1/2"_s, 300000);
    QVERIFY2(other.code == 0, qPrintable(both(other)));
    const auto refused = cli({u"bench"_s, u"merge"_s, u"--from"_s, path(dir / "shard0"),
                              u"--from"_s, path(dir / "other"), u"--out"_s, path(dir / "bad")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains(u"steps"_s), qPrintable(both(refused)));
    QVERIFY(!fs::exists(dir / "bad"));
    // The same shard twice: its videos would count twice.
    const auto twice = cli({u"bench"_s, u"merge"_s, u"--from"_s, path(dir / "shard0"), u"--from"_s,
                            path(dir / "shard0"), u"--out"_s, path(dir / "bad")});
    QCOMPARE(twice.code, 2);
    QVERIFY2(twice.err.contains(u"two shards"_s), qPrintable(both(twice)));
    // A shard index outside the count.
    auto outside = probeArgs(dir / "bad", dir / "bad.sqlite");
    outside << u"--shard"_s << u"2/2"_s;
    const auto r = cli(outside);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(u"--shard"_s), qPrintable(both(r)));
}

// The tables in the paper's shape: Table 1's τ rows (the base model as τ = 1000, τ = 0 trained
// at every timestep), Table 3's layer subsets and Table 4's ranks with direct tuning, each a mean
// over the samples with an interval, from per-video results that hold every sample's metrics.
void TstCliBench::customizeTables() {
    mp::test::TempDir dir;
    const auto r =
        cli(customizeArgs(dir / "run", {u"--limit"_s, u"1"_s, u"--taus"_s, u"1000,800,0"_s,
                                        u"--tau"_s, u"800"_s, u"--presets"_s,
                                        u"temporal-qkvo,temporal-vo"_s, u"--ranks"_s, u"4,full"_s}),
            300000);
    QVERIFY2(r.code == 0, qPrintable(both(r)));
    const auto j = readJson(dir / "run" / "results.json");
    QCOMPARE(j[u"benchmark"_s].toString(), u"customize"_s);
    const auto tables = j[u"tables"_s].toArray();
    QCOMPARE(tables.size(), 3);
    QStringList tauRows;
    for (const auto& row : tables[0].toObject()[u"rows"_s].toArray())
        tauRows << row.toObject()[u"variant"_s].toString();
    QCOMPARE(tauRows,
             (QStringList{u"base"_s, u"tau800-temporal-vo-r4"_s, u"tau0-temporal-vo-r4"_s}));
    QCOMPARE(tables[2].toObject()[u"rows"_s].toArray()[1].toObject()[u"variant"_s].toString(),
             u"tau800-temporal-vo-direct"_s);
    // One video: the base model and four distinct adapters (τ 800 with r 4 is in all three
    // tables), one object edit, one sample each.
    const auto video = readJson(dir / "run" / "videos" / "toy-0000" / "results.json");
    QCOMPARE(video[u"trainings"_s].toArray().size(), 4);
    const auto samples = video[u"samples"_s].toArray();
    QCOMPARE(samples.size(), 5);
    const auto variants = j[u"variants"_s].toObject();
    for (const auto& s : samples) {
        const auto o = s.toObject();
        const auto m = o[u"metrics"_s].toObject();
        for (const char* key : {"clip_text", "temporal_consistency", "oracle/colour"})
            QVERIFY2(m.contains(QLatin1String(key)), key);
        // With one sample per variant the mean is the sample's value.
        QCOMPARE(variants[o[u"variant"_s].toString()]
                     .toObject()[u"clip_text"_s]
                     .toObject()[u"mean"_s]
                     .toDouble(),
                 m[u"clip_text"_s].toDouble());
    }
    // The adapter of τ = 0 acts at every step: its samples differ from the base model's; the
    // adapters exist as files.
    QVERIFY(samples[0].toObject()[u"metrics"_s] != samples[2].toObject()[u"metrics"_s]);
    QVERIFY(fs::exists(dir / "run" / "videos" / "toy-0000" / "adapters" /
                       "tau800-temporal-vo-direct.safetensors"));
    const auto md = QString::fromStdString(readText(dir / "run" / "report.md"));
    for (const auto& text :
         {u"(Table 1)"_s, u"(Table 3)"_s, u"(Table 4)"_s, u"τ = 1000 (base model)"_s,
          u"direct (full rank)"_s, u"text alignment"_s, u"oracle: shape"_s})
        QVERIFY2(md.contains(text), qPrintable(text));
    const auto html = readText(dir / "run" / "report.html");
    QVERIFY(html.find("<table>") != std::string::npos && html.find("</html>") != std::string::npos);

    // The same tables from the experiment store.
    const auto store = path(dir / "store.sqlite");
    const auto list = cli({u"bench"_s, u"report"_s, u"--store"_s, store});
    QVERIFY2(list.code == 0 && list.out.contains(u"1 customization benchmark"_s) &&
                 list.out.contains(u"1 videos"_s),
             qPrintable(both(list)));
    const auto report = cli({u"bench"_s, u"report"_s, u"--store"_s, store, u"--benchmark"_s, u"1"_s,
                             u"--out"_s, path(dir / "report")});
    QVERIFY2(report.code == 0, qPrintable(both(report)));
    QCOMPARE(readJson(dir / "report" / "results.json")[u"variants"_s], j[u"variants"_s]);
    QCOMPARE(readJson(dir / "report" / "results.json")[u"tables"_s], j[u"tables"_s]);
    QCOMPARE(samplesOf(dir / "report"), samplesOf(dir / "run"));
    const auto missing = cli({u"bench"_s, u"report"_s, u"--store"_s, store, u"--benchmark"_s,
                              u"7"_s, u"--out"_s, path(dir / "nothing")});
    QVERIFY2(missing.code == 2 && missing.err.contains(u"no benchmark 7"_s),
             qPrintable(both(missing)));
    QVERIFY(!fs::exists(dir / "nothing"));
}

// Shards merge to the unsharded run's samples and means; a run killed after its first video
// resumes with that video's results and ends with the uninterrupted run's.
void TstCliBench::customizeShardsAndResume() {
    mp::test::TempDir dir;
    const QStringList small{u"--presets"_s, u""_s, u"--ranks"_s, u""_s, u"--taus"_s, u"1000,0"_s};
    const auto whole = cli(customizeArgs(dir / "whole", small), 300000);
    QVERIFY2(whole.code == 0, qPrintable(both(whole)));
    for (const char* i : {"0", "1"}) {
        const auto r =
            cli(customizeArgs(dir / (std::string("s") + i),
                              small + QStringList{u"--shard"_s, QString::fromLatin1(i) + u"/2"_s}),
                300000);
        QVERIFY2(r.code == 0, qPrintable(both(r)));
    }
    const auto merged = cli({u"bench"_s, u"merge"_s, u"--from"_s, path(dir / "s0"), u"--from"_s,
                             path(dir / "s1"), u"--out"_s, path(dir / "merged")});
    QVERIFY2(merged.code == 0, qPrintable(both(merged)));
    QCOMPARE(samplesOf(dir / "merged"), samplesOf(dir / "whole"));
    QCOMPARE(readJson(dir / "merged" / "results.json")[u"variants"_s],
             readJson(dir / "whole" / "results.json")[u"variants"_s]);
    QCOMPARE(readJson(dir / "merged" / "results.json")[u"videos"_s].toArray().size(), 3);
    // Two worker processes on their shards, then the merge.
    const auto devices = cli(
        customizeArgs(dir / "devices", small + QStringList{u"--devices"_s, u"cpu,cpu"_s}), 300000);
    QVERIFY2(devices.code == 0, qPrintable(both(devices)));
    QCOMPARE(samplesOf(dir / "devices"), samplesOf(dir / "whole"));
    QVERIFY(!fs::exists(dir / "devices.shards"));

    // Killed outright once the first video is done, then run again.
    QProcess p;
    const auto err = mp::test::startUntil(
        p, customizeArgs(dir / "again", small),
        [](const QString& e) { return e.contains(u"toy-0000: done"_s); }, 300000);
    QVERIFY2(err.contains(u"toy-0000: done"_s), qPrintable(err));
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished(30000));
    QVERIFY(!fs::exists(dir / "again"));
    const auto resumed = cli(customizeArgs(dir / "again", small), 300000);
    QVERIFY2(resumed.code == 0, qPrintable(both(resumed)));
    QVERIFY2(
        resumed.out.contains(u"resumed 1 videos"_s) || resumed.out.contains(u"resumed 2 videos"_s),
        qPrintable(both(resumed)));
    QCOMPARE(samplesOf(dir / "again"), samplesOf(dir / "whole"));
    QVERIFY(!fs::exists(dir / ".again.work"));
}

void TstCliBench::customizeBadInput_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown edit") << QStringList{u"--edits"_s, u"colour"_s} << u"--edits"_s;
    QTest::newRow("no tau") << QStringList{u"--taus"_s, u""_s} << u"--taus"_s;
    QTest::newRow("tau out of range") << QStringList{u"--taus"_s, u"1200"_s} << u"taus"_s;
    QTest::newRow("bad preset") << QStringList{u"--presets"_s, u"spatial"_s} << u"--presets"_s;
    QTest::newRow("bad rank") << QStringList{u"--ranks"_s, u"0"_s} << u"ranks"_s;
    QTest::newRow("empty shard") << QStringList{u"--limit"_s, u"1"_s, u"--shard"_s, u"1/2"_s}
                                 << u"--shard"_s;
    QTest::newRow("more frames than the videos have")
        << QStringList{u"--limit"_s, u"1"_s, u"--frames"_s, u"20"_s}
        << u"(toy-0000): the video has 16 frames, fewer than the 20 the model runs at"_s;
}

void TstCliBench::customizeBadInput() {
    QFETCH(QStringList, extra);
    QFETCH(QString, message);
    mp::test::TempDir dir;
    auto args = customizeArgs(dir / "run", {});
    // The later value of a repeated option wins; the row's comes after the defaults'.
    const auto r = cli(args + extra, 120000);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), qPrintable(both(r)));
    QVERIFY(!fs::exists(dir / "run"));
    QVERIFY(!fs::exists(dir / ".run.work"));
}

QTEST_MAIN(TstCliBench)
#include "tst_cli_bench.moc"
