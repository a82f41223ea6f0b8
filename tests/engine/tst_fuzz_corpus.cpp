// Replays the fuzzing seed corpus (tests/data/fuzz/, written by tools/fuzz/make_seed_corpus.py)
// through the same code the libFuzzer targets run (tests/fuzz/fuzz_common.h, snapshot_input.h):
//   ok-*   must parse (snapshots: inspect without errors, and their index must open);
//   bad-*  must be refused with an mp::EngineError whose message starts with the file's label
//          (snapshots: inspectSnapshot records an error; it never throws).
// Nothing but mp::EngineError may escape a parser, and no result invariant may break: every row is
// strict. A bad-found-* seed (an engine defect found by fuzzing or review, not fixed yet) fails
// here until the engine is fixed and the seed is renamed (docs/fuzzing.md).

#include "../fuzz/snapshot_input.h"

#include "core/error.h"
#include "io/json_util.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef MP_TEST_DATA_DIR
#error "MP_TEST_DATA_DIR must name tests/data (mp_add_qt_test defines it)"
#endif

namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(MP_TEST_DATA_DIR) / "fuzz";

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> seedsIn(const std::string& kind) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(kCorpus / kind, ec))
        if (e.is_regular_file())
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// Messages quote untrusted names through mp::printable(): no raw control byte below 0x20 (an escape
// sequence would reach the terminal through the CLI, a NUL cuts what() short) may remain; DEL may,
// since nlohmann's parse errors quote it raw and terminals ignore it. Returns a description of the
// first one, or an empty string.
std::string rawControlByte(const std::string& message) {
    for (std::size_t i = 0; i < message.size(); ++i) {
        const auto c = static_cast<unsigned char>(message[i]);
        if (c < 0x20 && c != '\n')
            return "raw control byte 0x" + QByteArray(1, char(c)).toHex().toStdString() +
                   " at offset " + std::to_string(i) + " of: " + mp::printable(message, 400);
    }
    return {};
}

struct Replay {
    std::optional<mp::EngineError> error;  // what the parser refused the seed with
    std::optional<std::string> violation;  // a broken invariant (a bug)
};

// The parser run of one safetensors or config seed; anything but EngineError and
// InvariantViolation escapes to QtTest, which fails the test function.
Replay replayFile(const std::string& kind, const fs::path& path) {
    const std::string bytes = readBytes(path);
    const std::string label = path.string();
    Replay r;
    try {
        if (kind == "safetensors") {
            (void)mp_fuzz::exerciseSafetensors(
                {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, label);
        } else {
            mp_fuzz::exerciseStrictJson(bytes, label);
            const auto cfg = mp_fuzz::exerciseConfig(bytes, label);
            mp_fuzz::readProbeSchema(cfg);
        }
    } catch (const mp::EngineError& e) {
        r.error = e;
    } catch (const mp_fuzz::InvariantViolation& e) {
        r.violation = e.what();
    }
    return r;
}

struct SnapshotReplay {
    std::optional<mp_fuzz::SnapshotOutcome> outcome;
    std::optional<std::string> violation;
    std::string problems;  // every problem line, one per line
};

SnapshotReplay replaySnapshotFile(const fs::path& path, const fs::path& root) {
    SnapshotReplay r;
    try {
        r.outcome = mp_fuzz::exerciseSnapshot(mp_fuzz::decodeSnapshotInput(readBytes(path)), root);
    } catch (const mp_fuzz::InvariantViolation& e) {
        r.violation = e.what();
    }
    if (r.outcome) {
        for (const auto& p : r.outcome->info.problems)
            r.problems += p.line() + "\n";
        if (r.outcome->indexError)
            r.problems += "openIndex: " + *r.outcome->indexError + "\n";
    }
    return r;
}

}  // namespace

class TestFuzzCorpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void corpusPresent();
    void replay_data();
    void replay();
    void replaySnapshot_data();
    void replaySnapshot();
    void defectMessages_data();
    void defectMessages();
};

