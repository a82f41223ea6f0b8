#pragma once
// Device and dtype policy: fp32 on CPU, bf16 on CUDA (pre-Ampere GPUs pass fp16). An explicit
// request is honoured when the device can do it, and refused with a clear error if not.

#include "core/error.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mp {

struct DeviceChoice {
    c10::Device device{c10::kCPU};
    c10::ScalarType dtype = c10::kFloat;
    std::string describe() const;  // "cuda:0 bf16"
};

// device: "auto" | "cpu" | "cuda" | "cuda:N"; dtype: "auto" | "fp32" | "bf16" | "fp16".
// Throws EngineError{InvalidArgument|Device}.
DeviceChoice resolveDevice(std::string_view device, std::string_view dtype);

bool cudaAvailable();
// Per-device kernel choices: on CUDA, cuDNN's heuristics pick the convolution algorithms;
// MP_CUDNN_BENCHMARK=1 autotunes them instead (the first forward of each shape pays for it,
// which a whole generate does not earn back: docs/performance.md). No-op on the CPU.
void tuneForDevice(const DeviceChoice& choice);
std::string dtypeShortName(c10::ScalarType dtype);  // "fp32", "bf16", ...

// This process's peak resident memory in bytes: VmHWM of /proc/self/status, which starts afresh at
// exec (getrusage's ru_maxrss does not: a child started from a large process reports at least
// that process's size). Absent where /proc does not say.
std::optional<std::int64_t> hostPeakResidentBytes();

// Sets LibTorch's intra-op threads from MP_NUM_THREADS, else OMP_NUM_THREADS, else the cores this
// process may use (Debian's LibTorch starts at 1), and keeps the host heap warm
// (keepHostHeapWarm). Returns the thread count in effect.
int configureThreads(int requested = 0);

// CPU tensors are malloc'd; glibc serves blocks above its mmap threshold (128 KiB at first) with
// fresh mappings, so every activation of a forward pass costs page faults and zeroing, and the
// freed heap top is returned to the kernel. This raises the threshold to 32 MiB and the trim
// threshold to 256 MiB, so a forward pass reuses the memory of the previous one (the toy UNet:
// 8x fewer page faults). Leaves glibc alone when the user set its malloc tunables or
// MP_HOST_HEAP=default. Returns whether it changed anything.
bool keepHostHeapWarm();

}  // namespace mp
