#include "runtime/job.h"

namespace mp {

void JobContext::step(const std::string& stage,
                      int step,
                      int total,
                      const std::function<at::Tensor()>& latents) const {
    cancel.throwIfCancelled();
    if (progress)
        progress(ProgressEvent{stage, step, total});
    const bool due = previewEvery > 0 && (step % previewEvery == 0 || step == total);
    if (preview && latents && due)
        preview(step, latents());
}

}  // namespace mp
