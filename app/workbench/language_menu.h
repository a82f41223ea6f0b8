#pragma once
// The user interface's language: the translators for a language setting, and the Language menu
// that changes the setting. The window builds its texts once, so a new choice applies from the
// next start; the menu says so in the language just chosen.

#include <QMenu>
#include <QStringList>

class QActionGroup;

namespace mp::app {

class Settings;

// The setting values the workbench ships translations for; "" (the system locale) comes first.
QStringList availableLanguages();

// Installs MotionProbe's translation and Qt's own (qtbase: standard dialogs, About Qt) for
// `language` ("" = the default locale) on the application, replacing the ones an earlier call
// installed. Returns false when the language is not English and has no MotionProbe translation:
// the interface then stays English.
bool installTranslations(const QString& language);

// A "Language" menu with checkable System default / English / Deutsch actions over
// Settings::language. Choosing one stores it and opens a notice (object name "languageNotice")
// saying it applies on restart.
class LanguageMenu : public QMenu {
    Q_OBJECT
public:
    explicit LanguageMenu(Settings* settings, QWidget* parent = nullptr);

    // The action for a setting value, or null (object names "languageSystem", "language_en", …).
    QAction* actionFor(const QString& language) const;

    // The restart notice as it reads in `language` (English where no translation has it).
    static QString restartNotice(const QString& language);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void choose(const QString& language);
    void showChecked(const QString& language);

    Settings* m_settings;
    QActionGroup* m_group;
    QAction* m_system = nullptr;
};

}  // namespace mp::app
