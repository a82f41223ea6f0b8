#pragma once
// The workbench's persistent settings: one typed getter, setter and change signal per key over
// QSettings, so no code reads a setting by string.

#include <QObject>
#include <QStringList>

#include <memory>

class QSettings;

namespace mp::app {

class Settings : public QObject {
    Q_OBJECT
    Q_PROPERTY(
        QString lastModelDir READ lastModelDir WRITE setLastModelDir NOTIFY lastModelDirChanged)
    Q_PROPERTY(QStringList recentModelDirs READ recentModelDirs WRITE setRecentModelDirs NOTIFY
                   recentModelDirsChanged)
    Q_PROPERTY(
        QStringList recentVideos READ recentVideos WRITE setRecentVideos NOTIFY recentVideosChanged)
    Q_PROPERTY(QString currentTab READ currentTab WRITE setCurrentTab NOTIFY currentTabChanged)
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY languageChanged)
public:
    static constexpr int kMaxRecentModelDirs = 8;
    static constexpr int kMaxRecentVideos = 10;

    // The user's settings (organization and application name set in main()).
    explicit Settings(QObject* parent = nullptr);
    // Settings kept in the given INI file, so tests never touch the user's.
    explicit Settings(const QString& iniFile, QObject* parent = nullptr);
    ~Settings() override;

    // The embedded default model (the toy world's pipeline) the workbench opens on when no folder
    // is given; empty, with the reason in `why`, when it is not installed.
    static QString embeddedModelDir(QString* why = nullptr);

    // The folder the "Open model folder…" dialog starts in.
    QString lastModelDir() const;
    void setLastModelDir(const QString& dir);

    // Most recent first, without duplicates, at most kMaxRecentModelDirs.
    QStringList recentModelDirs() const;
    void setRecentModelDirs(const QStringList& dirs);
    void addRecentModelDir(const QString& dir);
    void clearRecentModelDirs();

    // Reference videos (files or frame folders) the user opened, most recent first, without
    // duplicates, at most kMaxRecentVideos.
    QStringList recentVideos() const;
    void setRecentVideos(const QStringList& paths);
    void addRecentVideo(const QString& path);
    void clearRecentVideos();

    // The main tab the workbench showed last (its object name, e.g. "compareTab"), so it reopens
    // where the user left it.
    QString currentTab() const;
    void setCurrentTab(const QString& objectName);

    // The user interface's language: "" follows the system locale, otherwise a language code
    // ("en", "de"). Read once at start-up (main() installs the translators for it).
    QString language() const;
    void setLanguage(const QString& language);

    void sync();

Q_SIGNALS:
    void lastModelDirChanged(const QString& dir);
    void recentModelDirsChanged(const QStringList& dirs);
    void recentVideosChanged(const QStringList& paths);
    void currentTabChanged(const QString& objectName);
    void languageChanged(const QString& language);

private:
    std::unique_ptr<QSettings> m_settings;
};

}  // namespace mp::app
