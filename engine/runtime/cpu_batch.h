#pragma once
// Batch parallelism for inference on the CPU. The small models' forwards scale poorly over
// LibTorch's intra-op threads on few cores (the toy UNet at batch 2: 100 ms on one thread, 63 ms
// on two; its matrix products run on one BLAS thread, docs/performance.md), so a batch of at
// least two items goes faster as slices run side by side, one thread each.

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace mp {

using BatchFn = std::function<at::Tensor(const std::vector<at::Tensor>&)>;

// Runs fn on up to `workers` slices of the batch concurrently, each slice on its own thread with
// one intra-op thread (the caller's for the first; the others on worker threads kept for the
// process's life, one caller's slices at a time: a second caller meanwhile runs its slices
// itself), and returns the slices' outputs concatenated along dim 0. The batch is the
// first input's dim 0; every input with that leading size is sliced, the others go whole to each
// slice. Falls back to one call of fn when the inputs are not on the CPU, autograd is recording,
// the batch or `workers` is 1, or a forward is already running in slices (nested calls). An
// exception in a slice is rethrown here after all slices finished. workers ≤ 0: the intra-op
// thread count (configureThreads); the environment's MP_CPU_SLICES, when set, caps the slices
// (1: off).
at::Tensor forwardInCpuSlices(const BatchFn& fn,
                              const std::vector<at::Tensor>& inputs,
                              int workers = 0);

}  // namespace mp
