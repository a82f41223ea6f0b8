#include "loss_curve_view.h"

#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace mp::widgets {

namespace {
// Viridis's ends and middle: distinct in colour and in grey.
const QColor kColours[] = {QColor(68, 1, 84), QColor(33, 145, 140),
                           QColor(253, 231, 37).darker(120)};

// QCustomPlot's log ticker falls back to evenly spaced ticks when the range spans less than 1.6
// decades, as a training loss usually does; on a log axis their labels crowd at the top. This
// one puts ticks at 1, 2 and 5 × 10^k there, evenly spread on the log scale.
class LogTicker125 : public QCPAxisTickerLog {
protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
        if (range.lower > 0 && range.upper > range.lower &&
            std::log10(range.upper / range.lower) < 1.6) {
            QVector<double> ticks;
            for (double decade = std::pow(10.0, std::floor(std::log10(range.lower)));
                 decade <= range.upper; decade *= 10)
                for (const double m : {1.0, 2.0, 5.0})
                    if (m * decade >= range.lower && m * decade <= range.upper)
                        ticks << m * decade;
            if (ticks.size() >= 2)
                return ticks;
        }
        return QCPAxisTickerLog::createTickVector(tickStep, range);
    }
};
}  // namespace

LossCurveView::LossCurveView(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    m_plot->setMinimumSize(240, 160);
    m_plot->setBackground(palette().base());
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new LogTicker125));
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
