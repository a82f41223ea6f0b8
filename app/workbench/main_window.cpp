#include "main_window.h"

#include "engine_controller.h"
#include "model_panel.h"
#include "settings.h"

#include "heatmap_view.h"
#include "placeholder_view.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QTime>
#include <QVBoxLayout>

#include <algorithm>

namespace mp::app {

using widgets::HeatmapView;
using widgets::PlaceholderView;

MainWindow::MainWindow(EngineController* engine, Settings* settings, QWidget* parent)
    : QMainWindow(parent), m_engine(engine), m_settings(settings) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("MotionProbe"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    // The inputs dock owns the whole left edge; the jobs dock sits under the tabs only.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);

    createTabs();
    createInputsDock();
    createJobsDock();
    createActions();
    createStatusBar();
    connectEngine();
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

// --- regions ---------------------------------------------------------------------------------

void MainWindow::createTabs() {
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);

    // Probe: the two heatmaps are real widgets already; they fill in once the probe exists.
    auto* probe = new QWidget(m_tabs);
    probe->setObjectName(QStringLiteral("probeTab"));
    auto* probeIntro = new PlaceholderView(
        tr("Probe"),
        tr("(τ_start, τ_end) heatmaps of CLIP-score change and flow similarity; click a cell to "
           "watch that resample beside the original."),
        probe);
    probeIntro->setObjectName(QStringLiteral("probeIntro"));
    m_clipHeatmap = new HeatmapView(probe);
    m_clipHeatmap->setObjectName(QStringLiteral("clipHeatmap"));
    m_clipHeatmap->setTitle(tr("CLIP-score change toward c′"));
    m_flowHeatmap = new HeatmapView(probe);
    m_flowHeatmap->setObjectName(QStringLiteral("flowHeatmap"));
    m_flowHeatmap->setTitle(tr("Flow similarity to the original"));
    for (HeatmapView* view : {m_clipHeatmap, m_flowHeatmap}) {
        view->setAxisLabels(tr("τ_end"), tr("τ_start"));
        view->setEmptyText(tr("No probe yet"));
    }
    m_clipHeatmap->setValueLabel(tr("Δ CLIP score"));
    m_flowHeatmap->setValueLabel(tr("flow similarity"));
    auto* maps = new QHBoxLayout;
    maps->addWidget(m_clipHeatmap);
    maps->addWidget(m_flowHeatmap);
    auto* probeLayout = new QVBoxLayout(probe);
    probeLayout->addWidget(probeIntro);
    probeLayout->addLayout(maps, 1);
    m_tabs->addTab(probe, tr("Probe"));

    struct Placeholder {
        const char* objectName;
        QString title;
        QString explanation;
    };
    const Placeholder placeholders[] = {
        {"tradeOffTab", tr("Trade-off"),
         tr("The τ_end = 0 trade-off curve between appearance change and kept motion, its Pareto "
            "frontier, and the suggested boundary τ.")},
        {"compareTab", tr("Compare"),
         tr("Original | reconstruction | resample, side by side and in sync, for any probed "
            "(τ_start, τ_end) pair.")},
        {"customizeTab", tr("Customize"),
         tr("A temporal LoRA trained only at t ≥ τ and applied only while t ≥ τ, compared with "
            "unconstrained training (τ = 0) and the base model.")},
        {"experimentsTab", tr("Experiments"),
         tr("TGVE benchmark tables and figures for the probe and customization, sharded over "
            "GPUs.")},
    };
    for (const Placeholder& p : placeholders) {
        auto* view = new PlaceholderView(p.title, p.explanation, m_tabs);
        view->setObjectName(QString::fromLatin1(p.objectName));
        m_tabs->addTab(view, p.title);
    }
    // Reopen on the tab the user left; a name from another version falls back to the first.
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->widget(i)->objectName() == m_settings->currentTab())
            m_tabs->setCurrentIndex(i);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (const QWidget* page = m_tabs->widget(index))
            m_settings->setCurrentTab(page->objectName());
    });
    setCentralWidget(m_tabs);
}

