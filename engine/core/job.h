#pragma once
// The contract of every long engine call (loading, video decode/encode, scoring, flow, denoise,
// and the probe and training to come): it takes one `const JobContext&` and returns a Result.
//   - one cancel token, shared by copies, set directly by whoever asks (the GUI thread, the
//     CLI's SIGINT handler) and checked by the work between steps;
//   - one progress callback: stage, step of total, elapsed time in the stage and an ETA;
//   - previews where they apply (the denoise loop's latents);
//   - cancelled is not failed: the Result says cancelled() and carries ErrorCode::Cancelled.
// Torch-free: video (FFmpeg) and vision (OpenCV) take it too. Only the preview callback names a
// tensor, and only torch code calls it.

#include "core/error.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace at {
class Tensor;
}

namespace mp {

class CancelToken {
public:
    CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const { m_flag->store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }
    // Throws EngineError{Cancelled}; long loops call this once per step.
    void throwIfCancelled() const;
    // The flag itself, for a signal handler (storing to a lock-free atomic is async-signal-safe;
    // copying the token is not). Lives as long as any copy of the token.
    std::atomic<bool>* flag() const { return m_flag.get(); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

struct ProgressEvent {
    std::string stage;  // "load", "decode", "encode", "embed", "flow", "denoise", "invert", ...
    int step = 0;       // steps done in this stage
    int total = 0;      // 0 when unknown
    double elapsedSeconds = 0;  // since the stage's first report
    double etaSeconds = -1;     // remaining, extrapolated from the steps so far; -1 unknown
};

using ProgressFn = std::function<void(const ProgressEvent&)>;
// Called with the step index (1-based) and the current latents, on the engine thread. The
// tensor may live on the GPU; the receiver copies what it needs before returning.
using PreviewFn = std::function<void(int step, const at::Tensor& latents)>;

class JobContext {
public:
    JobContext();

    CancelToken cancel;
    ProgressFn progress;
    PreviewFn preview;
    int previewEvery = 5;  // steps between previews; <= 0 disables them

    void throwIfCancelled() const { cancel.throwIfCancelled(); }

    // Throws EngineError{Cancelled} if cancelled; otherwise reports `step` of `total` in `stage`
    // with the time since the stage's first report and the extrapolated time left.
    void report(std::string_view stage, int step, int total) const;

    // report(), then, when a preview is due (every `previewEvery` steps and on the last), calls
    // latents() and hands the result to the preview callback. Latents are only materialised
    // when someone asks for them. Instantiated in torch code only.
    template <class LatentsFn>
    void step(std::string_view stage, int step, int total, LatentsFn&& latents) const {
        report(stage, step, total);
        if (preview && previewDue(step, total))
            preview(step, latents());
    }
    void step(std::string_view stage, int step, int total) const { report(stage, step, total); }
    bool previewDue(int step, int total) const {
        return previewEvery > 0 && (step % previewEvery == 0 || step == total);
    }

private:
    struct StageClock;
    // Shared by copies, so a context handed down keeps one clock per stage.
    std::shared_ptr<StageClock> m_clock;
};

}  // namespace mp
