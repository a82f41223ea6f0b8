#pragma once
// The Experiments tab: the probes recorded in an experiment store (the SQLite file every
// `motionprobe-cli probe` writes), newest first, with their settings and run counts, filtered by
// what the user types; a probe reopens into the Probe and Trade-off views, two compare side by
// side, one is deleted, its runs export as CSV or JSON and its plots as PNG, SVG or PDF. Below
// them the store's benchmarks over datasets: customization benchmarks with their report (the
// paper's tables) and dataset probes with their mean over the videos (Fig. 2), which also open
// into the Probe and Trade-off views.

#include "probe_types.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QDialog;
class QLabel;
class QLineEdit;
class QPushButton;
class QTextBrowser;
class QTreeWidget;

namespace mp::app {

class ExperimentsPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { IdColumn, UpdatedColumn, StatusColumn, VideoColumn, CaptionsColumn, RunsColumn };

    explicit ExperimentsPanel(QWidget* parent = nullptr);

    // Reads the store (created when missing); false with the reason shown when it cannot.
    bool setStorePath(const QString& path);
    QString storePath() const { return m_path; }
    bool refresh();
    int probeCount() const;
    enum BenchmarkColumn {
        BenchmarkIdColumn,
        BenchmarkUpdatedColumn,
        BenchmarkDatasetColumn,
        BenchmarkModelColumn,
        BenchmarkVideosColumn,
        BenchmarkKindColumn  // "customization" or "probe"
    };
    int benchmarkCount() const;
    // The text of one cell of the benchmark list; empty when there is no such row.
    QString benchmarkText(int row, int column) const;
    // Shows a benchmark's report (the paper's tables from its finished videos, as `bench report`
    // writes them) below the list; selecting a row does the same. False when there is no such
    // row or the store cannot be read (the reason is shown instead).
    bool showBenchmark(int row);
    // The shown report as plain text.
    QString benchmarkReportText() const;
    // Opens a dataset probe's means over its finished videos (every run's metrics averaged) in
    // the views, as openRow does for one probe; double-clicking the row does the same. False for
    // a customization benchmark, a missing row or one without a finished video.
    bool openBenchmark(int row);
    // Reopens the probe of a row: its grid and every recorded run, as the live views take them.
    bool openRow(int row);
    // The runs of a row as CSV (run, tau_start, tau_end, clip_change, flow_similarity, ...).
    bool exportCsv(int row, const QString& file) const;
    // The probe of a row as JSON: its parameters and status, and every run with its metrics.
    bool exportJson(int row, const QString& file) const;
    // Deletes the probe of a row from the store (no question asked; the button asks).
    bool removeRow(int row);
    // Shows rows whose id, status, video or captions contain `text` (case-insensitive).
    void setFilter(const QString& text);
    int visibleProbeCount() const;
    // A window with the runs both probes have, their metrics side by side with the differences,
    // and each probe's suggested τ; nullptr when a row does not exist.
    QDialog* compareRows(int first, int second);
    // Reopens the row into the views, then asks the window to save their plots as
    // `<base>-<view>.<suffix>` (suffix png, svg or pdf).
    bool exportPlots(int row, const QString& base);

Q_SIGNALS:
    void probeOpened(const mp::app::ProbeLayout& layout,
                     const QVector<mp::app::ProbeCell>& cells,
                     const QString& description);
    void plotsExportRequested(const QString& base);

private:
    // The recorded cells of a row's probe (throws the store's errors).
    QVector<ProbeCell> cellsOfRow(int row) const;
    // A dataset probe's runs averaged over its finished videos, and how many there are (throws
    // the store's errors).
    QVector<ProbeCell> meanCellsOfBenchmark(qint64 id, int* videos) const;
    int selectedRow() const;

    QString m_path;
    QLineEdit* m_filter = nullptr;
    QLabel* m_pathLabel = nullptr;
    QLabel* m_message = nullptr;
    QTreeWidget* m_list = nullptr;
    QTreeWidget* m_benchmarks = nullptr;
    QWidget* m_benchmarkBox = nullptr;  // the list with its title, hidden when empty
    QTextBrowser* m_benchmarkReport = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_export = nullptr;
    QPushButton* m_exportJson = nullptr;
    QPushButton* m_exportPlots = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_delete = nullptr;
};

}  // namespace mp::app
