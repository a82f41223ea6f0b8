#pragma once
// Progress reporting for long engine work. Torch-free; preview callbacks that carry tensors live
// in runtime/job.h.

#include <functional>
#include <string>

namespace mp {

struct ProgressEvent {
    std::string stage;  // e.g. "load", "invert", "denoise"
    int step = 0;       // steps done in this stage
    int total = 0;      // 0 when unknown
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

}  // namespace mp
