// Component weights: single files, sharded indexes, diffusers/transformers variants, and refusals.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/weights.h"

#include <QtTest/QtTest>

using namespace mp;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {
void expectError(const std::function<void()>& fn, ErrorCode code, const QString& phrase) {
    try {
        fn();
        QFAIL("no error");
    } catch (const EngineError& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(e.code() == code,
                 qPrintable(QString::fromLatin1(errorCodeName(e.code())) + u": " + msg));
        QVERIFY2(msg.contains(phrase), qPrintable(msg));
    }
}

void writeShards(const fs::path& dir, const std::string& indexName, const std::string& index) {
    test::writeTensors(dir / "m-00001-of-00002.safetensors",
                       {{"a", DType::F32, {2, 3}}, {"b", DType::BF16, {4}}});
    test::writeTensors(dir / "m-00002-of-00002.safetensors", {{"c", DType::F16, {5}}});
    test::writeText(dir / indexName, index);
}

const std::string kGoodIndex = R"({"metadata": {"total_size": 42}, "weight_map": {
    "a": "m-00001-of-00002.safetensors", "b": "m-00001-of-00002.safetensors",
    "c": "m-00002-of-00002.safetensors"}})";
}  // namespace

class TstWeights : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void singleFile();
    void sharded();
    void indexErrors_data();
    void indexErrors();
    void variants_data();
    void variants();
    void pickleOnlyFolder();
    void emptyFolderListsVariants();
};

void TstWeights::singleFile() {
    test::TempDir dir;
    test::writeTensors(dir / "diffusion_pytorch_model.safetensors",
                       {{"x.weight", DType::F32, {3, 4}}, {"x.bias", DType::BF16, {3}}});
    const auto w = WeightSet::openComponent(dir.path());
    QCOMPARE(w.size(), std::size_t(2));
    QCOMPARE(w.keys(), (std::vector<std::string>{"x.bias", "x.weight"}));
    QCOMPARE(w.elementCount(), std::int64_t(15));
    QCOMPARE(w.elementsByDType().at(DType::BF16), std::int64_t(3));
    QCOMPARE(w.bytes("x.weight").size(), std::size_t(48));
    expectError([&] { w.entry("nope"); }, ErrorCode::NotFound, u"no tensor 'nope'"_s);
}

void TstWeights::sharded() {
    test::TempDir dir;
    writeShards(dir.path(), "model.safetensors.index.json", kGoodIndex);
    const auto lookup = locateWeights(dir.path());
    QVERIFY(lookup.sharded);
    const auto w = WeightSet::open(lookup);
    QCOMPARE(w.files().size(), std::size_t(2));
    QCOMPARE(w.keys(), (std::vector<std::string>{"a", "b", "c"}));
    QCOMPARE(w.elementCount(), std::int64_t(6 + 4 + 5));
    QCOMPARE(w.entry("c").dtype, DType::F16);
    QVERIFY(w.fileOf("c").path().filename() == "m-00002-of-00002.safetensors");
    QVERIFY(QString::fromStdString(w.describe()).contains(u"(2 shards)"));
}

void TstWeights::indexErrors_data() {
    QTest::addColumn<QString>("index");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("phrase");
    const int fmt = int(ErrorCode::Format);
    QTest::newRow("no weight_map") << R"({"metadata": {}})" << fmt << "'weight_map' object";
    QTest::newRow("empty map") << R"({"weight_map": {}})" << fmt << "lists no tensors";
    QTest::newRow("missing shard")
        << R"({"weight_map": {"a": "m-00003-of-00003.safetensors"}})" << int(ErrorCode::NotFound)
        << "shard 'm-00003-of-00003.safetensors' is listed but missing";
    QTest::newRow("path traversal") << R"({"weight_map": {"a": "../secret.safetensors"}})" << fmt
                                    << "not a file beside the index";
    QTest::newRow("absolute path")
        << R"({"weight_map": {"a": "/etc/passwd"}})" << fmt << "not a file beside the index";
    QTest::newRow("pickle shard") << R"({"weight_map": {"a": "pytorch_model-00001.bin"}})"
                                  << int(ErrorCode::Unsupported) << "pickle-format";
    QTest::newRow("tensor not in shard")
        << R"({"weight_map": {"a": "m-00002-of-00002.safetensors", "b": "m-00001-of-00002.safetensors", "c": "m-00002-of-00002.safetensors"}})"
        << fmt << "puts tensor 'a' in 'm-00002-of-00002.safetensors', which does not contain it";
    QTest::newRow("unlisted tensor in shard")
        << R"({"weight_map": {"a": "m-00001-of-00002.safetensors", "c": "m-00002-of-00002.safetensors"}})"
        << fmt << "holds tensor 'b', which the index does not list";
    QTest::newRow("duplicate key")
        << R"({"weight_map": {"a": "m-00001-of-00002.safetensors", "a": "m-00001-of-00002.safetensors"}})"
        << fmt << "repeats the key 'a'";
    QTest::newRow("non-string shard")
        << R"({"weight_map": {"a": 1}})" << fmt << "must be a file name string";
}

