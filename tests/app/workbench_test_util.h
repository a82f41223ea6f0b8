#pragma once
// Helpers shared by the workbench's GUI tests: where screenshots go, and a meter of the GUI
// thread's event-loop stalls.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>
#include <QTimer>
#include <QWidget>

#include <algorithm>

namespace mp::test {

inline QString outputDir() {
    return QStringLiteral(MP_TEST_OUTPUT_DIR);
}

// Saves a grab of the widget under the test's output folder (kept as a CI artifact).
inline bool saveScreenshot(QWidget& widget, const QString& name, QString* path) {
    *path = outputDir() + u'/' + name;
    return widget.grab().save(*path);
}

// Keeps a GUI test off the user's files: customizations go to the test's data folder, the
// Experiments tab opens the test's own store in `tmp`; creates the screenshot folder.
inline bool isolateWorkbench(const QTemporaryDir& tmp) {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("MOTIONPROBE_STORE", QFile::encodeName(tmp.filePath(QStringLiteral("default.sqlite"))));
    return tmp.isValid() && QDir().mkpath(outputDir());
}

// Measures the longest gap between 5 ms ticks of the GUI thread's event loop while it runs.
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this,
                [this] { m_longest = std::max(m_longest, m_clock.restart()); });
        m_clock.start();
        m_timer.start();
    }
    qint64 longestMs() const { return m_longest; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_longest = 0;
};

}  // namespace mp::test
