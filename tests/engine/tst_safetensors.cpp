// safetensors reader/writer: round trips for every dtype, and each malformed-header defect
// rejected with its own message before any tensor byte is touched.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/file_util.h"
#include "io/safetensors.h"

#include <QtTest/QtTest>

#include <cstring>
#include <filesystem>

using namespace mp;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;
Q_DECLARE_METATYPE(mp::DType)
Q_DECLARE_METATYPE(std::string)

class TstSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void metadataAndOrder();
    void malformed_data();
    void malformed();
    void emptyTensorWithHugeDims();
    void pickleRefused_data();
    void pickleRefused();
    void missingFile();
    void atomicWriteKeepsOldFileOnError();
    void writerRejectsBadEntries();
};

void TstSafetensors::roundTrip_data() {
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::newRow("F64 2x3") << DType::F64 << QList<qint64>{2, 3};
    QTest::newRow("F32 4") << DType::F32 << QList<qint64>{4};
    QTest::newRow("F16 3x2") << DType::F16 << QList<qint64>{3, 2};
    QTest::newRow("BF16 5") << DType::BF16 << QList<qint64>{5};
    QTest::newRow("I64 2x2") << DType::I64 << QList<qint64>{2, 2};
    QTest::newRow("I32 7") << DType::I32 << QList<qint64>{7};
    QTest::newRow("I16 1x1x3") << DType::I16 << QList<qint64>{1, 1, 3};
    QTest::newRow("I8 6") << DType::I8 << QList<qint64>{6};
    QTest::newRow("U8 9") << DType::U8 << QList<qint64>{9};
    QTest::newRow("BOOL 4") << DType::Bool << QList<qint64>{4};
    QTest::newRow("F32 scalar") << DType::F32 << QList<qint64>{};
    QTest::newRow("F32 empty 0x3") << DType::F32 << QList<qint64>{0, 3};
}

void TstSafetensors::roundTrip() {
    QFETCH(DType, dtype);
    QFETCH(QList<qint64>, shape);
    test::TempDir dir;
    const std::vector<std::int64_t> dims(shape.begin(), shape.end());
    std::int64_t numel = 1;
    for (auto d : dims)
        numel *= d;
    std::vector<std::byte> data(static_cast<std::size_t>(numel) * dtypeSize(dtype));
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::byte>((i * 37 + 11) & 0xff);
    const TensorWrite w[] = {{"a.weight", dtype, dims, data},
                             {"b", DType::U8, {3}, std::as_bytes(std::span("xyz", 3))}};
    writeSafetensors(dir / "t.safetensors", w);

    const auto f = SafetensorsFile::open(dir / "t.safetensors");
    QCOMPARE(f.header().tensors.size(), std::size_t(2));
    QCOMPARE(f.header().dataStart % 8, std::uint64_t(0));  // aligned data section
    const TensorEntry* e = f.header().find("a.weight");
    QVERIFY(e);
    QCOMPARE(e->dtype, dtype);
    QCOMPARE(e->shape, dims);
    QCOMPARE(e->numel(), numel);
    const auto bytes = f.bytes(*e);
    QCOMPARE(bytes.size(), data.size());
    QVERIFY(std::equal(bytes.begin(), bytes.end(), data.begin()));
    const auto b = f.bytes(*f.header().find("b"));
    QCOMPARE(std::string(reinterpret_cast<const char*>(b.data()), b.size()), std::string("xyz"));
    QVERIFY(!f.header().find("missing"));
}

void TstSafetensors::metadataAndOrder() {
    test::TempDir dir;
    test::writeTensors(dir / "m.safetensors", {{"z", DType::F32, {2}}, {"a", DType::F32, {3}}},
                       {{"format", "pt"}, {"lora_adapter_metadata", "{\"r\": 4}"}});
    const auto f = SafetensorsFile::open(dir / "m.safetensors");
    QCOMPARE(f.header().metadata.at("format"), std::string("pt"));
    QCOMPARE(f.header().metadata.at("lora_adapter_metadata"), std::string("{\"r\": 4}"));
    // Ordered by data offset: the writer keeps the order it was given.
    QCOMPARE(f.header().tensors[0].name, std::string("z"));
    QCOMPARE(f.header().tensors[1].name, std::string("a"));
}

