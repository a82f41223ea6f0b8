// Translations: the German catalogue embedded in the workbench's resources, the window in German
// (and in English when English is chosen on a German system), the .ts complete and consistent
// with its sources (placeholders, accelerators, rich text, symbols) and with the embedded .qm,
// the language setting, and the Language menu.

#include "engine_controller.h"
#include "language_menu.h"
#include "main_window.h"
#include "settings.h"

#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

#include <memory>

using namespace Qt::StringLiterals;
using mp::app::EngineController;
using mp::app::LanguageMenu;
using mp::app::MainWindow;
using mp::app::Settings;

namespace {

const QString kEmbeddedGerman = QStringLiteral(":/i18n/motionprobe_de.qm");

QString tsPath() {
    return QStringLiteral(MP_I18N_DIR "/motionprobe_de.ts");
}

struct TsMessage {
    QString context;
    QString source;
    QString comment;
    bool numerus = false;
    QString type;  // the translation's type attribute: "unfinished", "vanished", … or empty
    QStringList translations;  // one, or the numerus forms
};

// The messages of a .ts file (Qt Linguist's XML); `error` says why reading stopped early.
QVector<TsMessage> readTs(const QString& path, QString* language, QString* error) {
    QVector<TsMessage> messages;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return messages;
    }
    QXmlStreamReader xml(&file);
    QString context;
    while (xml.readNextStartElement()) {
        if (xml.name() == u"TS") {
            *language = xml.attributes().value(QLatin1StringView("language")).toString();
            continue;  // into its children
        }
        if (xml.name() != u"context") {
            xml.skipCurrentElement();
            continue;
        }
        while (xml.readNextStartElement()) {
            if (xml.name() == u"name") {
                context = xml.readElementText();
                continue;
            }
            if (xml.name() != u"message") {
                xml.skipCurrentElement();
                continue;
            }
            TsMessage m;
            m.context = context;
            m.numerus = xml.attributes().value(QLatin1StringView("numerus")) == u"yes";
            while (xml.readNextStartElement()) {
                if (xml.name() == u"source") {
                    m.source = xml.readElementText();
                } else if (xml.name() == u"comment") {
                    m.comment = xml.readElementText();
                } else if (xml.name() == u"translation") {
                    m.type = xml.attributes().value(QLatin1StringView("type")).toString();
                    if (m.numerus) {
                        while (xml.readNextStartElement())
                            if (xml.name() == u"numerusform")
                                m.translations << xml.readElementText();
                            else
                                xml.skipCurrentElement();
                    } else {
                        m.translations << xml.readElementText();
                    }
                } else {
                    xml.skipCurrentElement();
                }
            }
            messages << m;
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return messages;
}

// %1…%99 and %n (also as %L1), sorted and without repeats.
QStringList placeholders(const QString& text) {
    static const QRegularExpression re(QStringLiteral("%L?(\\d{1,2}|n)"));
    QStringList out;
    for (const auto& match : re.globalMatch(text))
        out << match.captured(1);
    out.sort();
    out.removeDuplicates();
    return out;
}

// A mnemonic: '&' before a character other than '&' or a space ("&&" is a literal ampersand).
bool hasAccelerator(const QString& text) {
    static const QRegularExpression re(QStringLiteral("(^|[^&])(&&)*&[^&\\s]"));
    return re.match(text).hasMatch();
}

// The rich-text tags of a message, in order (plain "<file>" value names are not tags).
QStringList htmlTags(const QString& text) {
    static const QRegularExpression re(
        QStringLiteral("</?(h[1-6]|p|b|i|u|a|br|ul|ol|li|tt|code|em|strong|span|div|table|tr|td|"
                       "th|sub|sup)\\b[^>]*>"));
    QStringList out;
    for (const auto& match : re.globalMatch(text))
        out << match.captured(0).section(u' ', 0, 0).remove(u'>');
    return out;
}

QString leadingSpace(const QString& s) {
    qsizetype i = 0;
    while (i < s.size() && s[i].isSpace())
        ++i;
    return s.left(i);
}

QString trailingSpace(const QString& s) {
    qsizetype i = s.size();
    while (i > 0 && s[i - 1].isSpace())
        --i;
    return s.mid(i);
}

QString textOf(MainWindow& window, const QString& what) {
    const QString kind = what.section(u':', 0, 0);
    const QString name = what.section(u':', 1);
    if (kind == u"tab") {
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
        return tabs ? tabs->tabText(tabs->indexOf(window.findChild<QWidget*>(name))) : QString();
    }
    if (kind == u"menu") {
        const auto actions = window.menuBar()->actions();
        const int i = name.toInt();
        return i < actions.size() ? actions[i]->text() : QString();
    }
    if (kind == u"action") {
        auto* action = window.findChild<QAction*>(name);
        return action ? action->text() : QString();
    }
    if (kind == u"qmenu") {
        auto* menu = window.findChild<QMenu*>(name);
        return menu ? menu->title() : QString();
    }
    if (kind == u"dock") {
        auto* dock = window.findChild<QDockWidget*>(name);
        return dock ? dock->windowTitle() : QString();
    }
    if (kind == u"button") {
        auto* button = window.findChild<QPushButton*>(name);
        return button ? button->text() : QString();
    }
    if (kind == u"tooltip") {
        auto* widget = window.findChild<QWidget*>(name);
        return widget ? widget->toolTip() : QString();
    }
    return QStringLiteral("<no such kind '%1'>").arg(kind);
}

}  // namespace

class TestI18n : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void embeddedGermanLoads();
    void windowStrings_data();
    void windowStrings();
    void tsComplete();
    void tsMessages_data();
    void tsMessages();
    void languageSetting_data();
    void languageSetting();
    void languageMenu();

private:
    QTemporaryDir m_tmp;
    QLocale m_defaultLocale;
    QVector<TsMessage> m_messages;
    QString m_tsLanguage;
    QString m_tsError;
    std::unique_ptr<EngineController> m_engine;
};

