#pragma once
// The probe's trade-off curve for τ_end = 0: one point per τ_start, appearance change toward c′
// (x) against motion kept (y), labelled with τ; the Pareto frontier drawn through its points, the
// suggested τ ringed, and a τ marker the user drags along the curve (it snaps to the nearest
// point) to choose the customization's τ.

#include "qcustomplot_include.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QLabel;

namespace mp::widgets {

class TradeOffView : public QWidget {
    Q_OBJECT
public:
    struct Point {
        int tau = 0;
        double appearance = 0;
        double motion = 0;
    };

    explicit TradeOffView(QWidget* parent = nullptr);

    void setAxisLabels(const QString& appearance, const QString& motion);
    // `frontier`: indices into points (appearance ascending); `suggested`: an index or -1. The
    // marker follows the suggestion until the user places it.
    void setCurve(const QVector<Point>& points, const QVector<int>& frontier, int suggested);
    void clear();

    int pointCount() const { return int(m_points.size()); }
    int suggestedTau() const;  // -1 without a suggestion
    int chosenTau() const;     // the marker's τ; -1 without points
    void chooseTau(int tau);   // moves the marker to that τ's point (if there is one)
    // Where a point is drawn, in plot() coordinates (valid once laid out).
    QPoint pointPosition(int index) const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void tauChosen(int tau);

private:
    int nearestPoint(const QPointF& pos) const;
    void moveMarker(int index, bool notify);

    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_all = nullptr;
    QCPGraph* m_frontier = nullptr;
    QCPGraph* m_suggested = nullptr;
    QCPGraph* m_marker = nullptr;
    QVector<QCPItemText*> m_labels;
    QCPItemText* m_emptyText = nullptr;
    QVector<Point> m_points;
    int m_suggestedIndex = -1;
    int m_chosen = -1;
    int m_markerTau = -1;  // the τ last announced
    bool m_dragging = false;
    bool m_userChose = false;  // the marker was placed by the user, not by the suggestion
};

}  // namespace mp::widgets
