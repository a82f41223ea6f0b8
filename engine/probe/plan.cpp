#include "probe/plan.h"

#include "core/error.h"
#include "sampling/schedules.h"

#include <algorithm>
#include <array>
#include <deque>

namespace mp::probe {

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw EngineError(ErrorCode::InvalidArgument, what);
}

}  // namespace

std::vector<TauPair> gridPairs(const GridOptions& o) {
    if (o.maxTau < 1)
        invalid("probe grid: the largest τ must be positive, got " + std::to_string(o.maxTau));
    if (o.interval < 1 || o.maxTau % o.interval != 0)
        invalid("probe grid: the interval must be a positive divisor of " +
                std::to_string(o.maxTau) + ", got " + std::to_string(o.interval));
    std::vector<TauPair> pairs;
    if (!o.pairs.empty()) {
        for (const auto& p : o.pairs) {
            if (p.end < 0 || p.start > o.maxTau || p.start <= p.end)
                invalid("probe pair (" + std::to_string(p.start) + ", " + std::to_string(p.end) +
                        "): expected 0 ≤ τ_end < τ_start ≤ " + std::to_string(o.maxTau));
            if (!o.onlyEndZero || p.end == 0)
                pairs.push_back(p);
        }
    } else {
        for (int s = o.maxTau; s > 0; s -= o.interval)
            for (int e = s - o.interval; e >= 0; e -= o.interval)
                if (!o.onlyEndZero || e == 0)
                    pairs.push_back({s, e});
    }
    std::sort(pairs.begin(), pairs.end(), [](const TauPair& a, const TauPair& b) {
        return a.start != b.start ? a.start > b.start : a.end > b.end;
    });
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    if (pairs.empty())
        invalid("probe grid: no pair left to run");
    return pairs;
}

std::vector<int> stepConditions(const TauPair& pair, const std::vector<std::int64_t>& timesteps) {
    const auto schedule = sampling::ConditionSchedule::window(1, 0, pair.start, pair.end);
    std::vector<int> out;
    out.reserve(timesteps.size());
    for (const auto t : timesteps)
        out.push_back(schedule.conditionAt(t));
    return out;
}

std::string ProbePlan::Run::name() const {
    switch (kind) {
        case RunKind::Reconstruction:
            return "reconstruction";
        case RunKind::FullEdit:
            return "full-edit";
        case RunKind::Pair:
            break;
    }
    return "pair-" + std::to_string(pair.start) + "-" + std::to_string(pair.end);
}

int ProbePlan::naiveEvaluations() const {
    int pairs = 0;
    for (const auto& r : runs)
        pairs += r.kind == RunKind::Pair;
    return pairs * static_cast<int>(timesteps.size());
}

std::vector<int> ProbePlan::runsOfGroup(int g) const {
    std::vector<int> inGroup(nodes.size(), -1);
    for (std::size_t i = 0; i < groups.size(); ++i)
        for (const int n : groups[i])
            inGroup[static_cast<std::size_t>(n)] = static_cast<int>(i);
    std::vector<int> out;
    for (std::size_t r = 0; r < runs.size(); ++r)
        if (inGroup[static_cast<std::size_t>(runs[r].leaf)] == g)
            out.push_back(static_cast<int>(r));
    return out;
}

ProbePlan planProbe(const std::vector<std::int64_t>& timesteps, const std::vector<TauPair>& pairs) {
    if (timesteps.empty())
        invalid("probe plan: no timesteps");
    ProbePlan plan;
    plan.timesteps = timesteps;
    const auto steps = timesteps.size();
    plan.runs.push_back({ProbePlan::RunKind::Reconstruction, {}, std::vector<int>(steps, 0), 0});
    plan.runs.push_back({ProbePlan::RunKind::FullEdit, {}, std::vector<int>(steps, 1), 0});
    for (const auto& p : pairs)
        plan.runs.push_back({ProbePlan::RunKind::Pair, p, stepConditions(p, timesteps), 0});

    // The trie of condition sequences.
    plan.nodes.push_back({});
    std::vector<std::array<int, 2>> children(1, {-1, -1});
    for (auto& run : plan.runs) {
        int node = 0;
        for (std::size_t i = 0; i < steps; ++i) {
            const int c = run.conditions[i];
            auto& slot = children[static_cast<std::size_t>(node)][static_cast<std::size_t>(c)];
            if (slot < 0) {
                slot = static_cast<int>(plan.nodes.size());
                plan.nodes.push_back({node, static_cast<int>(i) + 1, c});
                children.push_back({-1, -1});
            }
            node = children[static_cast<std::size_t>(node)][static_cast<std::size_t>(c)];
        }
        run.leaf = node;
    }

    // Group 0: the trunk (c at every step); then each subtree leaving it with a c' step.
    std::vector<int> trunk{0};
    while (children[static_cast<std::size_t>(trunk.back())][0] >= 0)
        trunk.push_back(children[static_cast<std::size_t>(trunk.back())][0]);
    plan.groups.push_back(std::vector<int>(trunk.begin() + 1, trunk.end()));
    for (const int t : trunk) {
        const int top = children[static_cast<std::size_t>(t)][1];
        if (top < 0)
            continue;
        std::vector<int> group;
        std::deque<int> queue{top};  // breadth-first: by depth
        while (!queue.empty()) {
            const int n = queue.front();
            queue.pop_front();
            group.push_back(n);
            for (const int c : children[static_cast<std::size_t>(n)])
                if (c >= 0)
                    queue.push_back(c);
        }
        plan.groups.push_back(std::move(group));
    }
    return plan;
}

}  // namespace mp::probe