void MainWindow::createInputsDock() {
    auto* dock = new QDockWidget(tr("Model · Video · Captions"), this);
    dock->setObjectName(QStringLiteral("inputsDock"));
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);

    auto* content = new QWidget(dock);
    auto* layout = new QVBoxLayout(content);

    auto* modelBox = new QGroupBox(tr("Model"), content);
    m_modelPanel = new ModelPanel(modelBox);
    m_modelPanel->setObjectName(QStringLiteral("modelPanel"));
    auto* modelLayout = new QVBoxLayout(modelBox);
    modelLayout->setContentsMargins(0, 0, 0, 0);
    modelLayout->addWidget(m_modelPanel);
    connect(m_modelPanel, &ModelPanel::openRequested, this, &MainWindow::chooseModelFolder);

    auto* videoBox = new QGroupBox(tr("Reference video"), content);
    videoBox->setObjectName(QStringLiteral("videoBox"));
    auto* videoText = new QLabel(tr("Reference video — open an mp4/webm/gif or a frame folder "
                                    "(coming with video I/O)."),
                                 videoBox);
    videoText->setObjectName(QStringLiteral("videoPlaceholder"));
    videoText->setWordWrap(true);
    videoText->setForegroundRole(QPalette::PlaceholderText);
    auto* videoLayout = new QVBoxLayout(videoBox);
    videoLayout->addWidget(videoText);

    auto* captionBox = new QGroupBox(tr("Captions"), content);
    m_caption = new QLineEdit(captionBox);
    m_caption->setObjectName(QStringLiteral("captionEdit"));
    m_caption->setPlaceholderText(tr("a red circle moves from left to right"));
    m_caption->setToolTip(tr("The caption c that describes the reference video"));
    m_editedCaption = new QLineEdit(captionBox);
    m_editedCaption->setObjectName(QStringLiteral("editedCaptionEdit"));
    m_editedCaption->setPlaceholderText(tr("a blue square moves from left to right"));
    m_editedCaption->setToolTip(tr("The edited caption c′: the subject changed, the motion kept"));
    auto* captionLayout = new QFormLayout(captionBox);
    captionLayout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    captionLayout->addRow(tr("Caption c"), m_caption);
    captionLayout->addRow(tr("Edited c′"), m_editedCaption);

    layout->addWidget(modelBox, 1);
    layout->addWidget(videoBox);
    layout->addWidget(captionBox);

    dock->setWidget(content);
    dock->setMinimumWidth(340);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    resizeDocks({dock}, {440}, Qt::Horizontal);  // room for the component table's columns
}