void TstSafetensors::malformed_data() {
    QTest::addColumn<std::string>("header");
    QTest::addColumn<int>("dataBytes");
    QTest::addColumn<qint64>("declaredLength");  // -1: the header's real length
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("code");
    const int fmt = int(ErrorCode::Format);
    const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    QTest::newRow("too short") << std::string("") << 0 << qint64(0) << "too short for a JSON"
                               << fmt;
    QTest::newRow("length past end") << ok << 8 << qint64(5000) << "runs past the end" << fmt;
    QTest::newRow("length above cap") << ok << 8 << qint64(200'000'000) << "exceeds the" << fmt;
    QTest::newRow("not an object start")
        << std::string("[1, 2]") << 0 << qint64(-1) << "does not start with '{'" << fmt;
    QTest::newRow("invalid json") << std::string("{\"w\": ") << 0 << qint64(-1) << "not valid JSON"
                                  << fmt;
    QTest::newRow("invalid utf8") << std::string("{\"w\xff\": 1}") << 0 << qint64(-1)
                                  << "not valid JSON" << fmt;
    QTest::newRow("duplicate name")
        << std::string(
               R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})")
        << 8 << qint64(-1) << "repeats the key 'w'" << fmt;
    QTest::newRow("unknown dtype")
        << std::string(R"({"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})") << 2
        << qint64(-1) << "unsupported dtype 'F8_E4M3'" << int(ErrorCode::Unsupported);
    QTest::newRow("negative dim")
        << std::string(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})") << 8
        << qint64(-1) << "must be a non-negative integer" << fmt;
    QTest::newRow("float dim") << std::string(
                                      R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})")
                               << 8 << qint64(-1) << "must be a non-negative integer" << fmt;
    QTest::newRow("shape overflow")
        << std::string(
               R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})")
        << 8 << qint64(-1) << "shape is too large" << fmt;
    QTest::newRow("partial product overflow before a zero dim")
        << std::string(
               R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776,0],"data_offsets":[0,0]}})")
        << 0 << qint64(-1) << "shape is too large" << fmt;
    QTest::newRow("end before begin")
        << std::string(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}})") << 8
        << qint64(-1) << "is before begin" << fmt;
    QTest::newRow("offsets past data")
        << std::string(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})") << 8
        << qint64(-1) << "run past the 8-byte data section" << fmt;
    QTest::newRow("size mismatch")
        << std::string(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})") << 8
        << qint64(-1) << "spans 8 bytes but shape x F32 needs 12" << fmt;
    QTest::newRow("overlap")
        << std::string(
               R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})")
        << 12 << qint64(-1) << "overlaps" << fmt;
    QTest::newRow("hole")
        << std::string(
               R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})")
        << 12 << qint64(-1) << "4-byte hole" << fmt;
    QTest::newRow("trailing bytes") << ok << 12 << qint64(-1) << "but the tensors cover 8" << fmt;
    QTest::newRow("metadata not string")
        << std::string(R"({"__metadata__":{"r":4}})") << 0 << qint64(-1)
        << "__metadata__['r'] must be a string" << fmt;
    QTest::newRow("unknown field")
        << std::string(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"strides":[1]}})")
        << 8 << qint64(-1) << "unknown field 'strides'" << fmt;
    QTest::newRow("missing offsets") << std::string(R"({"w":{"dtype":"F32","shape":[2]}})") << 8
                                     << qint64(-1) << "needs 'data_offsets'" << fmt;
    std::string deep;
    for (int i = 0; i < 200; ++i)
        deep += "{\"a\":";
    QTest::newRow("deep nesting") << deep << 0 << qint64(-1) << "nested deeper" << fmt;
}

