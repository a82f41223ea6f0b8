#include "scripted_run.h"

#include "engine_controller.h"
#include "main_window.h"

#include <QComboBox>
#include <QDir>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>

namespace mp::app {

ScriptedRun::ScriptedRun(MainWindow* window,
                         EngineController* engine,
                         Options options,
                         QObject* parent)
    : QObject(parent), m_window(window), m_engine(engine), m_options(std::move(options)) {
    connect(m_engine, &EngineController::failed, this, [this](JobId id, const QString& message) {
        if (id == m_waiting)
            m_failure = message;
    });
    connect(m_engine, &EngineController::finished, this, [this](JobId id) {
        if (id != m_waiting)
            return;
        m_waiting = 0;
        if (!m_failure.isEmpty())
            return fail(m_failure);
        // After the window's own handlers, and a moment for queued replots.
        QTimer::singleShot(100, this, &ScriptedRun::next);
    });
}

void ScriptedRun::start() {
    const auto set = [this](const char* name, int value) {
        if (value > 0)
            if (auto* box = m_window->findChild<QSpinBox*>(QString::fromLatin1(name)))
                box->setValue(value);
    };
    m_steps.push_back([this, set] {
        m_window->useExample(m_options.example);
        set("probeSteps", m_options.steps);
        set("customizeSteps", m_options.trainSteps);
        set("customizeSampleSteps", m_options.sampleSteps);
        if (m_options.interval > 0) {
            auto* interval = m_window->findChild<QComboBox*>(QStringLiteral("probeInterval"));
            interval->setCurrentIndex(interval->findData(m_options.interval));
        }
        next();
    });
    if (m_options.runs.contains(QStringLiteral("probe"))) {
        m_steps.push_back([this] {
            const JobId id = m_window->startProbe();
            if (id == 0)
                return fail(QStringLiteral("the probe did not start"));
            waitFor(id);
        });
        m_steps.push_back([this] { shoot("probeTab", QStringLiteral("probe.png")); });
        m_steps.push_back([this] { shoot("tradeOffTab", QStringLiteral("tradeoff.png")); });
        m_steps.push_back([this] {
            // The chosen τ's pair with τ_end = 0 (τ 999 stands for 1000), beside the original.
            const int tau = m_window->customizationTau();
            if (!m_window->comparePair(tau >= 999 ? 1000 : tau, 0))
                m_window->comparePair(1000, 0);
            shoot("compareTab", QStringLiteral("compare.png"));
        });
    }
    if (m_options.runs.contains(QStringLiteral("customize"))) {
        m_steps.push_back([this] {
            const JobId id = m_window->startCustomize();
            if (id == 0)
                return fail(QStringLiteral("the customization did not start"));
            waitFor(id);
        });
        m_steps.push_back([this] { shoot("customizeTab", QStringLiteral("customize.png")); });
    }
    m_steps.push_back([this] { shoot("experimentsTab", QStringLiteral("experiments.png")); });
    m_steps.push_back([this] { Q_EMIT done(m_failure.isEmpty() ? 0 : 1); });
    m_next = 0;
    next();
}

void ScriptedRun::next() {
    if (m_next < m_steps.size())
        m_steps[m_next++]();
}

void ScriptedRun::waitFor(JobId id) {
    m_waiting = id;
    m_failure.clear();
}

void ScriptedRun::fail(const QString& why) {
    qWarning("scripted run: %s", qPrintable(why));
    m_failure = why;
    Q_EMIT done(1);
}

// Shows the tab, lets its layout and queued replots run, saves the picture, goes on.
void ScriptedRun::shoot(const char* tab, const QString& name) {
    auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    if (auto* page = m_window->findChild<QWidget*>(QString::fromLatin1(tab)))
        tabs->setCurrentWidget(page);
    QTimer::singleShot(250, this, [this, name] {
        if (!m_options.screenshots.isEmpty()) {
            QDir().mkpath(m_options.screenshots);
            const QString file = QDir(m_options.screenshots).filePath(name);
            if (m_window->grab().save(file))
                m_written << file;
            else
                return fail(QStringLiteral("could not write %1").arg(file));
        }
        next();
    });
}

}  // namespace mp::app