void TestI18n::initTestCase() {
    QVERIFY(m_tmp.isValid());
    QStandardPaths::setTestModeEnabled(true);
    // The Experiments tab opens the default store: the test's own, never the user's.
    qputenv("MOTIONPROBE_STORE",
            QFile::encodeName(m_tmp.filePath(QStringLiteral("default.sqlite"))));
    m_defaultLocale = QLocale();
    m_messages = readTs(tsPath(), &m_tsLanguage, &m_tsError);
    m_engine = std::make_unique<EngineController>();
}

void TestI18n::cleanup() {
    QLocale::setDefault(m_defaultLocale);
    mp::app::installTranslations(QStringLiteral("en"));  // no MotionProbe translator left
}

void TestI18n::embeddedGermanLoads() {
    QVERIFY2(QFile::exists(kEmbeddedGerman), "the German .qm is not in mp_workbench's resources");
    QTranslator translator;
    QVERIFY(translator.load(kEmbeddedGerman));
    QVERIFY(!translator.isEmpty());
    QCOMPARE(translator.language(), QStringLiteral("de_DE"));
    QCOMPARE(translator.translate("mp::app::MainWindow", "&File"), QStringLiteral("&Datei"));
}

void TestI18n::windowStrings_data() {
    QTest::addColumn<QString>("language");      // the setting
    QTest::addColumn<QString>("systemLocale");  // the default locale meanwhile
    QTest::addColumn<QString>("what");          // kind:objectName (textOf)
    QTest::addColumn<QString>("expected");
    const auto row = [](const char* tag, const char* language, const char* system, const char* what,
                        const char* expected) {
        QTest::newRow(tag) << QString::fromUtf8(language) << QString::fromUtf8(system)
                           << QString::fromUtf8(what) << QString::fromUtf8(expected);
    };
    row("de tab probe", "de", "C", "tab:probeTab", "Sondierung");
    row("de tab compare", "de", "C", "tab:compareTab", "Vergleich");
    row("de tab customize", "de", "C", "tab:customizeTab", "Anpassung");
    row("de tab experiments", "de", "C", "tab:experimentsTab", "Experimente");
    row("de menu file", "de", "C", "menu:0", "&Datei");
    row("de menu view", "de", "C", "menu:1", "&Ansicht");
    row("de action open", "de", "C", "action:openModelAction", "Modellordner ö&ffnen…");
    row("de action quit", "de", "C", "action:quitAction", "&Beenden");
    row("de dock inputs", "de", "C", "dock:inputsDock", "Modell · Video · Beschreibungen");
    row("de dock jobs", "de", "C", "dock:jobsDock", "Aufträge · Protokoll");
    row("de run probe", "de", "C", "button:runProbeButton", "Sondierung starten");
    row("de steps tooltip", "de", "C", "tooltip:probeSteps",
        "DDIM-Schritte der Inversion und jeder Neugenerierung");
    row("de language menu", "de", "C", "qmenu:languageMenu", "&Sprache");
    // The system's language when the setting is empty; English when chosen, whatever the system.
    row("system german", "", "de_DE", "tab:probeTab", "Sondierung");
    row("system german menu", "", "de_DE", "menu:0", "&Datei");
    row("en on german system", "en", "de_DE", "tab:probeTab", "Probe");
    row("en on german system menu", "en", "de_DE", "menu:0", "&File");
    row("system C", "", "C", "tab:compareTab", "Compare");
}

