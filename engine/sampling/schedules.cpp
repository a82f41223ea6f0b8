#include "sampling/schedules.h"

#include "core/error.h"
#include "core/strings.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mp::sampling {

ConditionSchedule ConditionSchedule::constant(int index) {
    if (index < 0)
        throw EngineError(ErrorCode::InvalidArgument, "condition index must be >= 0");
    ConditionSchedule s;
    s.m_default = index;
    return s;
}

ConditionSchedule ConditionSchedule::window(int inside,
                                            int outside,
                                            double tauStart,
                                            double tauEnd) {
    if (inside < 0 || outside < 0)
        throw EngineError(ErrorCode::InvalidArgument, "condition index must be >= 0");
    if (!std::isfinite(tauStart) || !std::isfinite(tauEnd) || tauEnd > tauStart)
        throw EngineError(ErrorCode::InvalidArgument,
                          "condition window: need τ_end <= τ_start, got τ_start " +
                              str::number(tauStart) + ", τ_end " + str::number(tauEnd));
    ConditionSchedule s;
    s.m_default = outside;
    s.m_windows.push_back({tauEnd, tauStart, inside});
    return s;
}

int ConditionSchedule::conditionAt(std::int64_t timestep) const {
    const double t = static_cast<double>(timestep);
    for (const auto& w : m_windows)
        if (t >= w.lo && t <= w.hi)
            return w.index;
    return m_default;
}

int ConditionSchedule::maxIndex() const {
    int m = m_default;
    for (const auto& w : m_windows)
        m = std::max(m, w.index);
    return m;
}

std::string ConditionSchedule::describe() const {
    if (m_windows.empty())
        return "c" + std::to_string(m_default) + " at every timestep";
    std::string s;
    for (const auto& w : m_windows)
        s += "c" + std::to_string(w.index) + " for " + str::number(w.lo) + " ≤ t ≤ " +
             str::number(w.hi) + ", ";
    return s + "else c" + std::to_string(m_default);
}

AdapterSchedule AdapterSchedule::none() {
    return constant(0.0);
}

AdapterSchedule AdapterSchedule::constant(double scale) {
    if (!std::isfinite(scale))
        throw EngineError(ErrorCode::InvalidArgument, "adapter scale must be finite");
    AdapterSchedule s;
    s.m_above = s.m_below = scale;
    return s;
}

AdapterSchedule AdapterSchedule::from(double tau, double scale) {
    if (!std::isfinite(tau) || !std::isfinite(scale))
        throw EngineError(ErrorCode::InvalidArgument,
                          "adapter schedule: τ and scale must be finite");
    AdapterSchedule s;
    s.m_threshold = tau;
    s.m_above = scale;
    s.m_below = 0.0;
    return s;
}

double AdapterSchedule::scaleAt(std::int64_t timestep) const {
    return static_cast<double>(timestep) >= m_threshold ? m_above : m_below;
}

std::string AdapterSchedule::describe() const {
    if (m_above == m_below)
        return m_above == 0.0 ? "no adapter"
                              : "adapter scale " + str::number(m_above) + " everywhere";
    return "adapter scale " + str::number(m_above) + " for t ≥ " + str::number(m_threshold) + ", " +
           str::number(m_below) + " below";
}

double Guidance::scaleAt(std::int64_t timestep, int numSteps) const {
    if (!dynamic)
        return scale;
    // diffusers feeds the raw timestep, not the step index, into this formula; we keep that.
    const double n = static_cast<double>(numSteps);
    const double x = std::pow((n - static_cast<double>(timestep)) / n, 5.0);
    return 1.0 + scale * (1.0 - std::cos(M_PI * x)) / 2.0;
}

}  // namespace mp::sampling
