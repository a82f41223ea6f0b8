#include "engine_controller.h"

#include "engine_worker.h"
#include "logging.h"

#include "core/job.h"
#include "core/log.h"

#include <QHash>

#include <atomic>
#include <functional>

namespace mp::app {

namespace {

// The engine log sink is process-wide; only the controller that installed it removes it.
std::atomic<EngineController*> g_sinkOwner{nullptr};

}  // namespace

// Tokens of queued and running jobs. Only touched on the controller's thread: the worker gets
// its own copy of each token (they share one flag), and finished() removes the entry.
struct EngineController::JobTable {
    QHash<JobId, mp::CancelToken> tokens;
};

EngineController::EngineController(QObject* parent)
    : QObject(parent), m_jobs(std::make_unique<JobTable>()) {
    qRegisterMetaType<JobId>("JobId");
    qRegisterMetaType<JobId>("mp::app::JobId");
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<ComponentSummary>();
    qRegisterMetaType<ProbeSettings>();
    qRegisterMetaType<ProbeLayout>();
    qRegisterMetaType<ProbeCell>();
    qRegisterMetaType<CustomizeSettings>();
    qRegisterMetaType<ComparisonExport>();
    qRegisterMetaType<QVector<QImage>>();

    installLogSink();

    m_thread.setObjectName(QStringLiteral("motionprobe-engine"));
    m_worker = new EngineWorker;  // no parent: it moves to the engine thread
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::started, m_worker, &EngineWorker::initialize);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    // Signal-to-signal across threads: queued, so receivers run on the GUI thread.
    connect(m_worker, &EngineWorker::progress, this, &EngineController::progress);
    connect(m_worker, &EngineWorker::modelInspected, this, &EngineController::modelInspected);
    connect(m_worker, &EngineWorker::probeStarted, this, &EngineController::probeStarted);
    connect(m_worker, &EngineWorker::probeCell, this, &EngineController::probeCell);
    connect(m_worker, &EngineWorker::probeCompleted, this, &EngineController::probeCompleted);
    connect(m_worker, &EngineWorker::customizeLoss, this, &EngineController::customizeLoss);
    connect(m_worker, &EngineWorker::customizeSample, this, &EngineController::customizeSample);
    connect(m_worker, &EngineWorker::customizePreview, this, &EngineController::customizePreview);
    connect(m_worker, &EngineWorker::customizeCompleted, this,
            &EngineController::customizeCompleted);
    connect(m_worker, &EngineWorker::comparisonExported, this,
            &EngineController::comparisonExported);
    connect(m_worker, &EngineWorker::videoPreview, this, &EngineController::videoPreview);
    connect(m_worker, &EngineWorker::failed, this, &EngineController::failed);
    connect(m_worker, &EngineWorker::cancelled, this, &EngineController::cancelled);
    connect(m_worker, &EngineWorker::finished, this, [this](JobId id) {
        m_jobs->tokens.remove(id);
        Q_EMIT finished(id);
    });

    m_thread.start();
}

EngineController::~EngineController() {
    cancelAll();
    m_thread.quit();
    m_thread.wait();
    EngineController* self = this;
    if (g_sinkOwner.compare_exchange_strong(self, nullptr))
        mp::log::setSink({});
}

JobId EngineController::inspectModel(const QString& dir) {
    return queue([dir](EngineWorker* worker, JobId id, const mp::CancelToken& token) {
        worker->inspectModel(id, dir, token);
    });
}

JobId EngineController::runProbe(const ProbeSettings& settings) {
    return queue([settings](EngineWorker* worker, JobId id, const mp::CancelToken& token) {
        worker->runProbe(id, settings, token);
    });
}

JobId EngineController::runCustomize(const CustomizeSettings& settings) {
    return queue([settings](EngineWorker* worker, JobId id, const mp::CancelToken& token) {
        worker->runCustomize(id, settings, token);
    });
}

JobId EngineController::exportComparison(const ComparisonExport& request) {
    return queue([request](EngineWorker* worker, JobId id, const mp::CancelToken& token) {
        worker->exportComparison(id, request, token);
    });
}

JobId EngineController::previewVideo(const QString& path, int count) {
    return queue([path, count](EngineWorker* worker, JobId id, const mp::CancelToken& token) {
        worker->previewVideo(id, path, count, token);
    });
}

JobId EngineController::queue(
    std::function<void(EngineWorker*, JobId, const mp::CancelToken&)> work) {
    const JobId id = m_nextId++;
    const mp::CancelToken token;
    m_jobs->tokens.insert(id, token);
    EngineWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, id, token, work = std::move(work)] { work(worker, id, token); },
        Qt::QueuedConnection);
    return id;
}

bool EngineController::cancel(JobId id) {
    const auto it = m_jobs->tokens.constFind(id);
    if (it == m_jobs->tokens.cend())
        return false;
    it->cancel();  // the worker sees the shared flag at once, whichever thread it is on
    return true;
}

void EngineController::cancelAll() {
    for (const mp::CancelToken& token : std::as_const(m_jobs->tokens))
        token.cancel();
}

bool EngineController::isActive(JobId id) const {
    return m_jobs->tokens.contains(id);
}

int EngineController::activeJobCount() const {
    return int(m_jobs->tokens.size());
}

void EngineController::installLogSink() {
    g_sinkOwner = this;
    // Called on whichever thread logs. The category is written at once; the signal is emitted
    // later on this object's thread, so a line logged while the engine thread starts (before the
    // window has connected) is not lost, and receivers always run on the GUI thread.
    mp::log::setSink([this](mp::log::Level level, std::string_view message) {
        const QString text = QString::fromUtf8(message.data(), qsizetype(message.size()));
        switch (level) {
            case mp::log::Level::Debug:
                qCDebug(lcEngine).noquote() << text;
                break;
            case mp::log::Level::Info:
                qCInfo(lcEngine).noquote() << text;
                break;
            case mp::log::Level::Warning:
                qCWarning(lcEngine).noquote() << text;
                break;
            case mp::log::Level::Error:
                qCCritical(lcEngine).noquote() << text;
                break;
        }
        const QString line = QString::fromLatin1(mp::log::levelName(level)) + u": " + text;
        QMetaObject::invokeMethod(
            this, [this, line] { Q_EMIT logMessage(line); }, Qt::QueuedConnection);
    });
}

}  // namespace mp::app
