#include "runtime/cpu_batch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <system_error>
#include <thread>

// LibTorch's OpenMP runtime: the thread count is a per-thread setting there, so a slice's thread
// can run on one core without touching the caller's (at::set_num_threads would also change the
// process-wide default that new threads start from).
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace mp {

namespace {
thread_local bool inSlice = false;
}

at::Tensor forwardInCpuSlices(const BatchFn& fn,
                              const std::vector<at::Tensor>& inputs,
                              int workers) {
    // MP_CPU_SLICES=1 turns the slicing off (for side-by-side timing); N caps the slices.
    static const int cap = [] {
        const char* v = std::getenv("MP_CPU_SLICES");
        return v && *v ? std::atoi(v) : 0;
    }();
    if (workers <= 0)
        workers = at::get_num_threads();
    if (cap > 0)
        workers = std::min(workers, cap);
    const auto batch = inputs.empty() ? 0 : inputs.front().size(0);
    const bool cpu = std::all_of(inputs.begin(), inputs.end(), [](const at::Tensor& t) {
        return !t.defined() || t.device().is_cpu();
    });
    if (!cpu || batch < 2 || workers < 2 || inSlice || c10::GradMode::is_enabled() ||
        !omp_set_num_threads)
        return fn(inputs);
    const auto slices = std::min<std::int64_t>(workers, batch);
    std::vector<std::vector<at::Tensor>> parts(static_cast<std::size_t>(slices));
    std::int64_t start = 0;
    for (std::int64_t s = 0; s < slices; ++s) {
        const auto size = batch / slices + (s < batch % slices ? 1 : 0);
        for (const auto& t : inputs)
            parts[static_cast<std::size_t>(s)].push_back(
                t.defined() && t.dim() > 0 && t.size(0) == batch ? t.narrow(0, start, size) : t);
        start += size;
    }
    std::vector<at::Tensor> outputs(parts.size());
    std::vector<std::exception_ptr> errors(parts.size());
    const at::ThreadLocalState callerState;  // grad mode, dispatch keys, as the caller has them
    const auto run = [&](std::size_t s) {
        try {
            at::ThreadLocalStateGuard guard(callerState);
            at::internal::lazy_init_num_threads();
            omp_set_num_threads(1);
            inSlice = true;
            outputs[s] = fn(parts[s]);
        } catch (...) {
            errors[s] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    // The slices this thread runs: the first, and any whose thread could not be started.
    std::vector<std::size_t> here{0};
    for (std::size_t s = 1; s < parts.size(); ++s) {
        try {
            threads.emplace_back(run, s);
        } catch (const std::system_error&) {
            here.push_back(s);
        }
    }
    // At one intra-op thread too, then the caller's setting restored.
    const int callerThreads = at::get_num_threads();
    omp_set_num_threads(1);
    inSlice = true;
    for (const auto s : here) {
        try {
            outputs[s] = fn(parts[s]);
        } catch (...) {
            errors[s] = std::current_exception();
        }
    }
    inSlice = false;
    omp_set_num_threads(callerThreads);
    for (auto& t : threads)
        t.join();
    for (const auto& e : errors)
        if (e)
            std::rethrow_exception(e);
    return at::cat(outputs, 0);
}

}  // namespace mp
