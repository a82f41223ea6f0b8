// The experiment store: probes by key, their runs and tensors, across reopening; clear errors on
// a file that is not a store.

#include "report/tables.h"
#include "store/store.h"

#include "../support/fixtures.h"

#include <QtTest/QtTest>

#include <fstream>

using namespace mp;
using namespace mp::store;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(std::vector<double>)

class TstStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void removeProbe();
    void benchmarks_data();
    void benchmarks();
    void notAStore();
    void intervals_data();
    void intervals();
};

void TstStore::roundTrip() {
    test::TempDir dir;
    const auto file = dir / "sub" / "experiments.sqlite";  // the folder is created
    std::int64_t id = 0;
    {
        auto s = ExperimentStore::open(file);
        const auto p = s.probe("key-1", R"({"steps":50})");
        id = p.id;
        QCOMPARE(p.status, std::string("running"));
        QCOMPARE(s.probe("key-1", "ignored").id, id);  // the same key: the same probe
        QVERIFY(s.probe("key-2", "{}").id != id);
        s.putRun(id, {"reconstruction", std::nullopt, std::nullopt, R"({"flow":0.9})"});
        s.putRun(id, {"pair-600-0", 600, 0, R"({"flow":0.5})"});
        s.putRun(id, {"pair-600-0", 600, 0, R"({"flow":0.6})"});  // replaced, not doubled
        Blob b{"F32", {2, 3}, std::vector<std::byte>(24, std::byte{7})};
        s.putBlob(id, "trunk", b);
        s.setStatus(id, "finished");
    }
    auto s = ExperimentStore::open(file);
    const auto probes = s.probes();
    QCOMPARE(probes.size(), std::size_t{2});
    QCOMPARE(probes[0].key, std::string("key-1"));
    QCOMPARE(probes[0].status, std::string("finished"));
    QCOMPARE(probes[0].params, std::string(R"({"steps":50})"));
    const auto runs = s.runs(id);
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[1].name, std::string("pair-600-0"));
    QCOMPARE(runs[1].tauStart, std::optional<int>(600));
    QCOMPARE(runs[1].metrics, std::string(R"({"flow":0.6})"));
    QVERIFY(!runs[0].tauStart);
    const auto b = s.blob(id, "trunk");
    QVERIFY(b.has_value());
    QCOMPARE(b->shape, (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(b->data.size(), std::size_t{24});
    QCOMPARE(int(b->data[5]), 7);
    QVERIFY(!s.blob(id, "missing"));
}

// Deleting a probe takes its runs and tensors and nothing of another probe; the same key then
// starts a new probe.
void TstStore::removeProbe() {
    test::TempDir dir;
    auto s = ExperimentStore::open(dir / "experiments.sqlite");
    const auto a = s.probe("key-a", "{}").id;
    const auto b = s.probe("key-b", "{}").id;
    for (const auto id : {a, b}) {
        s.putRun(id, {"pair-600-0", 600, 0, "{}"});
        s.putBlob(id, "trunk", Blob{"F32", {1}, std::vector<std::byte>(4)});
    }
    QVERIFY(s.removeProbe(a));
    QVERIFY(!s.removeProbe(a));  // gone already
    QCOMPARE(s.probes().size(), std::size_t{1});
    QCOMPARE(s.probes()[0].id, b);
    QVERIFY(s.runs(a).empty() && !s.blob(a, "trunk"));
    QCOMPARE(s.runs(b).size(), std::size_t{1});
    QVERIFY(s.blob(b, "trunk").has_value());
    const auto again = s.probe("key-a", "{}");
    QVERIFY(again.id != b);
    QVERIFY(s.runs(again.id).empty());
}

// Dataset benchmarks are keyed by their kind and settings; a video put again replaces its
// results and keeps its place; everything is there after reopening; the other kind and the
// probes are not touched.
void TstStore::benchmarks_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("other");
    QTest::newRow("customize") << int(BenchmarkKind::Customize) << int(BenchmarkKind::Probe);
    QTest::newRow("probe") << int(BenchmarkKind::Probe) << int(BenchmarkKind::Customize);
}