void TestFuzzCorpus::corpusPresent() {
    for (const char* kind : {"safetensors", "config", "snapshot"}) {
        const auto seeds = seedsIn(kind);
        QVERIFY2(seeds.size() >= 10,
                 qPrintable(QStringLiteral("%1: %2 seeds under %3")
                                .arg(QString::fromUtf8(kind))
                                .arg(seeds.size())
                                .arg(QString::fromStdString(kCorpus.string()))));
        int ok = 0;
        for (const auto& p : seeds) {
            const auto name = p.filename().string();
            QVERIFY2(
                startsWith(name, "ok-") || startsWith(name, "bad-"),
                qPrintable(QString::fromStdString(p.string() + ": seeds are named ok-* or bad-*")));
            ok += startsWith(name, "ok-");
        }
        QVERIFY2(ok > 0, kind);
    }
}

void TestFuzzCorpus::replay_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("path");
    for (const char* kind : {"safetensors", "config"})
        for (const auto& p : seedsIn(kind))
            QTest::newRow(qPrintable(QString(QString::fromUtf8(kind) + u'/' +
                                             QString::fromStdString(p.filename().string()))))
                << QString::fromUtf8(kind) << QString::fromStdString(p.string());
}

void TestFuzzCorpus::replay() {
    QFETCH(QString, kind);
    QFETCH(QString, path);
    const fs::path file = path.toStdString();
    const std::string name = file.filename().string();
    const std::string label = file.string();

    const Replay r = replayFile(kind.toStdString(), file);
    QVERIFY2(!r.violation, r.violation ? r.violation->c_str() : "");
    if (startsWith(name, "bad-")) {
        QVERIFY2(r.error.has_value(), "a bad-* seed parsed without an EngineError");
        const std::string what = r.error->what();
        QVERIFY2(startsWith(what, label + ": "), what.c_str());
        QVERIFY2(what.size() > label.size() + 2, what.c_str());
        const std::string raw = rawControlByte(what);
        QVERIFY2(raw.empty(), raw.c_str());
    } else {
        QVERIFY2(!r.error, r.error ? r.error->what() : "");
    }
}

void TestFuzzCorpus::replaySnapshot_data() {
    QTest::addColumn<QString>("path");
    for (const auto& p : seedsIn("snapshot"))
        QTest::newRow(qPrintable(QString::fromStdString("snapshot/" + p.filename().string())))
            << QString::fromStdString(p.string());
}

void TestFuzzCorpus::replaySnapshot() {
    QFETCH(QString, path);
    const fs::path file = path.toStdString();
    const std::string name = file.filename().string();
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());

    const SnapshotReplay r = replaySnapshotFile(file, fs::path(tmp.path().toStdString()) / "s");
    QVERIFY2(!r.violation, r.violation ? r.violation->c_str() : "");
    QVERIFY(r.outcome.has_value());
    // r.problems joins the lines with '\n', which rawControlByte() lets through.
    const std::string raw = rawControlByte(r.problems);
    QVERIFY2(raw.empty(), raw.c_str());
    if (startsWith(name, "bad-")) {
        QVERIFY2(r.outcome->info.hasErrors(),
                 qPrintable(QString::fromStdString("no error recorded; problems:\n" + r.problems)));
    } else {
        QVERIFY2(!r.outcome->info.hasErrors(), r.problems.c_str());
        QVERIFY2(!r.outcome->indexError, r.problems.c_str());
    }
}

