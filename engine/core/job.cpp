#include "core/job.h"

#include <algorithm>
#include <chrono>
#include <mutex>

namespace mp {

void CancelToken::throwIfCancelled() const {
    if (isCancelled())
        throw EngineError(ErrorCode::Cancelled, "cancelled");
}

struct JobContext::StageClock {
    std::mutex mutex;
    std::string stage;
    std::chrono::steady_clock::time_point start;
    int startStep = 0;
};

JobContext::JobContext() : m_clock(std::make_shared<StageClock>()) {}

void JobContext::report(std::string_view stage, int step, int total) const {
    cancel.throwIfCancelled();
    if (!progress)
        return;
    ProgressEvent e{std::string(stage), step, total};
    {
        std::lock_guard lock(m_clock->mutex);
        const auto now = std::chrono::steady_clock::now();
        if (m_clock->stage != stage || step < m_clock->startStep) {
            m_clock->stage = stage;
            m_clock->start = now;
            m_clock->startStep = step;
        }
        e.elapsedSeconds = std::chrono::duration<double>(now - m_clock->start).count();
        const int done = step - m_clock->startStep;
        if (total > 0 && done > 0)
            e.etaSeconds = e.elapsedSeconds / done * std::max(0, total - step);
    }
    progress(e);
}

}  // namespace mp
