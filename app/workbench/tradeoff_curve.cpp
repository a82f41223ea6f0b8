#include "tradeoff_curve.h"

#include "probe/analysis.h"

#include <algorithm>
#include <cmath>

namespace mp::app {

TradeOffCurve tradeOffCurve(const QVector<ProbeCell>& cells) {
    std::vector<probe::CurvePoint> points;
    for (const ProbeCell& c : cells)
        if (c.tauEnd == 0 && std::isfinite(c.clipChange) && std::isfinite(c.flowSimilarity))
            points.push_back({c.tauStart, c.clipChange, c.flowSimilarity});
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.tauStart < b.tauStart; });
    TradeOffCurve curve;
    for (const auto& p : points) {
        curve.tauStarts.append(p.tauStart);
        curve.appearance.append(p.appearance);
        curve.motion.append(p.motion);
    }
    if (const auto suggested = probe::suggestTau(points)) {
        curve.frontier = QVector<int>(suggested->frontier.begin(), suggested->frontier.end());
        curve.suggestedPoint = suggested->point;
        curve.suggestedTau = suggested->tau;
        curve.rule = QString::fromStdString(suggested->rule);
        curve.reasoning = QString::fromStdString(suggested->reasoning);
    }
    return curve;
}

}  // namespace mp::app