void TestFuzzCorpus::defectMessages_data() {
    QTest::addColumn<QString>("seed");    // kind/file under tests/data/fuzz
    QTest::addColumn<QString>("phrase");  // must appear in the message (snapshots: a problem)
    QTest::addColumn<int>("code");        // the EngineError code; -1 for snapshots

    const int format = static_cast<int>(mp::ErrorCode::Format);
    const int unsupported = static_cast<int>(mp::ErrorCode::Unsupported);
    const int config = static_cast<int>(mp::ErrorCode::Config);
    static const std::string longName =
        "component name '" + std::string(129, 'a') + "' is not a plain folder name";
    const struct {
        const char* seed;
        const char* phrase;
        int code;
    } rows[] = {
        // safetensors: header length
        {"safetensors/bad-empty-file.safetensors", "file is 0 bytes, too short", format},
        {"safetensors/bad-short-file.safetensors", "too short for a safetensors header", format},
        {"safetensors/bad-header-len-past-eof.safetensors", "runs past the end of the", format},
        {"safetensors/bad-header-len-over-cap.safetensors", "exceeds the 100000000-byte limit",
         format},
        {"safetensors/bad-header-len-huge.safetensors", "exceeds", format},
        {"safetensors/bad-pickle-zip.safetensors", "exceeds", format},
        {"safetensors/bad-header-len-zero.safetensors", "too short for a JSON object", format},
        {"safetensors/bad-header-len-one.safetensors", "too short for a JSON object", format},
        // safetensors: header text
        {"safetensors/bad-not-brace-start.safetensors", "does not start with '{'", format},
        {"safetensors/bad-leading-space.safetensors", "does not start with '{'", format},
        {"safetensors/bad-invalid-json.safetensors", "not valid JSON", format},
        {"safetensors/bad-trailing-garbage-in-header.safetensors", "not valid JSON", format},
        {"safetensors/bad-invalid-utf8.safetensors", "ill-formed UTF-8", format},
        {"safetensors/bad-overlong-utf8.safetensors", "ill-formed UTF-8", format},
        {"safetensors/bad-deep-nesting.safetensors", "nested deeper than 16", format},
        {"safetensors/bad-deep-nesting-huge.safetensors", "nested deeper than 16", format},
        {"safetensors/bad-duplicate-tensor.safetensors", "JSON repeats the key 'w'", format},
        {"safetensors/bad-duplicate-field.safetensors", "JSON repeats the key 'dtype'", format},
        {"safetensors/bad-duplicate-metadata-key.safetensors", "JSON repeats the key 'k'", format},
        // safetensors: entries
        {"safetensors/bad-tensor-not-object.safetensors", "must be an object with dtype", format},
        {"safetensors/bad-empty-tensor-name.safetensors", "empty name", format},
        {"safetensors/bad-unknown-field.safetensors", "has unknown field 'stride'", format},
        {"safetensors/bad-missing-dtype.safetensors", "has no string 'dtype'", format},
        {"safetensors/bad-unknown-dtype.safetensors", "unsupported dtype 'F8_E4M3'", unsupported},
        {"safetensors/bad-dtype-lowercase.safetensors", "unsupported dtype 'f32'", unsupported},
        {"safetensors/bad-missing-shape.safetensors", "has no 'shape' array", format},
        {"safetensors/bad-negative-dim.safetensors", "shape entry must be a non-negative integer",
         format},
        {"safetensors/bad-float-dim.safetensors", "shape entry must be a non-negative integer",
         format},
        {"safetensors/bad-dim-beyond-uint64.safetensors",
         "must be a non-negative integer, got 1e+20", format},
        {"safetensors/bad-huge-dim.safetensors", "tensor 'w' shape is too large", format},
        {"safetensors/bad-shape-product-overflow.safetensors", "tensor 'w' shape is too large",
         format},
        {"safetensors/bad-shape-bytes-overflow.safetensors", "tensor 'w' shape is too large",
         format},
        // finding 5: the partial product passes INT64_MAX before the 0 dim
        {"safetensors/bad-zero-dim-after-overflowing-prefix.safetensors",
         "tensor 'z' shape is too large", format},
        {"safetensors/bad-missing-offsets.safetensors", "needs 'data_offsets' as [begin, end]",
         format},
        {"safetensors/bad-offsets-three-entries.safetensors", "needs 'data_offsets'", format},
        {"safetensors/bad-offsets-negative.safetensors", "data_offsets[0] must be a non-negative",
         format},
        {"safetensors/bad-offsets-float.safetensors", "data_offsets[1] must be a non-negative",
         format},
        {"safetensors/bad-offsets-end-before-begin.safetensors", "is before begin", format},
        {"safetensors/bad-offsets-past-data.safetensors", "run past the 8-byte data section",
         format},
        {"safetensors/bad-size-mismatch.safetensors", "spans 16 bytes but shape x F32 needs 24",
         format},
        {"safetensors/bad-overlap.safetensors", "tensor 'b' overlaps tensor 'a'", format},
        // finding 6: a NUL in a name is quoted as \x00 and no longer cuts the message short
        {"safetensors/bad-overlap-nul-in-name.safetensors", "tensor 'c' overlaps tensor 'a\\x00b'",
         format},
        {"safetensors/bad-overlap-same-range.safetensors", "overlaps", format},
        {"safetensors/bad-hole.safetensors", "hole", format},
        {"safetensors/bad-leading-hole.safetensors", "4-byte hole", format},
        {"safetensors/bad-trailing-bytes.safetensors",
         "data section is 24 bytes but the tensors cover 16", format},
        {"safetensors/bad-data-without-tensors.safetensors", "tensors cover 0", format},
        {"safetensors/bad-metadata-non-string.safetensors",
         "__metadata__['epochs'] must be a string", format},
        {"safetensors/bad-metadata-nested-object.safetensors",
         "__metadata__['k'] must be a string, got {\"x\":\"y\"}", format},
        {"safetensors/bad-metadata-not-object.safetensors", "__metadata__ must be an object",
         format},
        // Regression (finding 7): the dtype text was quoted raw, so an escape sequence in it
        // reached the terminal; it is escaped now.
        {"safetensors/bad-dtype-name-control-bytes.safetensors", "unsupported dtype 'F32\\x1b[2J'",
         unsupported},
        // config.json
        {"config/bad-not-object-array.json", "expected a JSON object at the top, got an array",
         config},
        {"config/bad-not-object-null.json", "expected a JSON object at the top, got null", config},
        {"config/bad-empty-file.json", "not valid JSON", config},
        {"config/bad-invalid-json.json", "not valid JSON", config},
        {"config/bad-invalid-utf8.json", "ill-formed UTF-8", config},
        {"config/bad-deep-nesting.json", "nested deeper than 64", config},
        {"config/bad-deep-nesting-huge.json", "nested deeper than 64", config},
        {"config/bad-huge-float-overflow.json", "number overflow", config},
        {"config/bad-huge-int-as-float.json",
         "key 'sample_size' expected an integer, got a number 1e+20", config},
        {"config/bad-int-not-exact.json",
         "key 'sample_size' expected an integer, got a number 64.5", config},
        // finding 1: integers above INT64_MAX are refused, not wrapped
        {"config/bad-int-above-int64.json",
         "key 'sample_size' expected an integer, got an integer 18446744073709551615", config},
        {"config/bad-int-list-element-above-int64.json",
         "key 'block_out_channels' expected an array of integers, but element 1 is an integer "
         "9223372036854775808",
         config},
        {"config/bad-int-list-element-not-exact.json",
         "key 'block_out_channels' expected an array of integers, but element 1 is a number 640.5",
         config},
        {"config/bad-wrong-type-int-string.json",
         "key 'sample_size' expected an integer, got a string \"64\"", config},
        {"config/bad-wrong-type-int-bool.json",
         "key 'in_channels' expected an integer, got a boolean true", config},
        {"config/bad-wrong-type-list-not-array.json",
         "key 'block_out_channels' expected an array of integers, got an integer 320", config},
        {"config/bad-wrong-type-list-element.json",
         "key 'block_out_channels' expected an array of integers, but element 1 is a string "
         "\"640\"",
         config},
        {"config/bad-wrong-type-bool-int.json",
         "key 'center_input_sample' expected true or false, got an integer 1", config},
        {"config/bad-wrong-type-double-string.json",
         "key 'norm_eps' expected a number, got a string \"1e-5\"", config},
        {"config/bad-wrong-type-string-list-element.json",
         "key 'down_block_types' expected an array of strings, but element 1 is an integer 3",
         config},
        {"config/bad-wrong-type-string-number.json",
         "key '_class_name' expected a string, got an integer 3", config},
        {"config/bad-wrong-type-string-object.json",
         "key 'act_fn' expected a string, got an object {\"name\":\"silu\"}", config},
        // snapshot folders: a recorded problem
        {"snapshot/bad-index-path-traversal.snap", "which is not a file beside the index", -1},
        {"snapshot/bad-index-missing-shard.snap", "is listed but missing", -1},
        {"snapshot/bad-index-unlisted-tensor.snap", "which the index does not list", -1},
        {"snapshot/bad-index-wrong-shard.snap", "which does not contain it", -1},
        {"snapshot/bad-index-pickle-shard.snap", "pickle-format weights are never loaded", -1},
        {"snapshot/bad-pickle-only.snap", "pickle-format weights are never loaded", -1},
        {"snapshot/bad-component-name-traversal.snap", "is not a plain folder name", -1},
        {"snapshot/bad-family-mismatch.snap", "is a latte pipeline but its denoiser", -1},
        {"snapshot/bad-missing-components.snap", "folder missing", -1},
        {"snapshot/bad-unet-weights-overlap.snap", "overlaps", -1},
        {"snapshot/bad-unet-weights-unknown-dtype.snap", "unsupported dtype 'F8_E4M3'", -1},
        {"snapshot/bad-unet-weights-missing.snap", "error: unet/: no safetensors weights", -1},
        {"snapshot/bad-index-duplicate-key.snap", "JSON repeats the key 'conv_in.weight'", -1},
        {"snapshot/bad-model-index-no-class.snap",
         "key '_class_name' is missing (expected a string)", -1},
        // finding 2: the parse error quotes the byte 0xFF; toJson(info) dumps with the replace
        // handler
        {"snapshot/bad-model-index-not-utf8.snap",
         "error: model_index.json: not valid JSON: [json.exception.parse_error.101]", -1},
        // finding 3: a non-string _diffusers_version is a warning, not an exception
        {"snapshot/bad-model-index-version-not-string.snap",
         "warning: model_index.json: key '_diffusers_version' is not a string; ignored", -1},
        {"snapshot/ok-pipeline-version-not-string.snap",
         "warning: model_index.json: key '_diffusers_version' is not a string; ignored", -1},
        // finding 4: names over 128 characters are refused (no std::regex any more)
        {"snapshot/bad-component-name-too-long.snap", longName.c_str(), -1},
        // Regression (finding 7): names from the index and model_index.json were quoted raw.
        {"snapshot/bad-index-tensor-name-nul.snap", "index puts tensor 'x\\x00\\x1b[2J' in", -1},
        {"snapshot/bad-pipeline-class-control-bytes.snap", "pipeline 'Evil\\x1b[2J' is not a", -1},
    };
    for (const auto& r : rows)
        QTest::newRow(r.seed) << QString::fromUtf8(r.seed) << QString::fromUtf8(r.phrase) << r.code;
}