void TstStore::benchmarks() {
    QFETCH(int, kind);
    QFETCH(int, other);
    const auto k = static_cast<BenchmarkKind>(kind);
    const auto o = static_cast<BenchmarkKind>(other);
    test::TempDir dir;
    const auto file = dir / "experiments.sqlite";
    std::int64_t id = 0;
    {
        auto s = ExperimentStore::open(file);
        const auto probe = s.probe("key-a", "{}").id;
        const auto a = s.benchmark(k, R"({"steps":3})");
        const auto b = s.benchmark(k, R"({"steps":4})");
        QVERIFY(a.id != b.id);
        QCOMPARE(s.benchmark(k, R"({"steps":3})").id, a.id);
        s.putBenchmarkVideo(k, a.id, "v1", "first");
        s.putBenchmarkVideo(k, a.id, "v2", "second");
        s.putBenchmarkVideo(k, a.id, "v1", "first again");
        s.putBenchmarkVideo(k, b.id, "v1", "other");
        const auto x = s.benchmark(o, R"({"steps":5})");
        s.putBenchmarkVideo(o, x.id, "v9", "of the other kind");
        QCOMPARE(s.probes().size(), std::size_t{1});
        QCOMPARE(s.probes()[0].id, probe);
        id = a.id;
    }
    auto s = ExperimentStore::open(file);
    QCOMPARE(s.benchmarks(k).size(), std::size_t{2});
    QCOMPARE(s.benchmarks(k)[0].settings, std::string(R"({"steps":3})"));
    const auto videos = s.benchmarkVideos(k, id);
    QCOMPARE(videos.size(), std::size_t{2});
    QCOMPARE(videos[0], (std::pair<std::string, std::string>{"v1", "first again"}));
    QCOMPARE(videos[1], (std::pair<std::string, std::string>{"v2", "second"}));
    QCOMPARE(s.benchmarks(o).size(), std::size_t{1});
    QCOMPARE(s.benchmarks(o)[0].settings, std::string(R"({"steps":5})"));
    QCOMPARE(s.benchmarkVideos(o, s.benchmarks(o)[0].id).size(), std::size_t{1});
}

void TstStore::notAStore() {
    test::TempDir dir;
    const auto file = dir / "x.sqlite";
    std::ofstream(file) << "this is not an SQLite database, just some text that is long enough";
    try {
        (void)ExperimentStore::open(file);
        QFAIL("opened");
    } catch (const EngineError& e) {
        QVERIFY2(std::string(e.what()).find(file.string()) != std::string::npos, e.what());
    }
}

QTEST_APPLESS_MAIN(TstStore)
// The reports' intervals (report/tables.h): measurements get mean ± 1.96·s/√n, 0/1 verdicts
// Wilson's score interval inside [0, 1]; as the reports print them.
void TstStore::intervals_data() {
    QTest::addColumn<std::vector<double>>("values");
    QTest::addColumn<QString>("cell");
    QTest::addColumn<bool>("wilson");
    QTest::newRow("measurements") << std::vector<double>{30, 34} << u"32 [28.08, 35.92]"_s << false;
    QTest::newRow("one measurement")
        << std::vector<double>{0.25} << u"0.25 [0.25, 0.25]"_s << false;
    QTest::newRow("verdicts split")
        << std::vector<double>{1, 0} << u"0.5 [0.09453, 0.9055]"_s << true;
    QTest::newRow("verdicts agree") << std::vector<double>{1, 1, 1} << u"1 [0.4385, 1]"_s << true;
    QTest::newRow("one verdict 0") << std::vector<double>{0} << u"0 [0, 0.7935]"_s << true;
    QTest::newRow("none") << std::vector<double>{} << u"–"_s << false;
}

void TstStore::intervals() {
    QFETCH(std::vector<double>, values);
    QFETCH(QString, cell);
    QFETCH(bool, wilson);
    const auto m = report::meanInterval(values);
    QCOMPARE(QString::fromStdString(report::intervalCell(m)), cell);
    QCOMPARE(m.is_object() && m.value("rule", std::string()) == "wilson", wilson);
}

#include "tst_store.moc"
