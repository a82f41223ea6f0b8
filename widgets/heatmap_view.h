#pragma once
// A labelled grid of values drawn as a colour map with a colour scale, made for (τ_start, τ_end)
// grids. Cells without a value (NaN) stay transparent, so a triangular grid
// shows as a triangle. Until a grid is set, the view shows an empty-state text.

#include "qcustomplot_include.h"

#include <QStringList>
#include <QVector>
#include <QWidget>

class QLabel;

namespace mp::widgets {

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    void setAxisLabels(const QString& columnAxis, const QString& rowAxis);
    void setValueLabel(const QString& label);  // the colour scale's label
    QString emptyText() const;
    void setEmptyText(const QString& text);

    // values[row * columns + column]; row 0 is drawn at the bottom. Labels are empty (indices are
    // shown) or one per column/row. Returns false and keeps the current grid if sizes disagree.
    bool setGrid(int columns,
                 int rows,
                 const QVector<double>& values,
                 const QStringList& columnLabels = {},
                 const QStringList& rowLabels = {});
    void clear();

    bool hasData() const { return m_columns > 0; }
    int columnCount() const { return m_columns; }
    int rowCount() const { return m_rows; }
    double valueAt(int column, int row) const;  // NaN outside the grid or for empty cells
    QCPRange valueRange() const;                // over the finite values; the colour scale's range

    // Centre of a cell in plot() coordinates (valid once the plot has been laid out).
    QPoint cellCenter(int column, int row) const;
    QCustomPlot* plot() const { return m_plot; }
    // The hover text at a point of plot(): the cell's labels and exact value; empty off the grid
    // and over empty cells.
    QString cellText(const QPoint& pos) const;

Q_SIGNALS:
    void cellClicked(int column, int row, double value);

private:
    void onMousePress(QMouseEvent* event);
    void setTicks(QCPAxis* axis, int count, const QStringList& labels);
    void showEmptyState();

    QLabel* m_title = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemText* m_emptyText = nullptr;
    int m_columns = 0;
    int m_rows = 0;
    QVector<double> m_values;
    QStringList m_columnLabels, m_rowLabels;
    QCPRange m_range{0.0, 1.0};
};

}  // namespace mp::widgets