void TstWeights::indexErrors() {
    QFETCH(QString, index);
    QFETCH(int, code);
    QFETCH(QString, phrase);
    test::TempDir dir;
    writeShards(dir.path(), "model.safetensors.index.json", index.toStdString());
    expectError([&] { WeightSet::openIndex(dir / "model.safetensors.index.json"); },
                ErrorCode(code), phrase);
}

void TstWeights::variants_data() {
    QTest::addColumn<QStringList>("files");  // weight files present
    QTest::addColumn<QString>("requested");
    QTest::addColumn<QString>("chosen");
    QTest::addColumn<QString>("note");
    QTest::newRow("plain only") << QStringList{u"diffusion_pytorch_model.safetensors"_s}
                                << QString() << "diffusion_pytorch_model.safetensors" << QString();
    QTest::newRow("plain preferred without request")
        << QStringList{u"diffusion_pytorch_model.safetensors"_s,
                       u"diffusion_pytorch_model.fp16.safetensors"_s}
        << QString() << "diffusion_pytorch_model.safetensors" << QString();
    QTest::newRow("variant when asked")
        << QStringList{u"diffusion_pytorch_model.safetensors"_s,
                       u"diffusion_pytorch_model.fp16.safetensors"_s}
        << "fp16"
        << "diffusion_pytorch_model.fp16.safetensors" << QString();
    QTest::newRow("only variant present")
        << QStringList{u"model.fp16.safetensors"_s} << QString() << "model.fp16.safetensors"
        << "only the 'fp16' variant";
    QTest::newRow("asked variant missing") << QStringList{u"model.safetensors"_s} << "fp16"
                                           << "model.safetensors"
                                           << "variant 'fp16' not found; using the plain weights";
    QTest::newRow("sharded variant index")
        << QStringList{u"diffusion_pytorch_model.safetensors.index.fp16.json"_s} << "fp16"
        << "diffusion_pytorch_model.safetensors.index.fp16.json" << QString();
}

void TstWeights::variants() {
    QFETCH(QStringList, files);
    QFETCH(QString, requested);
    QFETCH(QString, chosen);
    QFETCH(QString, note);
    test::TempDir dir;
    for (const auto& f : files) {
        if (f.endsWith(u".json")) {
            test::writeTensors(dir / "diffusion_pytorch_model.fp16-00001-of-00001.safetensors",
                               {{"a", DType::F16, {2}}});
            test::writeText(
                dir / f.toStdString(),
                R"({"weight_map": {"a": "diffusion_pytorch_model.fp16-00001-of-00001.safetensors"}})");
        } else {
            test::writeTensors(dir / f.toStdString(), {{"a", DType::F32, {2}}});
        }
    }
    const auto lookup = locateWeights(dir.path(), requested.toStdString());
    QCOMPARE(QString::fromStdString(lookup.path.filename().string()), chosen);
    if (note.isEmpty()) {
        QVERIFY(lookup.notes.empty());
    } else {
        QCOMPARE(lookup.notes.size(), std::size_t(1));
        QVERIFY2(QString::fromStdString(lookup.notes[0]).contains(note), lookup.notes[0].c_str());
    }
    QCOMPARE(WeightSet::open(lookup).size(), std::size_t(1));
}

void TstWeights::pickleOnlyFolder() {
    test::TempDir dir;
    test::writeText(dir / "diffusion_pytorch_model.bin", "\x80\x02.");
    expectError([&] { locateWeights(dir.path()); }, ErrorCode::Unsupported,
                u"diffusion_pytorch_model.bin: pickle-format weights are never loaded"_s);
}

void TstWeights::emptyFolderListsVariants() {
    test::TempDir dir;
    test::writeTensors(dir / "model.fp16.safetensors", {{"a", DType::F16, {1}}});
    test::writeTensors(dir / "model.bf16.safetensors", {{"a", DType::BF16, {1}}});
    expectError([&] { locateWeights(dir.path()); }, ErrorCode::NotFound,
                u"variants present: bf16 fp16 (choose one as the weights variant)"_s);
    test::TempDir empty;
    expectError([&] { locateWeights(empty.path()); }, ErrorCode::NotFound,
                u"no safetensors weights"_s);
}

QTEST_APPLESS_MAIN(TstWeights)
#include "tst_weights.moc"
