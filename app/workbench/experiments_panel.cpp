#include "experiments_panel.h"

#include "tradeoff_curve.h"

#include "plot_export.h"

#include "report/customize_report.h"
#include "store/store.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTextStream>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <exception>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mp::app {

using namespace Qt::StringLiterals;

namespace {

// Store rows (probes, benchmarks) by last update, newest first; the later id first on a tie.
template <class Rows>
void sortNewestFirst(Rows& rows) {
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.updated != b.updated ? a.updated > b.updated : a.id > b.id;
    });
}

std::filesystem::path toPath(const QString& p) {
    return std::filesystem::path(QFile::encodeName(p).toStdString());
}

double number(const QJsonObject& o, const QString& key) {
    const auto v = o.value(key);
    return v.isDouble() ? v.toDouble() : ProbeCell::kNone;
}

// A run's metrics JSON as the live views take it (the same fields the worker fills).
ProbeCell cellOfMetrics(const QJsonObject& j) {
    ProbeCell c;
    c.clipChange = number(j, QStringLiteral("clip_change"));
    c.flowSimilarity = number(j, QStringLiteral("flow_similarity"));
    if (const auto oracle = j.value(QStringLiteral("oracle")).toObject(); !oracle.isEmpty()) {
        int named = 0, shown = 0;
        for (const char* k : {"colour", "shape", "background"})
            if (const auto v = oracle.value(QLatin1String(k)); v.isBool()) {
                ++named;
                shown += v.toBool() ? 1 : 0;
            }
        c.appearance = named > 0 ? double(shown) / named : ProbeCell::kNone;
        c.motion = number(oracle, QStringLiteral("motion_similarity"));
    }
    return c;
}

ProbeCell cellOf(const store::RunRow& r) {
    auto c = cellOfMetrics(QJsonDocument::fromJson(QByteArray::fromStdString(r.metrics)).object());
    c.run = QString::fromStdString(r.name);
    c.tauStart = r.tauStart.value_or(-1);
    c.tauEnd = r.tauEnd.value_or(-1);
    return c;
}

// One run of a video's results.json (its "runs" list).
ProbeCell cellOfResultsRun(const QJsonObject& run) {
    auto c = cellOfMetrics(run);
    c.run = run.value(QStringLiteral("run")).toString();
    c.tauStart = run.value(QStringLiteral("tau_start")).toInt(-1);
    c.tauEnd = run.value(QStringLiteral("tau_end")).toInt(-1);
    return c;
}

// The grid of a probe's cells, as the views lay it out.
ProbeLayout layoutOf(const QVector<ProbeCell>& cells) {
    ProbeLayout layout;
    std::set<int> starts, ends;
    for (const auto& c : cells)
        if (c.tauStart >= 0 && c.tauEnd >= 0) {
            starts.insert(c.tauStart);
            ends.insert(c.tauEnd);
        }
    layout.tauStarts = QVector<int>(starts.begin(), starts.end());
    layout.tauEnds = QVector<int>(ends.begin(), ends.end());
    layout.runs = int(cells.size());
    layout.toyWorld = std::any_of(cells.cbegin(), cells.cend(),
                                  [](const ProbeCell& c) { return std::isfinite(c.motion); });
    return layout;
}

store::BenchmarkKind kindOf(const QTreeWidgetItem* item) {
    return item->data(ExperimentsPanel::BenchmarkKindColumn, Qt::UserRole).toInt() ==
                   int(store::BenchmarkKind::Probe)
               ? store::BenchmarkKind::Probe
               : store::BenchmarkKind::Customize;
}

}  // namespace

