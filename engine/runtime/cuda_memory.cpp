#include "runtime/cuda_memory.h"

#ifdef MP_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace mp {

std::optional<CudaMemory> cudaMemory(c10::Device device) {
#ifdef MP_TORCH_CUDA
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
        constexpr std::size_t all = 0;  // StatType::AGGREGATE (its namespace moved across versions)
        CudaMemory m;
        m.allocated = stats.allocated_bytes[all].current;
        m.peakAllocated = stats.allocated_bytes[all].peak;
        m.reserved = stats.reserved_bytes[all].current;
        return m;
    }
#endif
    (void)device;
    return std::nullopt;
}

void resetCudaPeak(c10::Device device) {
#ifdef MP_TORCH_CUDA
    if (device.is_cuda())
        c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
    (void)device;
}

void synchronize(c10::Device device) {
#ifdef MP_TORCH_CUDA
    if (device.is_cuda())
        c10::cuda::device_synchronize();
#endif
    (void)device;
}

}  // namespace mp
