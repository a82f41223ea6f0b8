#include "experiments_panel.h"

#include "store/store.h"

#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTextStream>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <exception>
#include <set>

namespace mp::app {

namespace {

std::filesystem::path toPath(const QString& p) {
    return std::filesystem::path(QFile::encodeName(p).toStdString());
}

double number(const QJsonObject& o, const QString& key) {
    const auto v = o.value(key);
    return v.isDouble() ? v.toDouble() : ProbeCell::kNone;
}

// A recorded run's metrics JSON as the live views take it (the same fields the worker fills).
ProbeCell cellOf(const store::RunRow& r) {
    ProbeCell c;
    c.run = QString::fromStdString(r.name);
    c.tauStart = r.tauStart.value_or(-1);
    c.tauEnd = r.tauEnd.value_or(-1);
    const auto j = QJsonDocument::fromJson(QByteArray::fromStdString(r.metrics)).object();
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
    m_open = new QPushButton(tr("Open in the views"), this);
    m_open->setObjectName(QStringLiteral("openExperiment"));
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

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Store:"), this));
    top->addWidget(m_pathLabel, 1);
    top->addWidget(choose);
    top->addWidget(refreshButton);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_open);
    bottom->addWidget(m_export);
    bottom->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_message);
    layout->addWidget(m_list, 1);
    layout->addLayout(bottom);
}

bool ExperimentsPanel::setStorePath(const QString& path) {
    m_path = path;
    m_pathLabel->setText(path);
    return refresh();
}

int ExperimentsPanel::probeCount() const {
    return m_list->topLevelItemCount();
}

bool ExperimentsPanel::refresh() {
    m_list->clear();
    try {
        const auto db = store::ExperimentStore::open(toPath(m_path));
        auto probes = db.probes();
        std::sort(probes.begin(), probes.end(),
                  [](const auto& a, const auto& b) { return a.updated > b.updated; });
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
        const auto db = store::ExperimentStore::open(toPath(m_path));
        const auto runs = db.runs(item->data(IdColumn, Qt::UserRole).toLongLong());
        ProbeLayout layout;
        std::set<int> starts, ends;
        QVector<ProbeCell> cells;
        for (const auto& r : runs) {
            cells << cellOf(r);
            if (r.tauStart && r.tauEnd) {
                starts.insert(*r.tauStart);
                ends.insert(*r.tauEnd);
            }
        }
        layout.tauStarts = QVector<int>(starts.begin(), starts.end());
        layout.tauEnds = QVector<int>(ends.begin(), ends.end());
        layout.runs = int(cells.size());
        layout.toyWorld = std::any_of(cells.cbegin(), cells.cend(),
                                      [](const ProbeCell& c) { return std::isfinite(c.motion); });
        Q_EMIT probeOpened(
            layout, cells,
            tr("probe #%1: %2").arg(item->text(IdColumn), item->text(CaptionsColumn)));
        return true;
    } catch (const std::exception& e) {
        m_message->setText(tr("Cannot read the store: %1").arg(QString::fromUtf8(e.what())));
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
