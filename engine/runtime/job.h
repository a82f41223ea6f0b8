#pragma once
// What every long engine call takes: a cancel token, a progress callback and a preview callback.
// The denoise loop calls step() once per timestep; it checks for cancellation first, then reports
// progress, then (every `previewEvery` steps, and on the last) hands the current latents to the
// preview callback. Latents are only materialised when someone asks for them.

#include "core/cancel.h"
#include "core/progress.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>

namespace mp {

// Called with the step index (1-based) and the current latents, on the engine thread. The tensor
// may live on the GPU; the receiver copies what it needs before returning.
using PreviewFn = std::function<void(int step, const at::Tensor& latents)>;

struct JobContext {
    CancelToken cancel;
    ProgressFn progress;
    PreviewFn preview;
    int previewEvery = 5;  // steps between previews; <= 0 disables them

    // Throws EngineError{Cancelled} if cancelled; otherwise reports `step` of `total` in `stage`
    // and, when a preview is due, calls latents() and passes the result on.
    void step(const std::string& stage,
              int step,
              int total,
              const std::function<at::Tensor()>& latents = {}) const;
};

}  // namespace mp