void MainWindow::createJobsDock() {
    auto* dock = new QDockWidget(tr("Jobs · Log"), this);
    dock->setObjectName(QStringLiteral("jobsDock"));
    m_log = new QPlainTextEdit(dock);
    m_log->setObjectName(QStringLiteral("logView"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("Engine jobs and messages appear here."));
    dock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    resizeDocks({dock}, {160}, Qt::Vertical);
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(tr("&Open model folder…"), this, &MainWindow::chooseModelFolder);
    open->setObjectName(QStringLiteral("openModelAction"));
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Recent &models"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>(QString(), Qt::FindDirectChildrenOnly))
        m_viewMenu->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    auto* about = help->addAction(tr("&About MotionProbe"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    connect(m_settings, &Settings::recentModelDirsChanged, this, &MainWindow::rebuildRecentMenu);
    rebuildRecentMenu();
}

void MainWindow::createStatusBar() {
    m_modelStatus = new QLabel(tr("No model"), this);
    m_modelStatus->setObjectName(QStringLiteral("modelStatus"));
    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setObjectName(QStringLiteral("jobProgress"));
    m_jobProgress->setMaximumWidth(160);
    m_jobProgress->setTextVisible(false);
    m_jobProgress->hide();
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_modelStatus);
}

void MainWindow::connectEngine() {
    connect(m_engine, &EngineController::modelInspected, this, &MainWindow::onModelInspected);
    connect(m_engine, &EngineController::failed, this, &MainWindow::onJobFailed);
    connect(m_engine, &EngineController::cancelled, this, &MainWindow::onJobCancelled);
    connect(m_engine, &EngineController::progress, this, &MainWindow::onProgress);
    connect(m_engine, &EngineController::finished, this, &MainWindow::onJobFinished);
    connect(m_engine, &EngineController::logMessage, this, &MainWindow::appendLog);
}

// --- model -----------------------------------------------------------------------------------

void MainWindow::chooseModelFolder() {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open model folder"), m_settings->lastModelDir(), QFileDialog::ShowDirsOnly);
    if (!dir.isEmpty())
        openModelFolder(dir);
}

JobId MainWindow::openModelFolder(const QString& dir) {
    if (m_inspectJob != 0)
        m_engine->cancel(m_inspectJob);  // only the latest request matters
    const QString clean = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    m_settings->setLastModelDir(clean);
    m_inspectDir = clean;
    m_inspectJob = m_engine->inspectModel(clean);
    m_modelPanel->showInspecting(clean);
    statusBar()->showMessage(tr("Reading %1…").arg(QDir::toNativeSeparators(clean)));
    appendLog(tr("[job %1] inspecting %2").arg(m_inspectJob).arg(QDir::toNativeSeparators(clean)));
    return m_inspectJob;
}

void MainWindow::showModel(const ModelSummary& summary) {
    m_model = summary;
    m_modelPanel->showModel(summary);
    m_modelStatus->setText(summary.isEmpty()    ? tr("No model")
                           : summary.isUsable() ? tr("Model: %1").arg(summary.family)
                                                : tr("Model: %1 (not usable)").arg(summary.family));
    m_modelStatus->setToolTip(QDir::toNativeSeparators(summary.root));
}

void MainWindow::onModelInspected(JobId id, const ModelSummary& summary) {
    if (id != m_inspectJob)
        return;  // an answer to a request that was replaced
    showModel(summary);
    m_settings->addRecentModelDir(summary.root);
    statusBar()->showMessage(summary.isUsable() ? tr("Model ready: %1").arg(summary.family)
                                                : tr("The model has %n error(s); see Problems.",
                                                     nullptr, int(summary.errors.size())),
                             5000);
    appendLog(tr("[job %1] %2: %3 components, %4 parameters, %5 error(s), %6 warning(s)")
                  .arg(id)
                  .arg(summary.family)
                  .arg(summary.components.size())
                  .arg(formatCount(summary.parameterCount))
                  .arg(summary.errors.size())
                  .arg(summary.warnings.size()));
    for (const QString& e : summary.errors)
        appendLog(tr("  error: %1").arg(e));
    for (const QString& w : summary.warnings)
        appendLog(tr("  warning: %1").arg(w));
}

void MainWindow::onJobFailed(JobId id, const QString& message) {
    appendLog(tr("[job %1] failed: %2").arg(id).arg(message));
    if (id == m_inspectJob) {
        m_modelPanel->showFailure(m_inspectDir, message);
        statusBar()->showMessage(tr("Could not read the model folder"), 5000);
    }
}

void MainWindow::onJobCancelled(JobId id) {
    appendLog(tr("[job %1] cancelled").arg(id));
}

void MainWindow::onProgress(JobId, int done, int total) {
    m_jobProgress->setRange(0, std::max(total, 1));
    m_jobProgress->setValue(done);
    m_jobProgress->show();
}

void MainWindow::onJobFinished(JobId id) {
    if (id == m_inspectJob)
        m_inspectJob = 0;
    if (m_engine->activeJobCount() == 0)
        m_jobProgress->hide();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList dirs = m_settings->recentModelDirs();
    int n = 0;
    for (const QString& dir : dirs) {
        // '&' in a path would otherwise become a mnemonic.
        QString label = QDir::toNativeSeparators(dir);
        label.replace(u'&', QStringLiteral("&&"));
        auto* action = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(++n).arg(label));
        connect(action, &QAction::triggered, this, [this, dir] { openModelFolder(dir); });
    }
    if (!dirs.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("&Clear list"), m_settings, &Settings::clearRecentModelDirs);
    }
    m_recentMenu->setEnabled(!dirs.isEmpty());
}

// --- inputs and misc -------------------------------------------------------------------------

QString MainWindow::caption() const {
    return m_caption->text();
}

QString MainWindow::editedCaption() const {
    return m_editedCaption->text();
}

void MainWindow::appendLog(const QString& line) {
    m_log->appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss ")) + line);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About MotionProbe"),
        tr("<h3>MotionProbe %1</h3>"
           "<p>Finds the denoising timesteps at which a text-to-video diffusion model decides "
           "motion and those at which it decides appearance, and uses that boundary for "
           "one-shot motion customization.</p>")
            .arg(QStringLiteral(MP_VERSION)));
}

}  // namespace mp::app
