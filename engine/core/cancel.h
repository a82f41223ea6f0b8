#pragma once
// Cancellation shared between the thread that asks and the thread that works. The GUI sets it
// directly (never through a queued slot, which would only run after the work it should stop).

#include <atomic>
#include <memory>

namespace mp {

class CancelToken {
public:
    CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const { m_flag->store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }
    // Throws EngineError{Cancelled}; long loops call this once per step.
    void throwIfCancelled() const;

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

}  // namespace mp
