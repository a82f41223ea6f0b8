#pragma once
// Does the engine's work on the engine thread. EngineController owns the thread, moves the
// worker onto it and queues calls; the worker answers only through signals carrying Qt value
// types, and nothing it calls may throw past it.

#include "job_id.h"
#include "model_summary.h"
#include "probe_types.h"

#include <QObject>

#include <functional>
#include <memory>
#include <optional>

namespace mp {
class CancelToken;
class JobContext;
}  // namespace mp

namespace mp::app {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);
    ~EngineWorker() override;

    // Everything below runs on the engine thread.

    // Once, when the thread starts: LibTorch's thread pool belongs to this thread.
    void initialize();

    // Reads a model folder (configs and safetensors headers only). Emits progress, then exactly
    // one of modelInspected / failed / cancelled, then finished.
    void inspectModel(JobId id, const QString& dir, const mp::CancelToken& token);

    // The prompt-tampering probe of one video (the engine's session, as the CLI runs it): emits
    // probeStarted with the grid, progress, one probeCell per run as it finishes (the
    // reconstruction first), then probeCompleted / failed / cancelled, then finished. The model
    // stays loaded for the next job on the same folder.
    void runProbe(JobId id, const ProbeSettings& settings, const mp::CancelToken& token);

    // Customization (the engine's trainer, as the CLI's `customize`): the reference as a sample,
    // the τ-LoRA (and the unconstrained one) trained with customizeLoss after every step, then
    // the prompt generated with the base model, the LoRA while t ≥ τ and the LoRA always, each
    // as a customizeSample; then customizeCompleted / failed / cancelled, then finished.
    void runCustomize(JobId id, const CustomizeSettings& settings, const mp::CancelToken& token);

    // Composes the clips side by side with their labels and encodes them (the CLI's compose and
    // encoder): progress, then comparisonExported / failed / cancelled, then finished. The file
    // appears whole or not at all.
    void exportComparison(JobId id, const ComparisonExport& request, const mp::CancelToken& token);

    // Up to `count` frames spread over the video, small (video::decodeThumbnails), and what the
    // decoder reads of it: videoPreview / failed / cancelled, then finished.
    void previewVideo(JobId id, const QString& path, int count, const mp::CancelToken& token);

Q_SIGNALS:
    void progress(JobId id, int done, int total);
    void modelInspected(JobId id, const ModelSummary& summary);
    void probeStarted(JobId id, const ProbeLayout& layout);
    void probeCell(JobId id, const ProbeCell& cell);
    void probeCompleted(JobId id, int evaluations, double seconds);
    void customizeLoss(JobId id, int training, int step, double loss);  // training 0: τ, 1: τ = 0
    void customizeSample(JobId id, const QString& label, const QVector<QImage>& frames, double fps);
    void customizePreview(JobId id,
                          int training,
                          int step,
                          const QVector<QImage>& frames,
                          double fps);
    void customizeCompleted(JobId id, const QString& outDir, double seconds);
    void comparisonExported(JobId id, const QString& path, int frames, int width, int height);
    void videoPreview(JobId id,
                      const QString& path,
                      const QVector<QImage>& thumbnails,
                      const QString& summary);
    void failed(JobId id, const QString& message);
    void cancelled(JobId id);
    void finished(JobId id);

private:
    struct Loaded;  // the pipeline and scorer of the last model folder (engine types)
    // The pipeline of `dir` (the toy model when empty), loaded unless it is the last one.
    // With `scorerDir` the scorer is made to match it: that CLIP folder, or when empty the
    // default (the toy CLIP on the toy world, none otherwise); without, it is left as it is.
    Loaded& ensureLoaded(const QString& dir,
                         const mp::JobContext& job,
                         const std::optional<QString>& scorerDir = std::nullopt);
    // Every job's contract: not started when cancelled while queued; progress as signals; `work`
    // returns what to emit on success; otherwise failed or cancelled; then finished.
    void runJob(JobId id,
                const mp::CancelToken& token,
                const std::function<std::function<void()>(const mp::JobContext&)>& work);
    std::unique_ptr<Loaded> m_loaded;
};

}  // namespace mp::app
