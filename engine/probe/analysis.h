#pragma once
// What the probe's numbers say: the trade-off curve of the pairs with τ_end = 0 (appearance
// toward c' against motion kept, one point per τ_start), its Pareto frontier and the suggested
// boundary τ. Torch-free.
//
// The rule for the suggested τ (docs/probe.md): both scores are normalised to [0, 1] over the
// curve's points; on the Pareto frontier (no other point is at least as good on both and better
// on one) the knee is the point farthest from the straight line through the frontier's two ends
// (the point where giving up motion stops buying appearance); with fewer than three frontier
// points (or a straight frontier), the one with the largest sum of normalised scores; ties go to
// the point that keeps the most motion. τ is that point's τ_start: above
// it the caption c fixed the motion, below it c' set the appearance.

#include <optional>
#include <string>
#include <vector>

namespace mp::probe {

struct CurvePoint {
    int tauStart = 0;
    double appearance = 0;  // e.g. the CLIP score change toward c' (higher: more edited)
    double motion = 0;      // e.g. the flow similarity to the original (higher: more kept)
    // Half widths of 95% intervals when the scores are means (drawn, not used by the rule).
    double appearanceHalf = 0, motionHalf = 0;
};

// Indices of the frontier's points, by appearance ascending (motion then descends).
std::vector<int> paretoFrontier(const std::vector<CurvePoint>& points);

struct SuggestedTau {
    int tau = 0;
    int point = -1;             // index into the points
    std::vector<int> frontier;  // as paretoFrontier
    double kneeDistance = 0;    // normalised distance from the chord (0 without a chord)
    std::string rule;           // "knee" or "largest sum"
    std::string reasoning;      // one paragraph with the numbers
};

// Nothing when there are no points or a score is not finite.
std::optional<SuggestedTau> suggestTau(const std::vector<CurvePoint>& points);

}  // namespace mp::probe
