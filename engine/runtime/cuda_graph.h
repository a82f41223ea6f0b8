#pragma once
// A function of tensors replayed from a captured CUDA graph: for fixed-shape forwards (a denoise
// step, a benchmark) the whole forward becomes one launch, with no per-kernel host overhead.
// The first call with a new input signature (shapes, dtypes, device) runs the function twice
// uncaptured (cuDNN autotuning, lazy inits), then captures it; later calls copy the inputs into
// the captured buffers and replay. On the CPU, or in builds without CUDA, it simply calls the
// function. The function must not synchronise with the host (no .item(), no data-dependent
// shapes) — the UNet forward qualifies.

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <vector>

namespace mp {

class GraphedFunction {
public:
    using Fn = std::function<at::Tensor(const std::vector<at::Tensor>&)>;
    GraphedFunction(Fn fn, bool enabled);
    // Returns a tensor owned by the caller (a copy of the graph's output buffer).
    at::Tensor operator()(const std::vector<at::Tensor>& inputs);
    // False when this build has no CUDA graphs (Debian's CPU LibTorch).
    static bool supported();

private:
    struct State;
    std::shared_ptr<State> m;
};

}  // namespace mp
