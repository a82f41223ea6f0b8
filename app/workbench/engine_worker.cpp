#include "engine_worker.h"

#include "core/job.h"
#include "core/log.h"
#include "io/snapshot.h"
#include "runtime/device.h"
#include "sampling/ddim.h"

#include <QFile>

#include <algorithm>
#include <exception>
#include <filesystem>

namespace mp::app {

namespace {

std::filesystem::path toPath(const QString& dir) {
#ifdef Q_OS_WIN
    return std::filesystem::path(dir.toStdWString());
#else
    return std::filesystem::path(QFile::encodeName(dir).toStdString());
#endif
}

// Adds the scheduler's schedule to a pipeline summary. A scheduler the engine cannot run (a
// flow-matching one, a malformed config) makes the model unusable, so it is an error.
void addSchedule(ModelSummary& summary, const std::filesystem::path& root) {
    const bool hasScheduler =
        std::any_of(summary.components.begin(), summary.components.end(),
                    [](const ComponentSummary& c) { return c.name == u"scheduler"; });
    if (!hasScheduler || !summary.errors.filter(QStringLiteral("scheduler/")).isEmpty())
        return;
    try {
        const auto scheduler = sampling::DdimScheduler::fromModel(root);
        summary.scheduler = QString::fromStdString(scheduler.config().toString());
        for (auto t : scheduler.timesteps(kDefaultSteps))
            summary.timesteps.append(t);
        for (const auto& n : scheduler.config().notes)
            summary.schedulerNotes.append(QString::fromStdString(n));
        for (const auto& k : scheduler.config().unknownKeys)
            summary.schedulerNotes.append(
                QStringLiteral("scheduler_config.json: key '%1' is not used")
                    .arg(QString::fromStdString(k)));
    } catch (const std::exception& e) {
        summary.errors.append(QString::fromUtf8(e.what()));
    }
}

}  // namespace

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {}

void EngineWorker::initialize() {
    try {
        const int threads = mp::configureThreads();
        mp::log::info("engine thread ready: " + std::to_string(threads) + " intra-op threads");
    } catch (const std::exception& e) {
        mp::log::error(std::string("could not configure engine threads: ") + e.what());
    }
}

void EngineWorker::inspectModel(JobId id, const QString& dir, const mp::CancelToken& token) {
    // The token is the controller's, set from the GUI thread; a job cancelled while it waited in
    // the queue never starts.
    if (token.isCancelled()) {
        Q_EMIT cancelled(id);
        Q_EMIT finished(id);
        return;
    }
    // The engine's job contract: the controller's token, progress forwarded as a signal.
    mp::JobContext job;
    job.cancel = token;
    job.progress = [this, id](const mp::ProgressEvent& e) { Q_EMIT progress(id, e.step, e.total); };
    auto inspected = mp::capture([&] {
        job.report("inspect", 0, 1);
        const mp::SnapshotInfo info = mp::inspectSnapshot(toPath(dir));
        job.report("inspect", 1, 1);  // a newer request superseded this one while it ran: cancelled
        ModelSummary summary = summarizeSnapshot(info);
        if (info.isPipeline)
            addSchedule(summary, info.root);
        return summary;
    });
    // The same engine message the CLI prints, without the CLI's option names.
    if (inspected.ok())
        Q_EMIT modelInspected(id, inspected.value());
    else if (inspected.cancelled())
        Q_EMIT cancelled(id);
    else
        Q_EMIT failed(id, QString::fromStdString(inspected.error().message()));
    Q_EMIT finished(id);
}

}  // namespace mp::app
