#pragma once
// Training losses as they arrive: one line per series (e.g. the τ-LoRA and the unconstrained
// one) against the step, log-scaled, the axes following the data.

#include "qcustomplot_include.h"

#include <QStringList>
#include <QWidget>

namespace mp::widgets {

class LossCurveView : public QWidget {
    Q_OBJECT
public:
    explicit LossCurveView(QWidget* parent = nullptr);

    // Replaces the series (all empty).
    void setSeries(const QStringList& names);
    void addPoint(int series, double step, double loss);
    int pointCount(int series) const;
    double lastLoss(int series) const;  // NaN when empty
    QCustomPlot* plot() const { return m_plot; }

private:
    QCustomPlot* m_plot = nullptr;
};

}  // namespace mp::widgets
