#pragma once
// The workbench's scripted mode (`motionprobe --demo --run probe,customize --screenshots DIR
// --quit`): runs a shipped example through the real window as a user would — probe, then
// customization at the τ the probe suggests — and saves a picture of every view, for the
// README's screenshots and for checks. done() carries the exit code.

#include "job_id.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace mp::app {

class EngineController;
class MainWindow;

class ScriptedRun : public QObject {
    Q_OBJECT
public:
    struct Options {
        int example = 1;      // a shipped toy example
        QStringList runs;     // "probe", "customize"
        QString screenshots;  // a folder; empty: none
        int steps = 0;        // probe steps (0: the window's)
        int interval = 0;     // probe grid interval (0: the window's)
        int trainSteps = 0;   // customization steps (0: the window's)
        int sampleSteps = 0;  // sampling steps (0: the window's)
    };

    ScriptedRun(MainWindow* window,
                EngineController* engine,
                Options options,
                QObject* parent = nullptr);

    void start();
    QStringList screenshots() const { return m_written; }

Q_SIGNALS:
    void done(int exitCode);

private:
    void next();
    void fail(const QString& why);
    void shoot(const char* tab, const QString& name);
    void waitFor(JobId id);

    MainWindow* m_window;
    EngineController* m_engine;
    Options m_options;
    std::vector<std::function<void()>> m_steps;
    std::size_t m_next = 0;
    JobId m_waiting = 0;
    QString m_failure;
    QStringList m_written;
};

}  // namespace mp::app
