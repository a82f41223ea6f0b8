#include "model_panel.h"

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mp::app {

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("modelPath"));
    m_path->setReadOnly(true);
    m_path->setPlaceholderText(tr("No model open"));

    m_open = new QPushButton(tr("Open model folder…"), this);
    m_open->setObjectName(QStringLiteral("openModelButton"));
    m_open->setToolTip(
        tr("A diffusers-format snapshot folder (model_index.json) or one "
           "component's folder (config.json)"));
    connect(m_open, &QPushButton::clicked, this, &ModelPanel::openRequested);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("modelSummary"));
    m_summary->setWordWrap(true);
    m_summary->setText(tr("Open a ModelScope, Latte or CogVideoX snapshot folder."));
    m_schedule = new QLabel(this);
    m_schedule->setObjectName(QStringLiteral("scheduleSummary"));
    m_schedule->setWordWrap(true);
    m_schedule->hide();

    m_components = new QTreeWidget(this);
    m_components->setObjectName(QStringLiteral("componentTree"));
    m_components->setColumnCount(ColumnCount);
    m_components->setHeaderLabels({tr("Component"), tr("Class"), tr("Parameters"), tr("Dtypes")});
    m_components->setRootIsDecorated(false);
    m_components->setUniformRowHeights(true);
    m_components->setAlternatingRowColors(true);
    // The class name takes what is left (elided if need be); the numbers always show in full.
    m_components->header()->setStretchLastSection(false);
    m_components->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_components->header()->setSectionResizeMode(ClassColumn, QHeaderView::Stretch);
    m_components->setTextElideMode(Qt::ElideMiddle);
    m_components->setMinimumHeight(140);

    m_problemsTitle = new QLabel(this);
    m_problemsTitle->setObjectName(QStringLiteral("problemsTitle"));

    m_problems = new QListWidget(this);
    m_problems->setObjectName(QStringLiteral("problemList"));
    m_problems->setWordWrap(true);
    m_problems->setMinimumHeight(60);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_open);
    buttons->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_path);
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    layout->addWidget(m_schedule);
    layout->addWidget(m_components, 3);
    layout->addWidget(m_problemsTitle);
    layout->addWidget(m_problems, 1);

    setProblems({}, {});
    m_problemsTitle->hide();
}

void ModelPanel::showInspecting(const QString& dir) {
    m_path->setText(QDir::toNativeSeparators(dir));
    m_summary->setText(tr("Reading %1…").arg(QDir::toNativeSeparators(dir)));
    m_components->clear();
    m_schedule->hide();
    setProblems({}, {});
    m_problemsTitle->hide();
}

void ModelPanel::showModel(const ModelSummary& summary) {
    m_path->setText(QDir::toNativeSeparators(summary.root));
    m_path->setToolTip(QDir::toNativeSeparators(summary.root));
    m_summary->setText(
        tr("%1 · %2 parameters · %n component(s)", nullptr, int(summary.components.size()))
            .arg(summary.family, formatCount(summary.parameterCount)));

    if (summary.timesteps.isEmpty()) {
        m_schedule->hide();
    } else {
        m_schedule->setText(
            tr("Schedule: %n steps, t = %1 … %2", nullptr, int(summary.timesteps.size()))
                .arg(summary.timesteps.first())
                .arg(summary.timesteps.last()));
        m_schedule->setToolTip(
            (QStringList{summary.scheduler} + summary.schedulerNotes).join(u'\n'));
        m_schedule->show();
    }

    // The summary's kinds are identifiers ("text-encoder"); the tooltips name them.
    const auto kindText = [this](const QString& kind) {
        if (kind == u"denoiser")
            return tr("denoiser");
        if (kind == u"vae")
            return tr("VAE");
        if (kind == u"text-encoder")
            return tr("text encoder");
        if (kind == u"tokenizer")
            return tr("tokenizer");
        if (kind == u"scheduler")
            return tr("scheduler");
        if (kind == u"scorer")
            return tr("scorer");
        if (kind == u"other")
            return tr("other component");
        return kind;
    };
    m_components->clear();
    for (const ComponentSummary& c : summary.components) {
        auto* item = new QTreeWidgetItem(m_components);
        item->setText(NameColumn, c.name);
        item->setText(ClassColumn, c.className);
        item->setText(ParametersColumn, c.hasWeights ? formatCount(c.parameterCount) : QString());
        item->setTextAlignment(ParametersColumn, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(DTypesColumn, c.dtypes);
        const QString tip = c.weightsFile.isEmpty()
                                ? kindText(c.kind)
                                : tr("%1 — weights: %2").arg(kindText(c.kind), c.weightsFile);
        item->setToolTip(NameColumn, tip);
        item->setToolTip(ClassColumn, tip);
        if (c.hasWeights)
            item->setToolTip(ParametersColumn, QString::number(c.parameterCount));
    }
    setProblems(summary.errors, summary.warnings);
}

void ModelPanel::showFailure(const QString& dir, const QString& message) {
    m_path->setText(QDir::toNativeSeparators(dir));
    m_summary->setText(tr("Could not read the folder."));
    m_schedule->hide();
    m_components->clear();
    setProblems({message}, {});
}

void ModelPanel::setProblems(const QStringList& errors, const QStringList& warnings) {
    m_problems->clear();
    const QIcon errorIcon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon warningIcon = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (const QString& e : errors)
        new QListWidgetItem(errorIcon, e, m_problems);
    for (const QString& w : warnings)
        new QListWidgetItem(warningIcon, w, m_problems);

    const int n = int(errors.size() + warnings.size());
    m_problemsTitle->setVisible(true);
    m_problemsTitle->setText(n == 0 ? tr("No problems found.")
                                    : tr("Problems: %1, %2")
                                          .arg(tr("%n error(s)", nullptr, int(errors.size())),
                                               tr("%n warning(s)", nullptr, int(warnings.size()))));
    m_problems->setVisible(n > 0);
}

}  // namespace mp::app
