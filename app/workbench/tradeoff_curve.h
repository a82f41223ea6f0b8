#pragma once
// A probe's τ_end = 0 trade-off curve from its finished cells, with the engine's suggested τ
// (probe/analysis.h, the rule the CLI reports), in Qt types for the views: the Trade-off tab and
// the Experiments tab's comparison share it.

#include "probe_types.h"

#include <QString>
#include <QVector>

namespace mp::app {

struct TradeOffCurve {
    QVector<int> tauStarts;      // ascending
    QVector<double> appearance;  // CLIP-score change toward c′
    QVector<double> motion;      // flow similarity to the original
    QVector<int> frontier;       // indices of the Pareto frontier
    int suggestedPoint = -1;     // index of the suggestion; -1: none
    int suggestedTau = -1;
    QString rule, reasoning;
};

// The cells with τ_end = 0 and finite CLIP change and flow similarity, by τ_start.
TradeOffCurve tradeOffCurve(const QVector<ProbeCell>& cells);

}  // namespace mp::app
