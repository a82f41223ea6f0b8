#include "plot_export.h"

#include "qcustomplot_include.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSvgGenerator>

#include <algorithm>

namespace mp::widgets {

bool savePlot(QCustomPlot* plot, const QString& path, QString* error) {
    const auto fail = [&](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    if (!plot)
        return fail(QCoreApplication::translate("mp::widgets", "there is no plot to save"));
    const QString suffix = QFileInfo(path).suffix().toLower();
    const int w = std::max(plot->width(), 320), h = std::max(plot->height(), 240);
    bool ok = false;
    if (suffix == u"png") {
        ok = plot->savePng(path, w, h, 2.0);
    } else if (suffix == u"pdf") {
        ok = plot->savePdf(path, w, h, QCP::epNoCosmetic);
    } else if (suffix == u"svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(plot->objectName());
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        return fail(
            QCoreApplication::translate("mp::widgets", "%1: a plot is saved as .png, .svg or .pdf")
                .arg(path));
    }
    return ok ? true
              : fail(QCoreApplication::translate("mp::widgets", "could not write %1").arg(path));
}

QString askPlotFile(QWidget* parent, const QString& suggestedName) {
    const QStringList filters{QCoreApplication::translate("mp::widgets", "PNG images (*.png)"),
                              QCoreApplication::translate("mp::widgets", "SVG drawings (*.svg)"),
                              QCoreApplication::translate("mp::widgets", "PDF documents (*.pdf)")};
    QString filter = filters.first();
    const QString file = QFileDialog::getSaveFileName(
        parent, QCoreApplication::translate("mp::widgets", "Export the plots (one file per view)"),
        suggestedName, filters.join(u";;"), &filter);
    if (file.isEmpty() || !QFileInfo(file).suffix().isEmpty())
        return file;
    return file + u'.' + plotFormats().value(std::max<qsizetype>(0, filters.indexOf(filter)));
}

}  // namespace mp::widgets