ExperimentsPanel::ExperimentsPanel(QWidget* parent) : QWidget(parent) {
    m_pathLabel = new QLabel(this);
    m_pathLabel->setObjectName(QStringLiteral("storePath"));
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* choose = new QPushButton(tr("Open store…"), this);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshStore"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("storeMessage"));
    m_message->setWordWrap(true);
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("experimentList"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels({tr("#"), tr("Updated (UTC)"), tr("Status"), tr("Video"),
                             tr("Caption → edit"), tr("Runs")});
    m_list->header()->setSectionResizeMode(CaptionsColumn, QHeaderView::Stretch);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_benchmarkBox = new QWidget(this);
    m_benchmarks = new QTreeWidget(m_benchmarkBox);
    m_benchmarks->setObjectName(QStringLiteral("benchmarkList"));
    m_benchmarks->setRootIsDecorated(false);
    m_benchmarks->setHeaderLabels(
        {tr("#"), tr("Updated (UTC)"), tr("Dataset"), tr("Model"), tr("Videos done"), tr("Kind")});
    m_benchmarks->setToolTip(tr("Double-click a dataset probe to open its mean heatmaps"));
    m_benchmarks->header()->setSectionResizeMode(BenchmarkDatasetColumn, QHeaderView::Stretch);
    m_benchmarks->setMaximumHeight(90);
    m_benchmarkReport = new QTextBrowser(m_benchmarkBox);
    m_benchmarkReport->setObjectName(QStringLiteral("benchmarkReport"));
    m_benchmarkReport->setOpenLinks(false);
    m_benchmarkReport->setPlaceholderText(tr("Select a benchmark to see its tables."));
    connect(m_benchmarks, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item)
            showBenchmark(m_benchmarks->indexOfTopLevelItem(item));
    });
    connect(m_benchmarks, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        if (item)
            openBenchmark(m_benchmarks->indexOfTopLevelItem(item));
    });
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("experimentFilter"));
    m_filter->setPlaceholderText(tr("Filter by video, caption, status or number"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &ExperimentsPanel::setFilter);
    m_open = new QPushButton(tr("Open in the views"), this);
    m_open->setObjectName(QStringLiteral("openExperiment"));
    m_compare = new QPushButton(tr("Compare two…"), this);
    m_compare->setObjectName(QStringLiteral("compareExperiments"));
    m_compare->setToolTip(tr("Select two probes (Ctrl+click) to compare their runs"));
    m_delete = new QPushButton(tr("Delete…"), this);
    m_delete->setObjectName(QStringLiteral("deleteExperiment"));
    m_exportJson = new QPushButton(tr("Export JSON…"), this);
    m_exportPlots = new QPushButton(tr("Export plots…"), this);
    m_exportPlots->setToolTip(tr("The heatmaps and the trade-off curve as PNG, SVG or PDF"));
    m_export = new QPushButton(tr("Export runs as CSV…"), this);
    connect(choose, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Open experiment store"), m_path,
                                                          tr("Experiment stores (*.sqlite)"));
        if (!file.isEmpty())
            setStorePath(file);
    });
    connect(refreshButton, &QPushButton::clicked, this, &ExperimentsPanel::refresh);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (auto* item = m_list->currentItem())
            openRow(m_list->indexOfTopLevelItem(item));
    });
    connect(m_list, &QTreeWidget::itemDoubleClicked, this,
            [this](QTreeWidgetItem* item) { openRow(m_list->indexOfTopLevelItem(item)); });
    connect(m_export, &QPushButton::clicked, this, [this] {
        auto* item = m_list->currentItem();
        if (!item)
            return;
        const QString file = QFileDialog::getSaveFileName(this, tr("Export runs"), QString(),
                                                          tr("CSV files (*.csv)"));
        if (!file.isEmpty() && !exportCsv(m_list->indexOfTopLevelItem(item), file))
            m_message->setText(tr("Could not write %1").arg(file));
    });

    connect(m_exportJson, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (row < 0)
            return;
        const QString file = QFileDialog::getSaveFileName(this, tr("Export the probe"), QString(),
                                                          tr("JSON files (*.json)"));
        if (!file.isEmpty() && !exportJson(row, file))
            m_message->setText(tr("Could not write %1").arg(file));
    });
    connect(m_exportPlots, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (row < 0)
            return;
        const QString file = widgets::askPlotFile(
            this, QStringLiteral("probe-%1.png").arg(m_list->topLevelItem(row)->text(IdColumn)));
        if (!file.isEmpty())
            exportPlots(row, file);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        const auto items = m_list->selectedItems();
        if (items.size() != 2) {
            m_message->setText(tr("Select exactly two probes to compare (Ctrl+click)."));
            return;
        }
        if (QDialog* d = compareRows(m_list->indexOfTopLevelItem(items[0]),
                                     m_list->indexOfTopLevelItem(items[1])))
            d->show();
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (row < 0)
            return;
        const auto answer = QMessageBox::question(
            this, tr("Delete the probe"),
            tr("Delete probe #%1 (%2) and its %3 recorded runs from the store? This cannot be "
               "undone.")
                .arg(m_list->topLevelItem(row)->text(IdColumn),
                     m_list->topLevelItem(row)->text(CaptionsColumn),
                     m_list->topLevelItem(row)->text(RunsColumn)));
        if (answer == QMessageBox::Yes)
            removeRow(row);
    });

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Store:"), this));
    top->addWidget(m_pathLabel, 1);
    top->addWidget(choose);
    top->addWidget(refreshButton);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_open);
    bottom->addWidget(m_compare);
    bottom->addStretch(1);
    bottom->addWidget(m_export);
    bottom->addWidget(m_exportJson);
    bottom->addWidget(m_exportPlots);
    bottom->addWidget(m_delete);
    // Probes above, benchmarks below, the boundary movable: either may be the one of interest.
    auto* probes = new QWidget(this);
    auto* probeLayout = new QVBoxLayout(probes);
    probeLayout->setContentsMargins(0, 0, 0, 0);
    probeLayout->addWidget(m_filter);
    probeLayout->addWidget(m_message);
    probeLayout->addWidget(m_list, 1);
    probeLayout->addLayout(bottom);
    auto* benchmarkLayout = new QVBoxLayout(m_benchmarkBox);
    benchmarkLayout->setContentsMargins(0, 0, 0, 0);
    benchmarkLayout->addWidget(
        new QLabel(tr("Benchmarks over datasets (their report: motionprobe-cli bench report "
                      "--kind customize|probe --store FILE --benchmark # --out DIR)"),
                   m_benchmarkBox));
    benchmarkLayout->addWidget(m_benchmarks);
    benchmarkLayout->addWidget(m_benchmarkReport, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("experimentsSplit"));
    split->setChildrenCollapsible(false);
    split->addWidget(probes);
    split->addWidget(m_benchmarkBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    m_benchmarkBox->setVisible(false);
}

