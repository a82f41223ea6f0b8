#include "language_menu.h"

#include "settings.h"

#include <QActionGroup>
#include <QCoreApplication>
#include <QEvent>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QTranslator>

namespace mp::app {

namespace {

// The compiled translations are embedded by i18n/CMakeLists.txt.
const QString kTranslationsDir = QStringLiteral(":/i18n");

// Marked here so lupdate finds them under the menu's context; translated at run time, possibly
// into a language other than the installed one.
const char kContext[] = "mp::app::LanguageMenu";
const char* const kNoticeTitle = QT_TRANSLATE_NOOP("mp::app::LanguageMenu", "Language");
const char* const kNotice = QT_TRANSLATE_NOOP(
    "mp::app::LanguageMenu",
    "MotionProbe will use this language from its next start. Restart it to see every view in "
    "the new language.");

QLocale localeFor(const QString& language) {
    return language.isEmpty() ? QLocale() : QLocale(language);
}

bool loadOwn(QTranslator& translator, const QLocale& locale) {
    return translator.load(locale, QStringLiteral("motionprobe"), QStringLiteral("_"),
                           kTranslationsDir);
}

// `source` as it reads in `language`, through a translator of its own: the installed ones are
// for the current language. Where there is no translation, the restarted interface will be
// English, so English is right here too.
QString translatedInto(const QString& language, const char* source) {
    QTranslator translator;
    if (loadOwn(translator, localeFor(language)))
        if (QString text = translator.translate(kContext, source); !text.isEmpty())
            return text;
    return QString::fromUtf8(source);
}

}  // namespace

QStringList availableLanguages() {
    return {QString(), QStringLiteral("en"), QStringLiteral("de")};
}

bool installTranslations(const QString& language) {
    // Owned by the application; each call replaces what the previous one installed.
    static QPointer<QTranslator> own, qt;
    for (QPointer<QTranslator>* t : {&own, &qt})
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete t->data();
        }
    const QLocale locale = localeFor(language);
    // Qt's translations are optional (Debian: qt6-translations-l10n); without them Qt's dialog
    // buttons stay English.
    qt = new QTranslator(QCoreApplication::instance());
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    own = new QTranslator(QCoreApplication::instance());
    const bool found = loadOwn(*own, locale);
    if (found)
        QCoreApplication::installTranslator(own);
    // The sources are English: English (and the C locale) needs no file.
    return found || locale.language() == QLocale::English || locale.language() == QLocale::C;
}

LanguageMenu::LanguageMenu(Settings* settings, QWidget* parent)
    : QMenu(parent), m_settings(settings), m_group(new QActionGroup(this)) {
    setObjectName(QStringLiteral("languageMenu"));
    m_group->setExclusive(true);
    for (const QString& language : availableLanguages()) {
        auto* action = addAction(QString());
        action->setCheckable(true);
        action->setData(language);
        action->setObjectName(language.isEmpty() ? QStringLiteral("languageSystem")
                                                 : QStringLiteral("language_") + language);
        m_group->addAction(action);
        connect(action, &QAction::triggered, this, [this, language] { choose(language); });
        if (language.isEmpty()) {
            m_system = action;
            addSeparator();
        }
    }
    // Each language is named in itself, so a user finds theirs whatever the interface shows.
    actionFor(QStringLiteral("en"))->setText(QStringLiteral("&English"));
    actionFor(QStringLiteral("de"))->setText(QStringLiteral("&Deutsch"));
    retranslate();
    showChecked(m_settings->language());
    connect(m_settings, &Settings::languageChanged, this, &LanguageMenu::showChecked);
}

QAction* LanguageMenu::actionFor(const QString& language) const {
    for (QAction* action : m_group->actions())
        if (action->data().toString() == language)
            return action;
    return nullptr;
}

QString LanguageMenu::restartNotice(const QString& language) {
    return translatedInto(language, kNotice);
}

void LanguageMenu::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QMenu::changeEvent(event);
}

void LanguageMenu::retranslate() {
    setTitle(tr("&Language"));
    m_system->setText(tr("&System default"));
    const QString system = QLocale::system().nativeLanguageName();
    m_system->setToolTip(system.isEmpty() ? QString()
                                          : tr("The system's language: %1").arg(system));
}

void LanguageMenu::choose(const QString& language) {
    if (language == m_settings->language())
        return;
    m_settings->setLanguage(language);
    m_settings->sync();
    // Window-modal but not blocking: the session goes on behind it.
    auto* notice = new QMessageBox(QMessageBox::Information, translatedInto(language, kNoticeTitle),
                                   restartNotice(language), QMessageBox::Ok,
                                   parentWidget() ? parentWidget()->window() : nullptr);
    notice->setObjectName(QStringLiteral("languageNotice"));
    notice->setAttribute(Qt::WA_DeleteOnClose);
    notice->open();
}

void LanguageMenu::showChecked(const QString& language) {
    QAction* action = actionFor(language);
    (action ? action : m_system)->setChecked(true);  // an unknown value behaves as the system's
}

}  // namespace mp::app
