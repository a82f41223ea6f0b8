// Typed config.json access: every error names the file and the key; unread keys are reported.

#include "../support/fixtures.h"
#include "core/error.h"
#include "io/config.h"

#include <QtTest/QtTest>

using namespace mp;
using namespace Qt::StringLiterals;

class TstConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void typedValues();
    void errors_data();
    void errors();
    void unreadKeys();
    void loadErrorsNameTheFile();
};

void TstConfig::typedValues() {
    const auto c = JsonConfig::parse(
        R"({"layers": 2, "eps": 1e-6, "flip": true, "act": "silu", "blocks": [320, 640],
            "names": ["a", "b"], "as_float": 4.0, "float_list": [640.0, 1280], "nothing": null})",
        "unet/config.json");
    QCOMPARE(c.requireInt("layers"), std::int64_t(2));
    QCOMPARE(c.requireDouble("eps"), 1e-6);
    QCOMPARE(c.requireDouble("layers"), 2.0);  // integers are numbers too
    QCOMPARE(c.requireBool("flip"), true);
    QCOMPARE(c.requireString("act"), std::string("silu"));
    QCOMPARE(c.requireIntList("blocks"), (std::vector<std::int64_t>{320, 640}));
    QCOMPARE(c.requireStringList("names"), (std::vector<std::string>{"a", "b"}));
    QCOMPARE(c.requireInt("as_float"), std::int64_t(4));
    QCOMPARE(c.requireIntList("float_list"), (std::vector<std::int64_t>{640, 1280}));
    QCOMPARE(c.getInt("absent", 7), std::int64_t(7));
    QCOMPARE(c.getInt("nothing", 9), std::int64_t(9));  // null means "use the default"
    QCOMPARE(c.optionalInt("nothing"), std::optional<std::int64_t>());
    QCOMPARE(c.getString("absent", "x"), std::string("x"));
    QCOMPARE(c.getIntList("absent", {1}), std::vector<std::int64_t>{1});
}

void TstConfig::errors_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing int") << "{}"
                                 << "layers"
                                 << "int"
                                 << "key 'layers' is missing (expected an integer)";
    QTest::newRow("string for int") << R"({"layers": "2"})"
                                    << "layers"
                                    << "int"
                                    << R"(key 'layers' expected an integer, got a string "2")";
    QTest::newRow("fraction for int") << R"({"layers": 2.5})"
                                      << "layers"
                                      << "int"
                                      << "key 'layers' expected an integer, got a number 2.5";
    QTest::newRow("bool for double") << R"({"eps": true})"
                                     << "eps"
                                     << "double"
                                     << "key 'eps' expected a number, got a boolean true";
    QTest::newRow("int for bool") << R"({"flip": 1})"
                                  << "flip"
                                  << "bool"
                                  << "key 'flip' expected true or false, got an integer 1";
    QTest::newRow("list element")
        << R"({"blocks": [320, "640"]})"
        << "blocks"
        << "intlist"
        << "key 'blocks' expected an array of integers, but element 1 is a string";
    QTest::newRow("object for list") << R"({"blocks": {}})"
                                     << "blocks"
                                     << "intlist"
                                     << "key 'blocks' expected an array of integers, got an object";
    QTest::newRow("strings list")
        << R"({"names": [1]})"
        << "names"
        << "strlist"
        << "key 'names' expected an array of strings, but element 0 is an integer";
    QTest::newRow("above int64 does not wrap") << R"({"layers": 18446744073709551615})"
                                               << "layers"
                                               << "int"
                                               << "key 'layers' expected an integer";
    QTest::newRow("list above int64") << R"({"blocks": [1, 10000000009551600000]})"
                                      << "blocks"
                                      << "intlist"
                                      << "but element 1 is an integer";
    QTest::newRow("control chars quoted")
        << "{\"a\\u0000b\": \"x\"}" << QString::fromUtf8("a\0b", 3) << "int"
        << "key 'a\\x00b' expected an integer";
    QTest::newRow("getter checks type") << R"({"act": 3})"
                                        << "act"
                                        << "getstring"
                                        << "key 'act' expected a string, got an integer 3";
}

void TstConfig::errors() {
    QFETCH(QString, json);
    QFETCH(QString, key);
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    const auto c = JsonConfig::parse(json.toStdString(), "vae/config.json");
    const QByteArray keyBytes = key.toUtf8();
    const std::string k(keyBytes.constData(), std::size_t(keyBytes.size()));
    try {
        if (kind == u"int")
            c.requireInt(k);
        else if (kind == u"double")
            c.requireDouble(k);
        else if (kind == u"bool")
            c.requireBool(k);
        else if (kind == u"intlist")
            c.requireIntList(k);
        else if (kind == u"strlist")
            c.requireStringList(k);
        else
            c.getString(k, "fallback");
        QFAIL("no error");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::Config);
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.startsWith(u"vae/config.json: "), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }
}

void TstConfig::unreadKeys() {
    const auto c = JsonConfig::parse(
        R"({"_class_name": "DDIMScheduler", "beta_start": 0.1, "mystery": 1, "extra": [1]})",
        "scheduler/scheduler_config.json");
    c.getDouble("beta_start", 0.0);
    c.getInt("steps_offset", 0);  // absent but asked for: not reported
    QCOMPARE(c.unreadKeys(), (std::vector<std::string>{"extra", "mystery"}));
}

void TstConfig::loadErrorsNameTheFile() {
    test::TempDir dir;
    struct Case {
        std::string text;
        std::string phrase;
    };
    const Case cases[] = {{"[1, 2]", "expected a JSON object at the top, got an array"},
                          {"{\"a\": ", "not valid JSON"},
                          {std::string(100, '['), "nested deeper"}};
    for (const auto& c : cases) {
        test::writeText(dir / "config.json", c.text);
        try {
            JsonConfig::load(dir / "config.json");
            QFAIL("bad config accepted");
        } catch (const EngineError& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.startsWith(QString::fromStdString((dir / "config.json").string())),
                     qPrintable(msg));
            QVERIFY2(msg.contains(QString::fromStdString(c.phrase)), qPrintable(msg));
        }
    }
    try {
        JsonConfig::load(dir / "absent.json");
        QFAIL("missing file accepted");
    } catch (const EngineError& e) {
        QCOMPARE(e.code(), ErrorCode::NotFound);
    }
}

QTEST_APPLESS_MAIN(TstConfig)
#include "tst_config.moc"