void TestI18n::windowStrings() {
    QFETCH(QString, language);
    QFETCH(QString, systemLocale);
    QFETCH(QString, what);
    QFETCH(QString, expected);

    QLocale::setDefault(QLocale(systemLocale));
    QVERIFY(mp::app::installTranslations(language) || systemLocale == u"C");
    Settings settings(m_tmp.filePath(QStringLiteral("window.ini")));
    MainWindow window(m_engine.get(), &settings);
    if (what.startsWith(u"qmenu:") && !window.findChild<QMenu*>(what.section(u':', 1)))
        QSKIP("the window has no Language menu (main_window.cpp does not add it)");
    QCOMPARE(textOf(window, what), expected);
}

void TestI18n::tsComplete() {
    QVERIFY2(m_tsError.isEmpty(), qPrintable(m_tsError));
    QCOMPARE(m_tsLanguage, QStringLiteral("de_DE"));
    // The catalogue of the whole workbench, not a stale fragment of it.
    QVERIFY2(m_messages.size() >= 200, qPrintable(QString::number(m_messages.size())));
    QStringList unfinished;
    for (const TsMessage& m : std::as_const(m_messages))
        if (!m.type.isEmpty() || m.translations.join(QString()).isEmpty())
            unfinished << m.context + u": " + m.source;
    QVERIFY2(unfinished.isEmpty(), qPrintable(unfinished.join(u'\n')));
}

void TestI18n::tsMessages_data() {
    QTest::addColumn<int>("index");
    QVERIFY(!m_messages.isEmpty());
    for (int i = 0; i < m_messages.size(); ++i)
        QTest::addRow("%d %s: %s", i, qPrintable(m_messages[i].context),
                      qPrintable(m_messages[i].source.left(40).replace(u'\n', u' ')))
            << i;
}

void TestI18n::tsMessages() {
    QFETCH(int, index);
    const TsMessage& m = m_messages[index];

    QVERIFY2(m.type != u"unfinished" && m.type != u"vanished" && m.type != u"obsolete",
             qPrintable(m.type));
    // German has two plural forms: one, other.
    QCOMPARE(m.translations.size(), m.numerus ? 2 : 1);
    QTranslator embedded;
    QVERIFY(embedded.load(kEmbeddedGerman));
    for (int form = 0; form < m.translations.size(); ++form) {
        const QString& t = m.translations[form];
        QVERIFY2(!t.trimmed().isEmpty(), "empty translation");
        QCOMPARE(placeholders(t), placeholders(m.source));
        QCOMPARE(hasAccelerator(t), hasAccelerator(m.source));
        QCOMPARE(htmlTags(t), htmlTags(m.source));
        QCOMPARE(leadingSpace(t), leadingSpace(m.source));
        QCOMPARE(trailingSpace(t), trailingSpace(m.source));
        // The symbols of the method read the same in every language.
        for (const QString& symbol : {u"τ"_s, u"c′"_s, u"Δ"_s, u"≥"_s, u"→"_s})
            if (m.source.contains(symbol))
                QVERIFY2(t.contains(symbol), qPrintable(symbol));
        // The build embedded this very .ts: n = 1 is German's first form, n = 2 its second.
        const int n = m.numerus ? form + 1 : -1;
        QCOMPARE(
            embedded.translate(m.context.toUtf8().constData(), m.source.toUtf8().constData(),
                               m.comment.isEmpty() ? nullptr : m.comment.toUtf8().constData(), n),
            t);
    }
}

