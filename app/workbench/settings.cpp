#include "settings.h"

#include "io/resources.h"

#include <QDir>
#include <QSettings>

namespace mp::app {

namespace {

// The keys, in one place; nothing outside this file spells them.
const QString kLastModelDir = QStringLiteral("models/lastDir");
const QString kRecentModelDirs = QStringLiteral("models/recentDirs");
const QString kRecentVideos = QStringLiteral("videos/recent");
const QString kCurrentTab = QStringLiteral("window/currentTab");
const QString kLanguage = QStringLiteral("window/language");

// Clean paths, first occurrence kept, at most `limit`.
QStringList normalized(const QStringList& paths, int limit) {
    QStringList out;
    for (const QString& p : paths) {
        const QString clean = QDir::cleanPath(p);
        if (!p.isEmpty() && !out.contains(clean))
            out << clean;
        if (out.size() == limit)
            break;
    }
    return out;
}

}  // namespace

Settings::Settings(QObject* parent) : QObject(parent), m_settings(std::make_unique<QSettings>()) {}

Settings::Settings(const QString& iniFile, QObject* parent)
    : QObject(parent), m_settings(std::make_unique<QSettings>(iniFile, QSettings::IniFormat)) {}

Settings::~Settings() = default;

QString Settings::currentTab() const {
    return m_settings->value(kCurrentTab).toString();
}

void Settings::setCurrentTab(const QString& objectName) {
    if (objectName == currentTab())
        return;
    m_settings->setValue(kCurrentTab, objectName);
    Q_EMIT currentTabChanged(objectName);
}

QString Settings::language() const {
    return m_settings->value(kLanguage).toString();
}

void Settings::setLanguage(const QString& language) {
    if (language == this->language())
        return;
    m_settings->setValue(kLanguage, language);
    Q_EMIT languageChanged(language);
}

QString Settings::lastModelDir() const {
    return m_settings->value(kLastModelDir).toString();
}

void Settings::setLastModelDir(const QString& dir) {
    if (dir == lastModelDir())
        return;
    m_settings->setValue(kLastModelDir, dir);
    Q_EMIT lastModelDirChanged(dir);
}

QStringList Settings::recentModelDirs() const {
    return normalized(m_settings->value(kRecentModelDirs).toStringList(), kMaxRecentModelDirs);
}

void Settings::setRecentModelDirs(const QStringList& dirs) {
    const QStringList clean = normalized(dirs, kMaxRecentModelDirs);
    if (clean == recentModelDirs())
        return;
    m_settings->setValue(kRecentModelDirs, clean);
    Q_EMIT recentModelDirsChanged(clean);
}

void Settings::addRecentModelDir(const QString& dir) {
    if (dir.isEmpty())
        return;
    QStringList dirs = recentModelDirs();
    dirs.prepend(dir);
    setRecentModelDirs(dirs);
}

void Settings::clearRecentModelDirs() {
    setRecentModelDirs({});
}

QStringList Settings::recentVideos() const {
    return normalized(m_settings->value(kRecentVideos).toStringList(), kMaxRecentVideos);
}

void Settings::setRecentVideos(const QStringList& paths) {
    const QStringList clean = normalized(paths, kMaxRecentVideos);
    if (clean == recentVideos())
        return;
    m_settings->setValue(kRecentVideos, clean);
    Q_EMIT recentVideosChanged(clean);
}

void Settings::addRecentVideo(const QString& path) {
    if (path.isEmpty())
        return;
    QStringList paths = recentVideos();
    paths.prepend(path);
    setRecentVideos(paths);
}

void Settings::clearRecentVideos() {
    setRecentVideos({});
}

void Settings::sync() {
    m_settings->sync();
}

QString Settings::embeddedModelDir(QString* why) {
    try {
        return QString::fromStdString(mp::findResource(mp::kToyPipelineResource).string());
    } catch (const std::exception& e) {
        if (why)
            *why = QString::fromUtf8(e.what());
        return {};
    }
}

}  // namespace mp::app
