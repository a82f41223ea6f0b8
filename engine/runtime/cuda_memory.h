#pragma once
// CUDA allocator figures and device synchronisation for benchmarks. Builds without CUDA (Debian's
// LibTorch) answer "not available" instead of failing to link.

#include <c10/core/Device.h>

#include <cstdint>
#include <optional>

namespace mp {

struct CudaMemory {
    std::int64_t allocated = 0;      // bytes held by tensors now
    std::int64_t peakAllocated = 0;  // since the last resetCudaPeak()
    std::int64_t reserved = 0;       // bytes the caching allocator holds
};

// Empty on a CPU device or a build without CUDA.
std::optional<CudaMemory> cudaMemory(c10::Device device);
void resetCudaPeak(c10::Device device);
// Waits for the device's queued work (no-op on the CPU).
void synchronize(c10::Device device);
// Hands the caching allocator's unused blocks back to the driver, e.g. after an out-of-memory
// error so that a smaller retry starts from a clean pool. No-op without CUDA.
void emptyCudaCache();
// Caps this process's tensors on `device` at `bytes` (the caching allocator's memory fraction),
// so a large card behaves as a smaller one would: allocations past the cap fail with
// out-of-memory. Returns false on a CPU device or a build without CUDA.
bool setCudaMemoryLimit(c10::Device device, std::int64_t bytes);

}  // namespace mp
