#include "loss_curve_view.h"

#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace mp::widgets {

namespace {
// Viridis's ends and middle: distinct in colour and in grey.
const QColor kColours[] = {QColor(68, 1, 84), QColor(33, 145, 140),
                           QColor(253, 231, 37).darker(120)};
}  // namespace

LossCurveView::LossCurveView(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    m_plot->setMinimumSize(240, 160);
    m_plot->setBackground(palette().base());
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void LossCurveView::setSeries(const QStringList& names) {
    m_plot->clearGraphs();
    for (int i = 0; i < names.size(); ++i) {
        auto* g = m_plot->addGraph();
        g->setName(names[i]);
        g->setPen(QPen(kColours[i % 3], 1.5));
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LossCurveView::addPoint(int series, double step, double loss) {
    if (series < 0 || series >= m_plot->graphCount() || !(loss > 0))
        return;  // a log axis has no place for zero or less
    m_plot->graph(series)->addData(step, loss);
    m_plot->rescaleAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int LossCurveView::pointCount(int series) const {
    return series >= 0 && series < m_plot->graphCount() ? m_plot->graph(series)->dataCount() : 0;
}

double LossCurveView::lastLoss(int series) const {
    if (pointCount(series) == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const auto* data = m_plot->graph(series)->data().data();
    return (data->constEnd() - 1)->value;
}

}  // namespace mp::widgets