bool ExperimentsPanel::setStorePath(const QString& path) {
    m_path = path;
    m_pathLabel->setText(path);
    return refresh();
}

int ExperimentsPanel::probeCount() const {
    return m_list->topLevelItemCount();
}

int ExperimentsPanel::benchmarkCount() const {
    return m_benchmarks->topLevelItemCount();
}

QString ExperimentsPanel::benchmarkText(int row, int column) const {
    auto* item = m_benchmarks->topLevelItem(row);
    return item ? item->text(column) : QString();
}

bool ExperimentsPanel::showBenchmark(int row) {
    auto* item = m_benchmarks->topLevelItem(row);
    if (!item) {
        m_benchmarkReport->clear();
        return false;
    }
    const auto id = item->data(BenchmarkIdColumn, Qt::UserRole).toLongLong();
    if (kindOf(item) == store::BenchmarkKind::Probe) {
        try {
            int videos = 0;
            const auto cells = meanCellsOfBenchmark(id, &videos);
            if (videos == 0) {
                m_benchmarkReport->setPlainText(
                    tr("Dataset probe %1 has no finished video yet; its means appear as videos "
                       "finish.")
                        .arg(id));
                return true;
            }
            const auto value = [](double v) {
                return std::isfinite(v) ? QString::number(v, 'g', 4) : QStringLiteral("–");
            };
            QString html = u"<p>"_s +
                           tr("Dataset probe %1: every run's mean over %2 finished videos. "
                              "Double-click the row to open the mean heatmaps in the Probe and "
                              "Trade-off views.")
                               .arg(id)
                               .arg(videos)
                               .toHtmlEscaped() +
                           u"</p><table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr>"_s;
            for (const auto& h :
                 {tr("run"), tr("τ_start"), tr("τ_end"), tr("Δ CLIP toward c′"),
                  tr("flow similarity"), tr("oracle: appearance"), tr("oracle: motion")})
                html += u"<th>"_s + h.toHtmlEscaped() + u"</th>"_s;
            html += u"</tr>"_s;
            for (const auto& c : cells) {
                html += u"<tr><td>"_s + c.run.toHtmlEscaped() + u"</td><td>"_s +
                        (c.tauStart >= 0 ? QString::number(c.tauStart) : QString()) +
                        u"</td><td>"_s + (c.tauEnd >= 0 ? QString::number(c.tauEnd) : QString()) +
                        u"</td>"_s;
                for (const double v : {c.clipChange, c.flowSimilarity, c.appearance, c.motion})
                    html += u"<td>"_s + value(v) + u"</td>"_s;
                html += u"</tr>"_s;
            }
            m_benchmarkReport->setHtml(html + u"</table>"_s);
            return true;
        } catch (const std::exception& e) {
            m_benchmarkReport->setPlainText(
                tr("Cannot read dataset probe %1: %2").arg(id).arg(QString::fromUtf8(e.what())));
            return false;
        }
    }
    try {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        const auto all = db.benchmarks(store::BenchmarkKind::Customize);
        const auto found = std::find_if(all.begin(), all.end(),
                                        [&](const store::BenchmarkRow& b) { return b.id == id; });
        if (found == all.end()) {
            m_benchmarkReport->setPlainText(tr("Benchmark %1 is no longer in the store.").arg(id));
            return false;
        }
        const auto videos = db.benchmarkVideos(store::BenchmarkKind::Customize, id);
        if (videos.empty()) {
            m_benchmarkReport->setPlainText(
                tr("Benchmark %1 has no finished video yet; its tables appear as videos finish.")
                    .arg(id));
            return true;
        }
        std::ostringstream html;
        report::writeCustomizeHtml(html, report::customizeReportFromStore(found->settings, videos),
                                   report::HtmlForm::Fragment);
        m_benchmarkReport->setHtml(QString::fromStdString(html.str()));
        return true;
    } catch (const std::exception& e) {
        m_benchmarkReport->setPlainText(
            tr("Cannot read benchmark %1: %2").arg(id).arg(QString::fromUtf8(e.what())));
        return false;
    }
}