void TestI18n::languageSetting_data() {
    QTest::addColumn<QString>("language");
    QTest::newRow("system") << QString();
    QTest::newRow("english") << QStringLiteral("en");
    QTest::newRow("german") << QStringLiteral("de");
}

void TestI18n::languageSetting() {
    QFETCH(QString, language);
    const QString ini = m_tmp.filePath(
        QStringLiteral("language-%1.ini").arg(QString::fromUtf8(QTest::currentDataTag())));
    {
        Settings settings(ini);
        QCOMPARE(settings.language(), QString());  // the default follows the system
        QSignalSpy changed(&settings, &Settings::languageChanged);
        settings.setLanguage(language);
        settings.setLanguage(language);  // no change, no signal
        QCOMPARE(changed.size(), language.isEmpty() ? 0 : 1);
        if (!changed.isEmpty())
            QCOMPARE(changed.first().first().toString(), language);
        QCOMPARE(settings.property("language").toString(), language);
    }
    Settings again(ini);
    QCOMPARE(again.language(), language);
    LanguageMenu menu(&again);
    QVERIFY(menu.actionFor(language));
    QVERIFY(menu.actionFor(language)->isChecked());
}

void TestI18n::languageMenu() {
    const QString ini = m_tmp.filePath(QStringLiteral("menu.ini"));
    Settings settings(ini);
    QWidget host;
    LanguageMenu menu(&settings, &host);
    QCOMPARE(menu.title(), QStringLiteral("&Language"));
    QStringList names;
    for (QAction* action : menu.actions())
        if (!action->isSeparator()) {
            QVERIFY(action->isCheckable());
            names << action->text();
        }
    QCOMPARE(names, (QStringList{QStringLiteral("&System default"), QStringLiteral("&English"),
                                 QStringLiteral("&Deutsch")}));
    QVERIFY(menu.actionFor(QString())->isChecked());

    // Choosing Deutsch stores it and says, in German, that it applies on the next start.
    menu.actionFor(QStringLiteral("de"))->trigger();
    QCOMPARE(settings.language(), QStringLiteral("de"));
    QVERIFY(menu.actionFor(QStringLiteral("de"))->isChecked());
    QCOMPARE(Settings(ini).language(), QStringLiteral("de"));
    QMessageBox* notice = nullptr;
    QTRY_VERIFY((notice = host.findChild<QMessageBox*>(QStringLiteral("languageNotice"))));
    QVERIFY2(notice->text().startsWith(u"MotionProbe verwendet diese Sprache"),
             qPrintable(notice->text()));
    QCOMPARE(notice->windowTitle(), QStringLiteral("Sprache"));
    notice->close();
    QTRY_VERIFY(!host.findChild<QMessageBox*>(QStringLiteral("languageNotice")));

    // Back to English, with German installed now: the notice is English all the same.
    QVERIFY(mp::app::installTranslations(QStringLiteral("de")));
    QTRY_COMPARE(menu.title(), QStringLiteral("&Sprache"));  // the menu follows a live change
    QCOMPARE(menu.actionFor(QString())->text(), QStringLiteral("&Systemstandard"));
    menu.actionFor(QStringLiteral("en"))->trigger();
    QCOMPARE(settings.language(), QStringLiteral("en"));
    QTRY_VERIFY((notice = host.findChild<QMessageBox*>(QStringLiteral("languageNotice"))));
    QVERIFY2(notice->text().startsWith(u"MotionProbe will use this language"),
             qPrintable(notice->text()));
    notice->close();

    // Choosing the language already set is no change and no notice.
    QTRY_VERIFY(!host.findChild<QMessageBox*>(QStringLiteral("languageNotice")));
    menu.actionFor(QStringLiteral("en"))->trigger();
    QVERIFY(!host.findChild<QMessageBox*>(QStringLiteral("languageNotice")));

    QVERIFY(mp::app::installTranslations(QStringLiteral("en")));
    QTRY_COMPARE(menu.title(), QStringLiteral("&Language"));
}

QTEST_MAIN(TestI18n)
#include "tst_i18n.moc"
