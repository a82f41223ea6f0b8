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
}  // namespace

class TstCliBench : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shardsMergeToOneRun();
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

QTEST_MAIN(TstCliBench)
#include "tst_cli_bench.moc"