void TestFuzzCorpus::defectMessages() {
    QFETCH(QString, seed);
    QFETCH(QString, phrase);
    QFETCH(int, code);
    const fs::path file = kCorpus / seed.toStdString();
    QVERIFY2(fs::is_regular_file(file), qPrintable(QString::fromStdString(file.string())));
    const std::string kind = seed.section(u'/', 0, 0).toStdString();

    std::string message;
    if (kind == "snapshot") {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const auto r = replaySnapshotFile(file, fs::path(tmp.path().toStdString()) / "s");
        QVERIFY2(!r.violation, r.violation ? r.violation->c_str() : "");
        message = r.problems;
    } else {
        const Replay r = replayFile(kind, file);
        QVERIFY2(!r.violation, r.violation ? r.violation->c_str() : "");
        QVERIFY2(r.error.has_value(), "no EngineError");
        message = r.error->what();
        QCOMPARE(QString::fromUtf8(mp::errorCodeName(r.error->code())),
                 QString::fromUtf8(mp::errorCodeName(static_cast<mp::ErrorCode>(code))));
    }
    QVERIFY2(message.find(phrase.toStdString()) != std::string::npos,
             qPrintable(QStringLiteral("expected '%1' in: %2")
                            .arg(phrase, QString::fromStdString(mp::printable(message, 4000)))));
}

QTEST_APPLESS_MAIN(TestFuzzCorpus)
#include "tst_fuzz_corpus.moc"
