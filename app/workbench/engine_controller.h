#pragma once
// The GUI's handle on the engine. Owns the one engine thread and the EngineWorker on it, hands
// out job ids, and re-emits the worker's results on the GUI thread. Cancelling sets the job's
// token directly: a queued cancel would only arrive after the work it should stop.

#include "job_id.h"
#include "model_summary.h"
#include "probe_types.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace mp {
class CancelToken;
}

namespace mp::app {

class EngineWorker;

class EngineController : public QObject {
    Q_OBJECT
public:
    explicit EngineController(QObject* parent = nullptr);
    ~EngineController() override;  // cancels every job and waits for the engine thread

    // Queues an inspection of a model folder; the answer is modelInspected, failed or cancelled,
    // then finished, all with the returned id.
    JobId inspectModel(const QString& dir);
    // Queues a probe; the answers are probeStarted, progress, probeCell per finished run, then
    // probeCompleted, failed or cancelled, then finished.
    JobId runProbe(const ProbeSettings& settings);
    // Queues a customization; the answers are customizeSample (the reference first), progress,
    // customizeLoss per training step, customizeSample per generated variant, then
    // customizeCompleted, failed or cancelled, then finished.
    JobId runCustomize(const CustomizeSettings& settings);
    // Queues writing the clips side by side, labelled, as one video; the answers are progress,
    // then comparisonExported, failed or cancelled, then finished.
    JobId exportComparison(const ComparisonExport& request);
    // Queues reading `count` frames spread over a reference video, small, for the thumbnail
    // strip; the answers are videoPreview, failed or cancelled, then finished.
    JobId previewVideo(const QString& path, int count);

    // Cancels a queued or running job; false if the id is unknown or the job already finished.
    bool cancel(JobId id);
    void cancelAll();
    bool isActive(JobId id) const;
    int activeJobCount() const;

    // The worker lives on engineThread(); connect to it only with queued connections.
    EngineWorker* worker() const { return m_worker; }
    QThread* engineThread() { return &m_thread; }

Q_SIGNALS:
    void progress(JobId id, int done, int total);
    void modelInspected(JobId id, const ModelSummary& summary);
    void probeStarted(JobId id, const ProbeLayout& layout);
    void probeCell(JobId id, const ProbeCell& cell);
    void probeCompleted(JobId id, int evaluations, double seconds);
    void customizeLoss(JobId id, int training, int step, double loss);
    void customizeSample(JobId id, const QString& label, const QVector<QImage>& frames, double fps);
    // A sample with the adapter as trained so far (training 0: τ, 1: τ = 0) after `step`.
    void customizePreview(JobId id,
                          int training,
                          int step,
                          const QVector<QImage>& frames,
                          double fps);
    void customizeCompleted(JobId id, const QString& outDir, double seconds);
    void comparisonExported(JobId id, const QString& path, int frames, int width, int height);
    // `summary`: frames, size and rate as the decoder reads them ("16 frames · 64×64 · 8 fps").
    void videoPreview(JobId id,
                      const QString& path,
                      const QVector<QImage>& thumbnails,
                      const QString& summary);
    void failed(JobId id, const QString& message);
    void cancelled(JobId id);
    void finished(JobId id);
    // One engine log line ("warning: ..."), whichever thread logged it; always emitted from the
    // event loop of the controller's thread.
    void logMessage(const QString& line);

private:
    struct JobTable;

    void installLogSink();
    // A new job: its token registered, `work` queued to the worker on the engine thread.
    JobId queue(std::function<void(EngineWorker*, JobId, const mp::CancelToken&)> work);

    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    std::unique_ptr<JobTable> m_jobs;
    JobId m_nextId = 1;
};

}  // namespace mp::app
