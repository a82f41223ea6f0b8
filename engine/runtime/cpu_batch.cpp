#include "runtime/cpu_batch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

// LibTorch's OpenMP runtime: the thread count is a per-thread setting there, so a slice's thread
// can run on one core without touching the caller's (at::set_num_threads would also change the
// process-wide default that new threads start from).
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace mp {

namespace {

thread_local bool inSlice = false;

// Threads that stay for the process's life, each waiting for one slice at a time. Starting a
// thread per call cost about 15 ms a call on the toy probe (each new thread sets up its OpenMP,
// oneDNN and allocator state afresh); a kept thread has them warm.
class SliceWorkers {
public:
    // Starts up to `count` workers (fewer where the system refuses threads); returns how many
    // there are.
    int ensure(int count) {
        while (static_cast<int>(m_workers.size()) < count) {
            auto w = std::make_unique<Worker>();
            try {
                std::thread(&Worker::loop, w.get()).detach();
            } catch (const std::system_error&) {
                break;
            }
            m_workers.push_back(std::move(w));
        }
        return static_cast<int>(m_workers.size());
    }
    void post(int worker, std::function<void()> task) {
        m_workers[static_cast<std::size_t>(worker)]->post(std::move(task));
    }
    void wait(int worker) { m_workers[static_cast<std::size_t>(worker)]->wait(); }
    // Held for a whole call: one caller's slices at a time.
    std::mutex busy;

private:
    struct Worker {
        std::mutex m;
        std::condition_variable cv;
        std::function<void()> task;
        bool done = true;
        void post(std::function<void()> t) {
            {
                const std::lock_guard lock(m);
                task = std::move(t);
                done = false;
            }
            cv.notify_all();
        }
        void wait() {
            std::unique_lock lock(m);
            cv.wait(lock, [this] { return done; });
        }
        void loop() {
            at::internal::lazy_init_num_threads();
            omp_set_num_threads(1);
            inSlice = true;
            for (;;) {
                std::function<void()> t;
                {
                    std::unique_lock lock(m);
                    cv.wait(lock, [this] { return static_cast<bool>(task); });
                    t = std::move(task);
                    task = nullptr;
                }
                t();
                {
                    const std::lock_guard lock(m);
                    done = true;
                }
                cv.notify_all();
            }
        }
    };
    // Never destroyed: the detached workers wait on them until the process ends.
    std::vector<std::unique_ptr<Worker>> m_workers;
};

SliceWorkers& sliceWorkers() {
    static auto* workers = new SliceWorkers;
    return *workers;
}

}  // namespace

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
            outputs[s] = fn(parts[s]);
        } catch (...) {
            errors[s] = std::current_exception();
        }
    };
    // The kept workers take slices 1…; another caller's slices running meanwhile (or no worker
    // to be had) leave them to this thread.
    auto& kept = sliceWorkers();
    std::unique_lock claim(kept.busy, std::try_to_lock);
    const int others = static_cast<int>(parts.size()) - 1;
    const int posted = claim.owns_lock() ? std::min(kept.ensure(others), others) : 0;
    for (int w = 0; w < posted; ++w)
        kept.post(w, [&run, w] { run(static_cast<std::size_t>(w) + 1); });
    // At one intra-op thread too, then the caller's setting restored.
    const int callerThreads = at::get_num_threads();
    omp_set_num_threads(1);
    inSlice = true;
    for (auto s = static_cast<std::size_t>(posted) + 1; s <= parts.size(); ++s)
        run(s % parts.size());  // slice 0, then any no worker took
    inSlice = false;
    omp_set_num_threads(callerThreads);
    for (int w = 0; w < posted; ++w)
        kept.wait(w);
    for (const auto& e : errors)
        if (e)
            std::rethrow_exception(e);
    return at::cat(outputs, 0);
}

}  // namespace mp
