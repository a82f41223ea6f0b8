#include "heatmap_view.h"

#include "color_maps.h"

#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace mp::widgets {

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("heatmapTitle"));
    m_title->setAlignment(Qt::AlignCenter);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->hide();

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("heatmapPlot"));
    m_plot->setMinimumSize(240, 200);
    m_plot->setBackground(palette().base());

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);  // one flat colour per probed pair, no blending between cells
    m_map->setTightBoundary(false);

    m_scale = new QCPColorScale(m_plot);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setBarWidth(12);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    m_map->setColorScale(m_scale);
    // Linking adopts the scale's gradient, so the gradient is set on the scale, after linking.
    m_scale->setGradient(viridisGradient());
    // Keep the colour bar exactly as tall as the map.
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    m_emptyText = new QCPItemText(m_plot);
    m_emptyText->setClipToAxisRect(true);
    m_emptyText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyText->position->setCoords(0.5, 0.5);
    m_emptyText->setPositionAlignment(Qt::AlignCenter);
    m_emptyText->setColor(palette().color(QPalette::PlaceholderText));
    m_emptyText->setText(tr("No data yet"));

    connect(m_plot, &QCustomPlot::mousePress, this, &HeatmapView::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        const QString text = cellText(event->position().toPoint());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_title);
    layout->addWidget(m_plot, 1);

    showEmptyState();
}

void HeatmapView::setTitle(const QString& title) {
    m_title->setText(title);
    m_title->setVisible(!title.isEmpty());
}

void HeatmapView::setAxisLabels(const QString& columnAxis, const QString& rowAxis) {
    m_plot->xAxis->setLabel(columnAxis);
    m_plot->yAxis->setLabel(rowAxis);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapView::setValueLabel(const QString& label) {
    m_scale->axis()->setLabel(label);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString HeatmapView::emptyText() const {
    return m_emptyText->text();
}

void HeatmapView::setEmptyText(const QString& text) {
    m_emptyText->setText(text);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool HeatmapView::setGrid(int columns,
                          int rows,
                          const QVector<double>& values,
                          const QStringList& columnLabels,
                          const QStringList& rowLabels) {
    if (columns < 1 || rows < 1 || values.size() != qsizetype(columns) * rows)
        return false;
    if ((!columnLabels.isEmpty() && columnLabels.size() != columns) ||
        (!rowLabels.isEmpty() && rowLabels.size() != rows))
        return false;

    m_columns = columns;
    m_rows = rows;
    m_values = values;
    m_columnLabels = columnLabels;
    m_rowLabels = rowLabels;

    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    // Cell centres sit on integer coordinates. QCustomPlot cannot size the cells of a map that is
    // one cell wide, so such a dimension is stored as two half-width cells of the same value.
    const int dataColumns = std::max(columns, 2);
    const int dataRows = std::max(rows, 2);
    auto range = [](int n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, n - 1); };
    auto* data = m_map->data();
    data->setSize(dataColumns, dataRows);
    data->setRange(range(columns), range(rows));
    for (int r = 0; r < dataRows; ++r) {
        for (int c = 0; c < dataColumns; ++c) {
            const double v = values[std::min(r, rows - 1) * columns + std::min(c, columns - 1)];
            data->setCell(c, r, v);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    }
    if (!(lo <= hi))
        m_range = QCPRange(0.0, 1.0);  // no finite value at all
    else if (lo == hi)
        m_range = QCPRange(lo - 0.5, hi + 0.5);  // a constant grid still gets a readable scale
    else
        m_range = QCPRange(lo, hi);
    m_map->setDataRange(m_range);

    setTicks(m_plot->xAxis, columns, columnLabels);
    setTicks(m_plot->yAxis, rows, rowLabels);
    m_plot->xAxis->setRange(-0.5, columns - 0.5);
    m_plot->yAxis->setRange(-0.5, rows - 0.5);
    m_scale->axis()->setTickLabels(true);
    m_map->setVisible(true);
    m_emptyText->setVisible(false);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

void HeatmapView::clear() {
    m_columns = 0;
    m_rows = 0;
    m_values.clear();
    m_range = QCPRange(0.0, 1.0);
    showEmptyState();
}

double HeatmapView::valueAt(int column, int row) const {
    if (column < 0 || row < 0 || column >= m_columns || row >= m_rows)
        return std::numeric_limits<double>::quiet_NaN();
    return m_values[row * m_columns + column];
}

QCPRange HeatmapView::valueRange() const {
    return m_range;
}

QPoint HeatmapView::cellCenter(int column, int row) const {
    return QPointF(m_plot->xAxis->coordToPixel(column), m_plot->yAxis->coordToPixel(row)).toPoint();
}

QString HeatmapView::cellText(const QPoint& pos) const {
    if (!hasData() || !m_plot->axisRect()->rect().contains(pos))
        return {};
    const int column = int(std::lround(m_plot->xAxis->pixelToCoord(pos.x())));
    const int row = int(std::lround(m_plot->yAxis->pixelToCoord(pos.y())));
    const double v = valueAt(column, row);
    if (std::isnan(v))
        return {};
    const auto name = [](const QStringList& labels, int i) {
        return i < labels.size() ? labels[i] : QString::number(i);
    };
    // "τ_start 1000, τ_end 0: 0.8123" — the exact value, which the colour only approximates.
    return tr("%1 %2, %3 %4: %5")
        .arg(m_plot->yAxis->label(), name(m_rowLabels, row), m_plot->xAxis->label(),
             name(m_columnLabels, column), QString::number(v, 'g', 6));
}

void HeatmapView::onMousePress(QMouseEvent* event) {
    // Mapped from the axes rather than QCustomPlot's plottable hit test, which only covers the
    // span between the outer cells' centres and would miss half of every edge cell.
    if (event->button() != Qt::LeftButton || !hasData() ||
        !m_plot->axisRect()->rect().contains(event->position().toPoint()))
        return;
    const int column = int(std::lround(m_plot->xAxis->pixelToCoord(event->position().x())));
    const int row = int(std::lround(m_plot->yAxis->pixelToCoord(event->position().y())));
    const double v = valueAt(column, row);
    if (!std::isnan(v))
        Q_EMIT cellClicked(column, row, v);
}

void HeatmapView::setTicks(QCPAxis* axis, int count, const QStringList& labels) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < count; ++i)
        ticker->addTick(i, labels.isEmpty() ? QString::number(i) : labels[i]);
    axis->setTicker(ticker);
    axis->setTickLabels(true);
    axis->grid()->setVisible(false);
}

void HeatmapView::showEmptyState() {
    m_map->data()->clear();
    m_map->setVisible(false);
    m_map->setDataRange(m_range);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        axis->setTickLabels(false);
        axis->grid()->setVisible(false);
        axis->setRange(0, 1);
    }
    m_scale->axis()->setTickLabels(false);  // no values, no scale to read
    m_emptyText->setVisible(true);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace mp::widgets