QString ExperimentsPanel::benchmarkReportText() const {
    return m_benchmarkReport->toPlainText();
}

QVector<ProbeCell> ExperimentsPanel::meanCellsOfBenchmark(qint64 id, int* videos) const {
    const auto db = store::ExperimentStore::open(toPath(m_path));
    // Each stored video: {"entry": its line of the summary, "results": its results.json}.
    QVector<QVector<ProbeCell>> byVideo;
    for (const auto& [name, text] : db.benchmarkVideos(store::BenchmarkKind::Probe, id)) {
        const auto results = QJsonDocument::fromJson(QByteArray::fromStdString(text))
                                 .object()
                                 .value(QStringLiteral("results"))
                                 .toObject();
        QVector<ProbeCell> cells;
        for (const auto& run : results.value(QStringLiteral("runs")).toArray())
            cells << cellOfResultsRun(run.toObject());
        if (!byVideo.isEmpty() && cells.size() != byVideo.front().size())
            throw std::runtime_error("video " + name + " has " + std::to_string(cells.size()) +
                                     " runs where the first has " +
                                     std::to_string(byVideo.front().size()));
        byVideo << cells;
    }
    *videos = int(byVideo.size());
    if (byVideo.isEmpty())
        return {};
    QVector<ProbeCell> means = byVideo.front();
    for (int r = 0; r < means.size(); ++r) {
        auto& m = means[r];
        m.frames.clear();
        // A video without a metric (no scorer, not the toy world) leaves it out of that mean.
        const auto mean = [&](double ProbeCell::*field) {
            double sum = 0;
            int n = 0;
            for (const auto& cells : byVideo)
                if (const double v = cells[r].*field; std::isfinite(v)) {
                    sum += v;
                    ++n;
                }
            return n > 0 ? sum / n : ProbeCell::kNone;
        };
        m.clipChange = mean(&ProbeCell::clipChange);
        m.flowSimilarity = mean(&ProbeCell::flowSimilarity);
        m.appearance = mean(&ProbeCell::appearance);
        m.motion = mean(&ProbeCell::motion);
    }
    return means;
}

