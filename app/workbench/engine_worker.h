#pragma once
// Does the engine's work on the engine thread. EngineController owns the thread, moves the
// worker onto it and queues calls; the worker answers only through signals carrying Qt value
// types, and nothing it calls may throw past it.

#include "job_id.h"
#include "model_summary.h"

#include <QObject>

namespace mp {
class CancelToken;
}

namespace mp::app {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);

    // Everything below runs on the engine thread.

    // Once, when the thread starts: LibTorch's thread pool belongs to this thread.
    void initialize();

    // Reads a model folder (configs and safetensors headers only). Emits progress, then exactly
    // one of modelInspected / failed / cancelled, then finished.
    void inspectModel(JobId id, const QString& dir, const mp::CancelToken& token);

Q_SIGNALS:
    void progress(JobId id, int done, int total);
    void modelInspected(JobId id, const ModelSummary& summary);
    void failed(JobId id, const QString& message);
    void cancelled(JobId id);
    void finished(JobId id);
};

}  // namespace mp::app
