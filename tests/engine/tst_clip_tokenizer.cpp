// CLIP tokenizer: Unicode building blocks against hand-checked cases, and token-for-token parity
// with transformers' CLIPTokenizer on the golden folders from tools/golden/clip_tokenizer.py.

#include "core/error.h"
#include "text/clip_tokenizer.h"
#include "text/unicode.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <numeric>

using namespace mp;
using namespace mp::text;
namespace fs = std::filesystem;
using namespace Qt::StringLiterals;

namespace {

const fs::path kGolden = fs::path(MP_TEST_DATA_DIR) / "golden" / "clip_tokenizer";

QString show(const std::u32string& s) {
    QString out;
    for (char32_t c : s)
        out += QStringLiteral("U+%1 ").arg(uint(c), 4, 16, QLatin1Char('0'));
    return out.trimmed();
}

QString join(const std::vector<std::int64_t>& ids) {
    QStringList parts;
    for (auto id : ids)
        parts << QString::number(id);
    return parts.join(u' ');
}

}  // namespace

class TstClipTokenizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void nfc_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("combining-acute") << u"e\u0301"_s << u"\u00e9"_s;
        QTest::newRow("already-composed") << u"\u00e9"_s << u"\u00e9"_s;
        QTest::newRow("angstrom-singleton") << u"\u212b"_s << u"\u00c5"_s;
        QTest::newRow("mark-order") << u"a\u0307\u0323"_s << u"\u1ea1\u0307"_s;
        QTest::newRow("mark-order-2") << u"a\u0323\u0307"_s << u"\u1ea1\u0307"_s;
        QTest::newRow("hangul-lvt") << u"\u1100\u1161\u11a8"_s << u"\uac01"_s;
        QTest::newRow("hangul-lv") << u"\u1100\u1161"_s << u"\uac00"_s;
        QTest::newRow("blocked") << u"a\u0301\u0301"_s << u"\u00e1\u0301"_s;
        QTest::newRow("ligature-kept") << u"\ufb01"_s << u"\ufb01"_s;  // compatibility only
    }
    void nfc() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const auto in = input.toStdU32String();
        const auto out = toNfc(in);
        QVERIFY2(out == expected.toStdU32String(), qPrintable(show(out)));
    }

    void classesAndCase() {
        QVERIFY(isLetter(U'a') && isLetter(U'\u00e9') && isLetter(U'\u4e2d') && !isLetter(U'1'));
        QVERIFY(isNumber(U'7') && isNumber(U'\u0663') && isNumber(U'\u216b') &&
                isNumber(U'\u00bd'));
        QVERIFY(!isNumber(U'a') && !isLetter(U'!') && !isLetter(U'\U0001F60A'));
        QVERIFY(isWhitespace(U'\u3000') && isWhitespace(U'\u00a0') && !isWhitespace(U'\u200b'));
        QVERIFY(toLowercase(U"ΣΑΣ") == U"σασ");  // no final-sigma rule, per character
        QVERIFY(toLowercase(U"\u0130") == U"i\u0307");
        QVERIFY(toLowercase(U"ABC\u00c9") == U"abc\u00e9");
    }

    void utf8_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("codepoints");
        QTest::addColumn<int>("replacements");
        QTest::newRow("ascii") << QByteArray("abc") << 3 << 0;
        QTest::newRow("emoji") << QByteArray("\xf0\x9f\x98\x8a") << 1 << 0;
        QTest::newRow("stray-continuation") << QByteArray("a\x80z") << 3 << 1;
        QTest::newRow("overlong") << QByteArray("\xc0\xaf") << 2 << 2;
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << 3 << 3;
        QTest::newRow("truncated") << QByteArray("\xe2\x82") << 1 << 1;
    }
    void utf8() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, codepoints);
        QFETCH(int, replacements);
        const auto s = decodeUtf8(std::string_view(bytes.constData(), std::size_t(bytes.size())));
        QCOMPARE(int(s.size()), codepoints);
        QCOMPARE(int(std::count(s.begin(), s.end(), U'\ufffd')), replacements);
        if (replacements == 0)
            QCOMPARE(QByteArray::fromStdString(encodeUtf8(s)), bytes);
    }

    void goldenParity_data() {
        QTest::addColumn<QString>("folder");
        QTest::newRow("sd2-pad-bang") << u"sd2"_s;
        QTest::newRow("openai-unk") << u"openai"_s;
    }
    void goldenParity() {
        QFETCH(QString, folder);
        const fs::path dir = kGolden / folder.toStdString();
        std::ifstream in(dir / "golden.json");
        QVERIFY2(in.good() && fs::exists(dir / "vocab.json"),
                 "golden data missing: run tools/golden/clip_tokenizer.py");
        const auto g = nlohmann::json::parse(in);
        const auto tok = ClipTokenizer::fromFolder(dir);
        QCOMPARE(tok.padId(), g["special_ids"]["pad"].get<std::int64_t>());
        QCOMPARE(tok.bosId(), g["special_ids"]["bos"].get<std::int64_t>());
        QCOMPARE(tok.eosId(), g["special_ids"]["eos"].get<std::int64_t>());
        const auto& captions = g["captions"];
        QVERIFY(captions.size() >= 200);
        int mismatches = 0;
        for (std::size_t i = 0; i < captions.size(); ++i) {
            const auto text = captions[i].get<std::string>();
            const auto padded = tok.encode(text, 77);
            const auto full = tok.encode(text, 0, false, false);
            const auto wantPadded = g["padded_ids"][i].get<std::vector<std::int64_t>>();
            const auto wantMask = g["attention_mask"][i].get<std::vector<std::int64_t>>();
            const auto wantFull = g["full_ids"][i].get<std::vector<std::int64_t>>();
            if (padded.ids != wantPadded || padded.attentionMask != wantMask ||
                full.ids != wantFull) {
                if (++mismatches <= 5)
                    qWarning("caption %zu %s\n  ours:         %s\n  transformers: %s", i,
                             qPrintable(QString::fromStdString(text).left(60)),
                             qPrintable(join(full.ids)), qPrintable(join(wantFull)));
            }
        }
        qInfo("%s: %zu captions, %d mismatches", qPrintable(folder), captions.size(), mismatches);
        QCOMPARE(mismatches, 0);
    }

    void truncationKeepsEos() {
        QVERIFY2(fs::exists(kGolden / "sd2" / "vocab.json"), "golden data missing");
        const auto tok = ClipTokenizer::fromFolder(kGolden / "sd2");
        std::string longText;
        for (int i = 0; i < 200; ++i)
            longText += "word ";
        const auto t = tok.encode(longText, 77);
        QCOMPARE(t.ids.size(), std::size_t(77));
        QCOMPARE(t.ids.front(), tok.bosId());
        QCOMPARE(t.ids.back(), tok.eosId());
        QVERIFY(t.truncated);
        const auto empty = tok.encode("", 77);
        QCOMPARE(empty.ids[0], tok.bosId());
        QCOMPARE(empty.ids[1], tok.eosId());
        QCOMPARE(empty.ids[2], tok.padId());
        QCOMPARE(std::accumulate(empty.attentionMask.begin(), empty.attentionMask.end(), 0), 2);
    }

    void rejectsBadFolders_data() {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QString>("merges");
        QTest::addColumn<QString>("message");
        const QString v =
            uR"({"a":0,"b":1,"ab":2,"a</w>":3,"b</w>":4,"<|startoftext|>":5,"<|endoftext|>":6})"_s;
        QTest::newRow("vocab-not-object")
            << u"[1]"_s << u"#version: 0.2\n"_s << u"vocab.json: expected a JSON object"_s;
        QTest::newRow("vocab-bad-id")
            << uR"({"a":"x"})"_s << u""_s << u"vocab.json: token 'a' has a non-integer id"_s;
        QTest::newRow("merge-three-parts")
            << v << u"#version: 0.2\na b c\n"_s << u"merges.txt: line 2 is not two tokens"_s;
        QTest::newRow("merge-unknown-token")
            << v << u"#version: 0.2\na z\n"_s << u"merges.txt: merge 1 ('a z') uses a token"_s;
        QTest::newRow("no-eos") << uR"({"a":0})"_s << u""_s
                                << u"bos_token '<|startoftext|>' is not in vocab.json"_s;
        QTest::newRow("missing-merges") << v << QString() << u"merges.txt"_s;
    }
    void rejectsBadFolders() {
        QFETCH(QString, vocab);
        QFETCH(QString, merges);
        QFETCH(QString, message);
        const fs::path dir = fs::path(MP_TEST_OUTPUT_DIR) / QTest::currentDataTag();
        fs::create_directories(dir);
        std::ofstream(dir / "vocab.json") << vocab.toStdString();
        fs::remove(dir / "merges.txt");
        if (!merges.isNull())
            std::ofstream(dir / "merges.txt") << merges.toStdString();
        try {
            (void)ClipTokenizer::fromFolder(dir);
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstClipTokenizer)
#include "tst_clip_tokenizer.moc"
