#pragma once
// The Experiments tab: the probes recorded in an experiment store (the SQLite file every
// `motionprobe-cli probe` writes), newest first, with their settings and run counts; a probe
// reopens into the Probe and Trade-off views, or its runs export as CSV.

#include "probe_types.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QLabel;
class QPushButton;
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
    // Reopens the probe of a row: its grid and every recorded run, as the live views take them.
    bool openRow(int row);
    // The runs of a row as CSV (run, tau_start, tau_end, clip_change, flow_similarity, ...).
    bool exportCsv(int row, const QString& file) const;

Q_SIGNALS:
    void probeOpened(const mp::app::ProbeLayout& layout,
                     const QVector<mp::app::ProbeCell>& cells,
                     const QString& description);

private:
    QString m_path;
    QLabel* m_pathLabel = nullptr;
    QLabel* m_message = nullptr;
    QTreeWidget* m_list = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_export = nullptr;
};

}  // namespace mp::app