bool ExperimentsPanel::openBenchmark(int row) {
    auto* item = m_benchmarks->topLevelItem(row);
    if (!item || kindOf(item) != store::BenchmarkKind::Probe)
        return false;
    try {
        int videos = 0;
        const auto cells =
            meanCellsOfBenchmark(item->data(BenchmarkIdColumn, Qt::UserRole).toLongLong(), &videos);
        if (videos == 0) {
            m_message->setText(tr("Dataset probe %1 has no finished video yet.")
                                   .arg(item->text(BenchmarkIdColumn)));
            return false;
        }
        Q_EMIT probeOpened(
            layoutOf(cells), cells,
            tr("dataset probe #%1: %2, mean of %3 videos")
                .arg(item->text(BenchmarkIdColumn), item->text(BenchmarkDatasetColumn))
                .arg(videos));
        return true;
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot read the store: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool ExperimentsPanel::refresh() {
    m_list->clear();
    m_benchmarks->clear();
    m_benchmarkReport->clear();
    try {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        // Both kinds in one list, newest first.
        std::vector<std::pair<store::BenchmarkRow, store::BenchmarkKind>> benchmarks;
        for (const auto kind : {store::BenchmarkKind::Customize, store::BenchmarkKind::Probe})
            for (auto& b : db.benchmarks(kind))
                benchmarks.emplace_back(std::move(b), kind);
        std::sort(benchmarks.begin(), benchmarks.end(), [](const auto& a, const auto& b) {
            return a.first.updated != b.first.updated ? a.first.updated > b.first.updated
                                                      : a.first.id > b.first.id;
        });
        for (const auto& [b, kind] : benchmarks) {
            const auto settings =
                QJsonDocument::fromJson(QByteArray::fromStdString(b.settings)).object();
            auto* item = new QTreeWidgetItem(m_benchmarks);
            item->setData(BenchmarkIdColumn, Qt::UserRole, qlonglong(b.id));
            item->setData(BenchmarkKindColumn, Qt::UserRole, int(kind));
            item->setText(BenchmarkKindColumn,
                          kind == store::BenchmarkKind::Probe ? tr("probe") : tr("customization"));
            item->setText(BenchmarkIdColumn, QString::number(b.id));
            item->setText(BenchmarkUpdatedColumn, QString::fromStdString(b.updated));
            item->setText(BenchmarkDatasetColumn,
                          settings.value(QStringLiteral("dataset")).toString());
            item->setText(BenchmarkModelColumn, settings.value(QStringLiteral("model")).toString());
            item->setText(BenchmarkVideosColumn,
                          QString::number(db.benchmarkVideos(kind, b.id).size()));
            item->setToolTip(BenchmarkDatasetColumn, QString::fromStdString(b.settings));
        }
        m_benchmarkBox->setVisible(!benchmarks.empty());
        // The newest benchmark's tables show without a click.
        if (auto* newest = m_benchmarks->topLevelItem(0))
            m_benchmarks->setCurrentItem(newest);
        auto probes = db.probes();
        sortNewestFirst(probes);
        for (const auto& p : probes) {
            const auto params =
                QJsonDocument::fromJson(QByteArray::fromStdString(p.params)).object();
            auto* item = new QTreeWidgetItem(m_list);
            item->setData(IdColumn, Qt::UserRole, qlonglong(p.id));
            item->setText(IdColumn, QString::number(p.id));
            item->setText(UpdatedColumn, QString::fromStdString(p.updated));
            item->setText(StatusColumn, QString::fromStdString(p.status));
            item->setText(VideoColumn, params.value(QStringLiteral("video")).toString());
            item->setText(CaptionsColumn,
                          tr("%1 → %2").arg(params.value(QStringLiteral("caption")).toString(),
                                            params.value(QStringLiteral("edit")).toString()));
            item->setText(RunsColumn, QString::number(db.runs(p.id).size()));
            item->setToolTip(CaptionsColumn, QString::fromStdString(p.params));
        }
        m_message->setText(probes.empty() ? tr("No probes recorded here yet; every "
                                               "motionprobe-cli probe records into the store.")
                                          : QString());
        setFilter(m_filter->text());
        return true;
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot read the store: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool ExperimentsPanel::openRow(int row) {
    auto* item = m_list->topLevelItem(row);
    if (!item)
        return false;
    try {
        const QVector<ProbeCell> cells = cellsOfRow(row);
        Q_EMIT probeOpened(
            layoutOf(cells), cells,
            tr("probe #%1: %2").arg(item->text(IdColumn), item->text(CaptionsColumn)));
        return true;
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot read the store: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

QVector<ProbeCell> ExperimentsPanel::cellsOfRow(int row) const {
    QVector<ProbeCell> cells;
    if (auto* item = m_list->topLevelItem(row)) {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        for (const auto& r : db.runs(item->data(IdColumn, Qt::UserRole).toLongLong()))
            cells << cellOf(r);
    }
    return cells;
}

int ExperimentsPanel::selectedRow() const {
    auto* item = m_list->currentItem();
    if (!item) {
        m_message->setText(tr("Select a probe first."));
        return -1;
    }
    return m_list->indexOfTopLevelItem(item);
}

void ExperimentsPanel::setFilter(const QString& text) {
    if (m_filter->text() != text)
        m_filter->setText(text);  // comes back here through textChanged
    const QString needle = text.trimmed();
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        auto* item = m_list->topLevelItem(i);
        bool match = needle.isEmpty();
        for (int c : {IdColumn, StatusColumn, VideoColumn, CaptionsColumn})
            match = match || item->text(c).contains(needle, Qt::CaseInsensitive);
        item->setHidden(!match);
    }
}

int ExperimentsPanel::visibleProbeCount() const {
    int n = 0;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        n += m_list->topLevelItem(i)->isHidden() ? 0 : 1;
    return n;
}

bool ExperimentsPanel::removeRow(int row) {
    auto* item = m_list->topLevelItem(row);
    if (!item)
        return false;
    try {
        auto db = store::ExperimentStore::open(toPath(m_path));
        if (!db.removeProbe(item->data(IdColumn, Qt::UserRole).toLongLong()))
            return false;
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot delete: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    const QString id = item->text(IdColumn);
    refresh();
    m_message->setText(tr("Deleted probe #%1.").arg(id));
    return true;
}

QDialog* ExperimentsPanel::compareRows(int first, int second) {
    auto* a = m_list->topLevelItem(first);
    auto* b = m_list->topLevelItem(second);
    if (!a || !b)
        return nullptr;
    QVector<ProbeCell> cellsA, cellsB;
    try {
        cellsA = cellsOfRow(first);
        cellsB = cellsOfRow(second);
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot read the store: %1").arg(QString::fromUtf8(e.what())));
        return nullptr;
    }
    // The runs both recorded, in the order of the first probe.
    QHash<QString, ProbeCell> byRun;
    for (const auto& c : cellsB)
        byRun.insert(c.run, c);
    auto* dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("experimentComparison"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString nameA = tr("#%1").arg(a->text(IdColumn)),
                  nameB = tr("#%1").arg(b->text(IdColumn));
    dialog->setWindowTitle(tr("Probe %1 and probe %2").arg(nameA, nameB));
    auto* table = new QTableWidget(dialog);
    table->setObjectName(QStringLiteral("comparisonTable"));
    table->setColumnCount(7);
    table->setHorizontalHeaderLabels(
        {tr("Run"), tr("Δ CLIP %1").arg(nameA), tr("Δ CLIP %1").arg(nameB), tr("difference"),
         tr("flow %1").arg(nameA), tr("flow %1").arg(nameB), tr("difference")});
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    const auto number = [](double v) {
        return std::isfinite(v) ? QString::number(v, 'g', 4) : QStringLiteral("–");
    };
    for (const auto& ca : cellsA) {
        const auto it = byRun.constFind(ca.run);
        if (it == byRun.cend())
            continue;
        const int r = table->rowCount();
        table->insertRow(r);
        const QStringList values{ca.run,
                                 number(ca.clipChange),
                                 number(it->clipChange),
                                 number(it->clipChange - ca.clipChange),
                                 number(ca.flowSimilarity),
                                 number(it->flowSimilarity),
                                 number(it->flowSimilarity - ca.flowSimilarity)};
        for (int c = 0; c < values.size(); ++c)
            table->setItem(r, c, new QTableWidgetItem(values[c]));
    }
    table->resizeColumnsToContents();
    // Each probe's suggested τ by the engine's rule (the one the CLI and trade-off view use).
    const auto suggestion = [&](const QVector<ProbeCell>& cells) {
        const int tau = tradeOffCurve(cells).suggestedTau;
        return tau >= 0 ? QString::number(tau) : tr("none");
    };
    auto* summary =
        new QLabel(tr("%1: %2\n%3: %4\nSuggested τ: %5 for %1, %6 for %3; %n run(s) "
                      "in common.",
                      nullptr, table->rowCount())
                       .arg(nameA, a->text(CaptionsColumn), nameB, b->text(CaptionsColumn),
                            suggestion(cellsA), suggestion(cellsB)),
                   dialog);
    summary->setObjectName(QStringLiteral("comparisonSummary"));
    summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(summary);
    layout->addWidget(table, 1);
    layout->addWidget(buttons);
    dialog->resize(760, 480);
    return dialog;
}

bool ExperimentsPanel::exportPlots(int row, const QString& base) {
    if (!openRow(row))
        return false;
    Q_EMIT plotsExportRequested(base);
    return true;
}

bool ExperimentsPanel::exportJson(int row, const QString& file) const {
    auto* item = m_list->topLevelItem(row);
    if (!item)
        return false;
    try {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        const auto id = item->data(IdColumn, Qt::UserRole).toLongLong();
        const auto parse = [](const std::string& json) {
            return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
        };
        QJsonObject probe;
        for (const auto& p : db.probes())
            if (p.id == id)
                probe = QJsonObject{{u"id"_s, qint64(p.id)},
                                    {u"key"_s, QString::fromStdString(p.key)},
                                    {u"status"_s, QString::fromStdString(p.status)},
                                    {u"created"_s, QString::fromStdString(p.created)},
                                    {u"updated"_s, QString::fromStdString(p.updated)},
                                    {u"params"_s, parse(p.params)}};
        QJsonArray runs;
        for (const auto& r : db.runs(id)) {
            QJsonObject run{{u"run"_s, QString::fromStdString(r.name)},
                            {u"metrics"_s, parse(r.metrics)}};
            if (r.tauStart)
                run.insert(u"tau_start"_s, *r.tauStart);
            if (r.tauEnd)
                run.insert(u"tau_end"_s, *r.tauEnd);
            runs.append(run);
        }
        // Whole or not at all: a cancelled or failed write leaves no half file.
        QSaveFile out(file);
        if (!out.open(QIODevice::WriteOnly))
            return false;
        out.write(QJsonDocument(QJsonObject{{u"probe"_s, probe}, {u"runs"_s, runs}})
                      .toJson(QJsonDocument::Indented));
        return out.commit();
    } catch (const std::exception&) {
        return false;
    }
}

bool ExperimentsPanel::exportCsv(int row, const QString& file) const {
    auto* item = m_list->topLevelItem(row);
    if (!item)
        return false;
    try {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
            return false;
        QTextStream s(&out);
        s << "run,tau_start,tau_end,clip_change,flow_similarity,oracle_appearance,oracle_motion\n";
        const auto cell = [](double v) {
            return std::isnan(v) ? QString() : QString::number(v, 'g', 9);
        };
        for (const auto& r : db.runs(item->data(IdColumn, Qt::UserRole).toLongLong())) {
            const auto c = cellOf(r);
            s << c.run << ',' << (c.tauStart >= 0 ? QString::number(c.tauStart) : QString()) << ','
              << (c.tauEnd >= 0 ? QString::number(c.tauEnd) : QString()) << ','
              << cell(c.clipChange) << ',' << cell(c.flowSimilarity) << ',' << cell(c.appearance)
              << ',' << cell(c.motion) << '\n';
        }
        return s.status() == QTextStream::Ok;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace mp::app
