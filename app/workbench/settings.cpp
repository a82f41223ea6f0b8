#include "settings.h"

#include "io/resources.h"

#include <QDir>
#include <QSettings>

namespace mp::app {

namespace {

// The keys, in one place; nothing outside this file spells them.
const QString kLastModelDir = QStringLiteral("models/lastDir");
const QString kRecentModelDirs = QStringLiteral("models/recentDirs");
const QString kCurrentTab = QStringLiteral("window/currentTab");

QStringList normalized(const QStringList& dirs) {
    QStringList out;
    for (const QString& d : dirs) {
        const QString clean = QDir::cleanPath(d);
        if (!d.isEmpty() && !out.contains(clean))
            out << clean;
        if (out.size() == Settings::kMaxRecentModelDirs)
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
    return normalized(m_settings->value(kRecentModelDirs).toStringList());
}

void Settings::setRecentModelDirs(const QStringList& dirs) {
    const QStringList clean = normalized(dirs);
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
