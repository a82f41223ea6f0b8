#include "runtime/cuda_memory.h"

#ifdef MP_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>

#include <ATen/ATen.h>
#endif

#include <algorithm>

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

void emptyCudaCache() {
#ifdef MP_TORCH_CUDA
    c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

bool setCudaMemoryLimit(c10::Device device, std::int64_t bytes) {
#ifdef MP_TORCH_CUDA
    if (device.is_cuda() && bytes > 0) {
        const int index = device.has_index() ? device.index() : c10::cuda::current_device();
        std::size_t free = 0, total = 0;
        c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(index));
        // The caching allocator is made on the device's first allocation; it takes no fraction
        // before that.
        (void)at::empty({1}, at::TensorOptions().device(c10::kCUDA, index).dtype(at::kByte));
        if (cudaMemGetInfo(&free, &total) != cudaSuccess || total == 0)
            return false;
        const double fraction =
            std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total));
        c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, index);
        return true;
    }
#endif
    (void)device;
    (void)bytes;
    return false;
}

}  // namespace mp
