#pragma once
// Which denoiser evaluations a probe needs. Every run of the probe (the reconstruction with c,
// the full edit with c', and one resample per (τ_start, τ_end) pair) starts from the same
// inverted x̂_T and differs only in which condition each step uses, so the runs form a tree:
// a node is the state after some steps, an edge one evaluation with c or c'. Runs that agree on
// their first k conditions share their first k evaluations (every pair shares the c trajectory
// down to τ_start, and the pairs with the same τ_start the c' trajectory down to τ_end). The tree
// is built from the runs' condition sequences, so identical runs (two τ values with no timestep
// between them) become one. Torch-free.
//
// Boundary rule (sampling/schedules.h): a step evaluated at timestep t uses c' when
// τ_end ≤ t ≤ τ_start, c otherwise; the paper's c''_t = c' for t ∈ [τ_end, τ_start].

#include <cstdint>
#include <string>
#include <vector>

namespace mp::probe {

struct TauPair {
    int start = 0;  // τ_start
    int end = 0;    // τ_end < τ_start
    bool operator==(const TauPair&) const = default;
};

// The grid: every pair of multiples of `interval` in [0, maxTau] with start > end (interval 100
// over 1000: 55 pairs), or only those with end = 0, or an explicit list. Pairs are ordered by
// start descending, then end descending. Throws EngineError{InvalidArgument} on an interval
// that does not divide maxTau or a pair outside the range or with start ≤ end.
struct GridOptions {
    int interval = 100;
    int maxTau = 1000;
    bool onlyEndZero = false;
    std::vector<TauPair> pairs;  // when not empty, exactly these (checked, sorted, deduplicated)
};
std::vector<TauPair> gridPairs(const GridOptions& options);

// c (0) or c' (1) per step of a forward run over `timesteps` (descending).
std::vector<int> stepConditions(const TauPair& pair, const std::vector<std::int64_t>& timesteps);

struct ProbePlan {
    enum class RunKind { Reconstruction, FullEdit, Pair };
    struct Run {
        RunKind kind = RunKind::Pair;
        TauPair pair;                 // for pairs
        std::vector<int> conditions;  // per step
        int leaf = 0;                 // the node holding its final latents
        std::string name() const;     // "reconstruction", "full-edit", "pair-600-0"
    };
    // Node 0 is x̂_T. Every other node is its parent's state after one more step, evaluated at
    // timesteps[depth − 1] with `condition`.
    struct Node {
        int parent = -1;
        int depth = 0;
        int condition = 0;
    };

    std::vector<std::int64_t> timesteps;
    std::vector<Node> nodes;
    std::vector<Run> runs;  // reconstruction, full edit, then the pairs in grid order
    // Execution order: group 0 is the trunk (the reconstruction's path); then one group per
    // subtree leaving the trunk with a c' step, in trunk order (the full edit's first), each
    // listed by depth. A group's runs all finish when its deepest level is done, so results
    // arrive one τ_start at a time, and a resumed probe skips groups whose runs are stored.
    std::vector<std::vector<int>> groups;

    int evaluations() const { return static_cast<int>(nodes.size()) - 1; }
    // One full resampling per pair, as the paper's procedure states it (reconstruction and full
    // edit not counted: the pairs hold the full edit, and the reconstruction is a check).
    int naiveEvaluations() const;
    // The runs whose leaf lies in group g.
    std::vector<int> runsOfGroup(int g) const;
};

ProbePlan planProbe(const std::vector<std::int64_t>& timesteps, const std::vector<TauPair>& pairs);

}  // namespace mp::probe
