#pragma once
// Saves a plot as a picture for papers and slides: PNG (at twice the on-screen resolution), SVG or
// PDF (vector), chosen by the file's suffix.

#include <QString>
#include <QStringList>

class QCustomPlot;
class QWidget;

namespace mp::widgets {

// The formats savePlot() writes, as file suffixes.
inline const QStringList& plotFormats() {
    static const QStringList formats{QStringLiteral("png"), QStringLiteral("svg"),
                                     QStringLiteral("pdf")};
    return formats;
}

// Writes `plot` at its current size to `path`; false with the reason in `error` when the suffix
// is not a plot format or the file cannot be written.
bool savePlot(QCustomPlot* plot, const QString& path, QString* error = nullptr);

// Asks where to save plots: the suffix typed (png, svg or pdf) picks the format; with none, the
// chosen filter's is added. Empty when cancelled.
QString askPlotFile(QWidget* parent, const QString& suggestedName);

}  // namespace mp::widgets
