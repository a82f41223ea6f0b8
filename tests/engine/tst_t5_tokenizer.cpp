// T5 tokenizer: token-for-token parity with transformers on 217 varied captions
// (tools/golden/t5_tokenizer.py over tests/data/golden/t5_tokenizer, a small SentencePiece model
// trained with T5's settings by tools/golden/make_spiece.cpp), and the rules transformers adds
// around SentencePiece: EOS, truncation, padding, special tokens, the extra ids.

#include "core/error.h"
#include "io/file_util.h"
#include "text/t5_tokenizer.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

using namespace mp;
using namespace mp::text;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;

namespace {

const fs::path kFolder = fs::path(MP_TEST_DATA_DIR) / "golden" / "t5_tokenizer";

QString join(const std::vector<std::int64_t>& ids) {
    QStringList parts;
    for (auto id : ids)
        parts << QString::number(id);
    return parts.join(u' ');
}

std::vector<std::int64_t> idsOf(const nlohmann::json& j) {
    return j.get<std::vector<std::int64_t>>();
}

}  // namespace

class TstT5Tokenizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The same vocabulary read from spiece.model, and from the tokenizer.json transformers 5
    // wrote for it (tools/golden/latte_pipeline.py saved a T5Tokenizer made from this model).
    void parity_data() {
        QTest::addColumn<QString>("source");
        QTest::newRow("spiece.model") << u"spiece.model"_s;
        QTest::newRow("tokenizer.json only") << u"tokenizer.json"_s;
    }
    void parity() {
        QFETCH(QString, source);
        std::ifstream in(kFolder / "golden.json");
        QVERIFY2(in, "golden.json missing");
        const auto golden = nlohmann::json::parse(in);
        const auto jsonOnly = fs::temp_directory_path() / "mp-tst-t5-tokenizer-json";
        if (source == u"tokenizer.json"_s) {
            const auto saved = kFolder.parent_path() / "latte_pipeline" / "pipeline" / "tokenizer";
            fs::create_directories(jsonOnly);
            for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
                fs::copy_file(saved / f, jsonOnly / f, fs::copy_options::overwrite_existing);
        }
        const auto tok =
            T5Tokenizer::fromFolder(source == u"tokenizer.json"_s ? jsonOnly : kFolder);
        if (source == u"tokenizer.json"_s)
            mp::removeTree(jsonOnly);
        const auto maxLength = golden["max_length"].get<std::int64_t>();
        QVERIFY(golden["rows"].size() >= 200);
        int checked = 0;
        QStringList mismatches;
        for (const auto& row : golden["rows"]) {
            const auto caption = row["caption"].get<std::string>();
            const auto padded = tok.encode(caption, maxLength, true, true);
            const auto full = tok.encode(caption, 0, false, false);
            const auto label = QString::fromStdString(caption).left(60);
            if (padded.ids != idsOf(row["ids"]) || padded.attentionMask != idsOf(row["mask"]) ||
                full.ids != idsOf(row["ids_full"]))
                mismatches << label + u"\n ours   "_s + join(full.ids) + u"\n theirs "_s +
                                  join(idsOf(row["ids_full"]));
            ++checked;
        }
        QVERIFY2(
            mismatches.isEmpty(),
            qPrintable(QString::number(mismatches.size()) + u" of "_s + QString::number(checked) +
                       u" captions differ:\n"_s + mismatches.join(u'\n')));
        qInfo("%d captions equal to %s %s", checked,
              golden["tokenizer_class"].get<std::string>().c_str(),
              golden["transformers"].get<std::string>().c_str());
        const auto extra = idsOf(golden["extra_ids"]);
        QCOMPARE(tok.encode("<extra_id_0>", 0, false).ids.front(), extra.at(0));
        QCOMPARE(tok.encode("<extra_id_99>", 0, false).ids.front(), extra.at(1));
    }

    void framing_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("maxLength");
        QTest::addColumn<bool>("pad");
        QTest::newRow("padded") << u"a red circle moves"_s << 12 << true;
        QTest::newRow("truncated")
            << u"word word word word word word word word word"_s << 4 << true;
        QTest::newRow("empty") << QString() << 6 << true;
        QTest::newRow("unpadded") << u"a dog"_s << 40 << false;
    }
    void framing() {
        QFETCH(QString, text);
        QFETCH(int, maxLength);
        QFETCH(bool, pad);
        const auto tok = T5Tokenizer::fromFolder(kFolder);
        const auto full = tok.encode(text.toStdString(), 0, false, false);
        const auto t = tok.encode(text.toStdString(), maxLength, pad, true);
        QCOMPARE(full.ids.back(), tok.eosId());
        // Truncation keeps max − 1 content tokens and EOS; padding follows with <pad>, mask 0.
        const auto content = std::min<std::size_t>(full.ids.size() - 1, maxLength - 1);
        QCOMPARE(t.truncated, full.ids.size() - 1 > content);
        QCOMPARE(t.ids.size(), pad ? std::size_t(maxLength) : content + 1);
        for (std::size_t i = 0; i < t.ids.size(); ++i) {
            const bool real = i <= content;
            QCOMPARE(t.attentionMask[i], std::int64_t{real});
            if (i < content)
                QCOMPARE(t.ids[i], full.ids[i]);
            else if (i == content)
                QCOMPARE(t.ids[i], tok.eosId());
            else
                QCOMPARE(t.ids[i], tok.padId());
        }
    }

    void specialTokens() {
        const auto tok = T5Tokenizer::fromFolder(kFolder);
        QCOMPARE(tok.eosId(), std::int64_t{1});
        QCOMPARE(tok.padId(), std::int64_t{0});
        QCOMPARE(tok.unkId(), std::int64_t{2});
        const auto top = tok.vocabSize() - 1;
        const auto one = [&](const char* text) {
            const auto ids = tok.encode(text, 0, false).ids;
            return ids.size() == 2 ? ids.front() : std::int64_t{-1};
        };
        // <extra_id_N> counts down from the top; those past the count, and near misses, are text.
        QCOMPARE(one("<extra_id_0>"), top);
        QCOMPARE(one("<extra_id_99>"), top - 99);
        QCOMPARE(one("</s>"), tok.eosId());
        QCOMPARE(one("<pad>"), tok.padId());
        QVERIFY(tok.encode("<extra_id_100>", 0, false).ids.size() > 2);
        QVERIFY(tok.encode("<extra_id_>", 0, false).ids.size() > 2);
        // Split out of running text, the text around them encoded as usual.
        const auto ids = tok.encode("a dog<extra_id_5>runs", 0, false).ids;
        auto expected = tok.encode("a dog", 0, false).ids;
        expected.pop_back();
        expected.push_back(top - 5);
        auto rest = tok.encode("runs", 0, false).ids;
        expected.insert(expected.end(), rest.begin(), rest.end());
        QCOMPARE(join(ids), join(expected));
    }

    void badFolders_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("no model") << u"none"_s << int(ErrorCode::NotFound) << u"spiece.model"_s;
        QTest::newRow("not a model")
            << u"garbage"_s << int(ErrorCode::Format) << u"not a SentencePiece model"_s;
        QTest::newRow("bad config")
            << u"config"_s << int(ErrorCode::Format) << u"tokenizer_config.json"_s;
        QTest::newRow("truncated model")
            << u"truncated"_s << int(ErrorCode::Format) << u"data ends inside a field"_s;
        QTest::newRow("tokenizer.json of a BPE model")
            << u"bpe"_s << int(ErrorCode::Format) << u"not a tokenizers Unigram model"_s;
        QTest::newRow("tokenizer.json with a bad vocabulary")
            << u"vocab"_s << int(ErrorCode::Format) << u"model.vocab entry 1"_s;
    }
    void badFolders() {
        QFETCH(QString, what);
        QFETCH(int, code);
        QFETCH(QString, message);
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / ("t5tok-" + what.toStdString());
        mp::removeTree(dir);
        fs::create_directories(dir);
        if (what == u"garbage")
            std::ofstream(dir / "spiece.model") << "this is not a protobuf";
        if (what == u"truncated") {
            const auto bytes = mp::readTextFile(kFolder / "spiece.model");
            std::ofstream(dir / "spiece.model", std::ios::binary) << bytes.substr(0, 1000);
        }
        if (what == u"bpe")
            std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "BPE", "vocab": {}}})";
        if (what == u"vocab")
            std::ofstream(dir / "tokenizer.json")
                << R"({"model": {"type": "Unigram", "vocab": [["a", -1.0], ["b"]]}})";
        if (what == u"config") {
            fs::copy_file(kFolder / "spiece.model", dir / "spiece.model");
            std::ofstream(dir / "tokenizer_config.json") << "{\"extra_ids\": ";
        }
        try {
            (void)T5Tokenizer::fromFolder(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QCOMPARE(int(e.code()), code);
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstT5Tokenizer)
#include "tst_t5_tokenizer.moc"