void TstSafetensors::malformed() {
    QFETCH(std::string, header);
    QFETCH(int, dataBytes);
    QFETCH(qint64, declaredLength);
    QFETCH(QString, expected);
    QFETCH(int, code);
    test::TempDir dir;
    const auto path = dir / "bad.safetensors";
    test::writeRawSafetensors(path, header, std::size_t(dataBytes), declaredLength);
    try {
        SafetensorsFile::open(path);
        QFAIL("a malformed file was accepted");
    } catch (const EngineError& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.startsWith(QString::fromStdString(path.string() + ": ")), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable(msg));
        QCOMPARE(int(e.code()), code);
    }
}

void TstSafetensors::emptyTensorWithHugeDims() {
    // Valid per the format (zero elements); numel() must not overflow on the way to 0.
    test::TempDir dir;
    test::writeRawSafetensors(
        dir / "e.safetensors",
        R"({"e":{"dtype":"F32","shape":[4294967296,2147483647,0],"data_offsets":[0,0]}})", 0);
    const auto f = SafetensorsFile::open(dir / "e.safetensors");
    QCOMPARE(f.header().find("e")->numel(), std::int64_t(0));
}

void TstSafetensors::pickleRefused_data() {
    QTest::addColumn<QString>("name");
    for (const char* n : {"pytorch_model.bin", "model.pt", "weights.pth", "sd.ckpt", "x.pkl"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

void TstSafetensors::pickleRefused() {
    QFETCH(QString, name);
    test::TempDir dir;
    const auto path = dir / name.toStdString();
    test::writeText(path, "\x80\x02}q\x00.");  // a pickle prefix: it must never be parsed
    try {
        SafetensorsFile::open(path);
        QFAIL("a pickle file was opened");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::Unsupported);
        QVERIFY(QString::fromStdString(e.what()).contains(u"convert the file to safetensors"));
    }
}

void TstSafetensors::missingFile() {
    try {
        SafetensorsFile::open("/nonexistent/dir/x.safetensors");
        QFAIL("opened a missing file");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::NotFound);
        QVERIFY(QString::fromStdString(e.what()).contains(u"/nonexistent/dir/x.safetensors"));
    }
}

void TstSafetensors::atomicWriteKeepsOldFileOnError() {
    test::TempDir dir;
    const auto path = dir / "keep.safetensors";
    test::writeTensors(path, {{"old", DType::F32, {2}}});
    const auto before = fs::file_size(path);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, writeFileAtomically(path, [](std::ostream& out) {
                                 out << "partial";
                                 throw std::runtime_error("interrupted");
                             }));
    QCOMPARE(fs::file_size(path), before);
    QVERIFY(SafetensorsFile::open(path).header().find("old"));
    // No temporary files are left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path()))
        ++entries;
    QCOMPARE(entries, 1);
}

void TstSafetensors::writerRejectsBadEntries() {
    test::TempDir dir;
    const std::byte four[4] = {};
    const TensorWrite dup[] = {{"x", DType::F32, {1}, four}, {"x", DType::F32, {1}, four}};
    const TensorWrite wrongSize[] = {{"x", DType::F32, {2}, four}};
    const TensorWrite reserved[] = {{"__metadata__", DType::F32, {1}, four}};
    for (auto tensors : {std::span<const TensorWrite>(dup), std::span<const TensorWrite>(wrongSize),
                         std::span<const TensorWrite>(reserved)}) {
        try {
            writeSafetensors(dir / "w.safetensors", tensors);
            QFAIL("bad entries were written");
        } catch (const EngineError& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        }
        QVERIFY(!fs::exists(dir / "w.safetensors"));
    }
}

QTEST_APPLESS_MAIN(TstSafetensors)
#include "tst_safetensors.moc"
