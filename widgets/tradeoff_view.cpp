#include "tradeoff_view.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mp::widgets {

TradeOffView::TradeOffView(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("tradeOffPlot"));
    m_plot->setMinimumSize(320, 240);
    m_plot->setBackground(palette().base());

    const auto graph = [this](const QColor& colour, QCPScatterStyle::ScatterShape shape, int size,
                              bool line) {
        auto* g = m_plot->addGraph();
        g->setLineStyle(line ? QCPGraph::lsLine : QCPGraph::lsNone);
        g->setPen(QPen(colour, line ? 2 : 1));
        g->setScatterStyle(QCPScatterStyle(shape, colour, line ? Qt::NoBrush : colour, size));
        return g;
    };
    m_all = graph(QColor(120, 120, 120), QCPScatterStyle::ssDisc, 7, false);
    m_frontier = graph(QColor(33, 145, 140), QCPScatterStyle::ssNone, 0, true);
    m_suggested = graph(QColor(253, 231, 37).darker(130), QCPScatterStyle::ssCircle, 18, false);
    m_suggested->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle,
                                                 QPen(QColor(230, 160, 0), 2.5), Qt::NoBrush, 18));
    m_marker = graph(QColor(68, 1, 84), QCPScatterStyle::ssDiamond, 13, false);

    m_emptyText = new QCPItemText(m_plot);
    m_emptyText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyText->position->setCoords(0.5, 0.5);
    m_emptyText->setPositionAlignment(Qt::AlignCenter);
    m_emptyText->setColor(palette().color(QPalette::PlaceholderText));
    m_emptyText->setText(tr("The τ_end = 0 pairs of a probe appear here"));

    // Press near a point picks it; dragging moves the marker to the nearest point.
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (e->button() != Qt::LeftButton || m_points.isEmpty())
            return;
        m_dragging = true;
        m_userChose = true;
        moveMarker(nearestPoint(e->position()), true);
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (m_dragging && !m_points.isEmpty())
            moveMarker(nearestPoint(e->position()), true);
    });
    connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent*) { m_dragging = false; });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    clear();
}

void TradeOffView::setAxisLabels(const QString& appearance, const QString& motion) {
    m_plot->xAxis->setLabel(appearance);
    m_plot->yAxis->setLabel(motion);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TradeOffView::clear() {
    setCurve({}, {}, -1);
}

void TradeOffView::setCurve(const QVector<Point>& points,
                            const QVector<int>& frontier,
                            int suggested) {
    const int previous = chosenTau();
    m_points = points;
    m_suggestedIndex = suggested >= 0 && suggested < points.size() ? suggested : -1;
    for (auto* label : std::as_const(m_labels))
        m_plot->removeItem(label);
    m_labels.clear();
    QVector<double> x, y, fx, fy;
    for (const Point& p : points) {
        x << p.appearance;
        y << p.motion;
        auto* label = new QCPItemText(m_plot);
        label->position->setCoords(p.appearance, p.motion);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setPadding(QMargins(6, 0, 0, 4));
        label->setText(QStringLiteral("τ %1").arg(p.tau));
        m_labels << label;
    }
    for (int i : frontier)
        if (i >= 0 && i < points.size()) {
            fx << points[i].appearance;
            fy << points[i].motion;
        }
    m_all->setData(x, y);
    m_frontier->setData(fx, fy, true);  // already ordered by appearance
    if (m_suggestedIndex >= 0)
        m_suggested->setData({points[m_suggestedIndex].appearance},
                             {points[m_suggestedIndex].motion});
    else
        m_suggested->data()->clear();
    m_emptyText->setVisible(points.isEmpty());
    if (!points.isEmpty()) {
        const auto pad = [](double lo, double hi) {
            const double span = hi > lo ? hi - lo : 1.0;
            return QCPRange(lo - 0.15 * span, hi + 0.15 * span);
        };
        const auto [xl, xh] = std::minmax_element(x.cbegin(), x.cend());
        const auto [yl, yh] = std::minmax_element(y.cbegin(), y.cend());
        m_plot->xAxis->setRange(pad(*xl, *xh));
        m_plot->yAxis->setRange(pad(*yl, *yh));
    }
    // A choice the user made stays while the curve grows; until then the marker follows the
    // suggestion (and says so through tauChosen).
    int index = -1;
    if (m_userChose)
        for (int i = 0; i < points.size(); ++i)
            if (points[i].tau == previous)
                index = i;
    if (index < 0) {
        m_userChose = false;
        index = m_suggestedIndex;
    }
    moveMarker(index, true);
}

int TradeOffView::suggestedTau() const {
    return m_suggestedIndex >= 0 ? m_points[m_suggestedIndex].tau : -1;
}

int TradeOffView::chosenTau() const {
    return m_chosen >= 0 && m_chosen < m_points.size() ? m_points[m_chosen].tau : -1;
}

void TradeOffView::chooseTau(int tau) {
    for (int i = 0; i < m_points.size(); ++i)
        if (m_points[i].tau == tau) {
            m_userChose = true;
            moveMarker(i, true);
        }
}

QPoint TradeOffView::pointPosition(int index) const {
    if (index < 0 || index >= m_points.size())
        return {};
    return QPointF(m_plot->xAxis->coordToPixel(m_points[index].appearance),
                   m_plot->yAxis->coordToPixel(m_points[index].motion))
        .toPoint();
}

int TradeOffView::nearestPoint(const QPointF& pos) const {
    int best = -1;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (int i = 0; i < m_points.size(); ++i) {
        const QPointF p = pointPosition(i);
        const double d = std::hypot(p.x() - pos.x(), p.y() - pos.y());
        if (d < bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

void TradeOffView::moveMarker(int index, bool notify) {
    const int tau = index >= 0 ? m_points[index].tau : -1;
    const bool changed = tau != m_markerTau;
    m_chosen = index;
    m_markerTau = tau;
    if (index >= 0)
        m_marker->setData({m_points[index].appearance}, {m_points[index].motion});
    else
        m_marker->data()->clear();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    if (notify && changed && index >= 0)
        Q_EMIT tauChosen(m_points[index].tau);
}

}  // namespace mp::widgets
