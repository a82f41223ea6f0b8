#include "runtime/device.h"

#include "core/log.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string_view>
#include <thread>

namespace mp {

void tuneForDevice(const DeviceChoice& choice) {
    if (!choice.device.is_cuda())
        return;
    // cuDNN's heuristics unless MP_CUDNN_BENCHMARK=1: autotuning costs on the first use of every
    // convolution shape, and a whole generate took 9.1 s with it against 6.5 s without (the
    // first step and the VAE decode paid it; docs/performance.md).
    const char* env = std::getenv("MP_CUDNN_BENCHMARK");
    at::globalContext().setBenchmarkCuDNN(env && std::string_view(env) == "1");
}

bool cudaAvailable() {
    return at::hasCUDA() && at::getNumGPUs() > 0;
}

std::string dtypeShortName(c10::ScalarType t) {
    switch (t) {
        case c10::kFloat:
            return "fp32";
        case c10::kBFloat16:
            return "bf16";
        case c10::kHalf:
            return "fp16";
        case c10::kDouble:
            return "fp64";
        default:
            return c10::toString(t);
    }
}

std::string DeviceChoice::describe() const {
    return device.str() + " " + dtypeShortName(dtype);
}

DeviceChoice resolveDevice(std::string_view deviceText, std::string_view dtypeText) {
    DeviceChoice c;
    if (deviceText.empty() || deviceText == "auto") {
        c.device = cudaAvailable() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    } else if (deviceText == "cpu") {
        c.device = c10::Device(c10::kCPU);
    } else if (deviceText == "cuda" || deviceText.rfind("cuda:", 0) == 0) {
        int index = 0;
        if (deviceText.size() > 5) {
            auto tail = deviceText.substr(5);
            auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), index);
            if (ec != std::errc() || p != tail.data() + tail.size() || index < 0)
                throw EngineError(
                    ErrorCode::InvalidArgument,
                    "'" + std::string(deviceText) + "' is not a device (expected cuda:N)");
        }
        if (!cudaAvailable())
            throw EngineError(ErrorCode::Device,
                              std::string(deviceText) +
                                  ": this build or machine has no CUDA device (LibTorch " +
                                  std::string(TORCH_VERSION) + ")");
        if (static_cast<std::size_t>(index) >= at::getNumGPUs())
            throw EngineError(ErrorCode::Device, std::string(deviceText) + ": only " +
                                                     std::to_string(at::getNumGPUs()) +
                                                     " CUDA device(s) present");
        c.device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    } else {
        throw EngineError(ErrorCode::InvalidArgument,
                          "'" + std::string(deviceText) +
                              "' is not a device (expected auto, cpu, cuda or cuda:N)");
    }

    if (dtypeText.empty() || dtypeText == "auto") {
        // bf16 on every GPU the models target (Ampere and newer); older GPUs ask for fp16.
        c.dtype = c.device.is_cuda() ? c10::kBFloat16 : c10::kFloat;
    } else if (dtypeText == "fp32" || dtypeText == "float32") {
        c.dtype = c10::kFloat;
    } else if (dtypeText == "bf16" || dtypeText == "bfloat16") {
        c.dtype = c10::kBFloat16;
    } else if (dtypeText == "fp16" || dtypeText == "float16") {
        c.dtype = c10::kHalf;
    } else {
        throw EngineError(
            ErrorCode::InvalidArgument,
            "'" + std::string(dtypeText) + "' is not a dtype (expected auto, fp32, bf16 or fp16)");
    }
    if (c.device.is_cpu() && c.dtype != c10::kFloat)
        log::warning("running in " + dtypeShortName(c.dtype) +
                     " on the CPU: slow and less exact than fp32; parity is defined in fp32");
    return c;
}

namespace {
int envInt(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v)
        return 0;
    int n = 0;
    auto [p, ec] = std::from_chars(v, v + std::strlen(v), n);
    return ec == std::errc() && n > 0 ? n : 0;
}

int usableCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

std::optional<std::int64_t> hostPeakResidentBytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) {
            const auto digits = line.find_first_of("0123456789");
            if (digits == std::string::npos)
                return std::nullopt;
            std::int64_t kib = 0;
            const auto* end = line.data() + line.size();
            if (std::from_chars(line.data() + digits, end, kib).ec != std::errc())
                return std::nullopt;
            return kib * 1024;
        }
    return std::nullopt;
}

bool keepHostHeapWarm() {
#if defined(__GLIBC__)
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    const char* choice = std::getenv("MP_HOST_HEAP");
    if ((tunables && std::strstr(tunables, "glibc.malloc.")) ||
        std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") ||
        (choice && std::string_view(choice) == "default"))
        return false;
    static const bool done = [] {
        // 32 MiB is the largest threshold mallopt accepts on 64-bit glibc.
        return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 &&
               mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
    }();
    return done;
#else
    return false;
#endif
}

int configureThreads(int requested) {
    keepHostHeapWarm();
    int n = requested > 0 ? requested : envInt("MP_NUM_THREADS");
    if (n <= 0)
        n = envInt("OMP_NUM_THREADS");
    if (n <= 0)
        n = usableCores();
    at::set_num_threads(n);
    // ATen splits work over its own OpenMP threads; an OpenBLAS with threads of its own
    // oversubscribes the cores (measured on 2 cores: the toy UNet 540 → 290 ms with one BLAS
    // thread). Other BLAS libraries lack the symbol and are left alone.
    using SetBlasThreads = void (*)(int);
    if (auto* setBlasThreads =
            reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        setBlasThreads(1);
    // Inter-op threads can only be set once per process, before any inter-op work.
    static std::once_flag once;
    std::call_once(once, [&] {
        try {
            at::set_num_interop_threads(std::max(1, n / 2));
        } catch (const std::exception&) {
        }
    });
    return at::get_num_threads();
}

}  // namespace mp
