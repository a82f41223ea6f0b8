#include "main_window.h"

#include "engine_controller.h"
#ifdef MP_HAVE_STORE
#include "experiments_panel.h"
#endif
#include "model_panel.h"
#include "settings.h"

#include "compare_view.h"
#include "heatmap_view.h"
#include "loss_curve_view.h"
#include "placeholder_view.h"
#include "tradeoff_view.h"

#include "io/tgve_dataset.h"
#include "probe/analysis.h"
#ifdef MP_HAVE_STORE
#include "store/store.h"
#endif

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTime>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string_view>

namespace mp::app {

using widgets::CompareView;
using widgets::HeatmapView;
using widgets::LossCurveView;
using widgets::PlaceholderView;
using widgets::TradeOffView;

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

    // Probe: the run controls above, the heatmaps (the oracle's two on the toy world) below;
    // cells fill in as the runs finish.
    auto* probe = new QWidget(m_tabs);
    probe->setObjectName(QStringLiteral("probeTab"));
    m_steps = new QSpinBox(probe);
    m_steps->setObjectName(QStringLiteral("probeSteps"));
    m_steps->setRange(1, 1000);
    m_steps->setValue(50);
    m_steps->setToolTip(tr("DDIM steps of the inversion and of every resample"));
    m_interval = new QComboBox(probe);
    m_interval->setObjectName(QStringLiteral("probeInterval"));
    for (int interval : {100, 200, 250, 500})
        m_interval->addItem(QString::number(interval), interval);
    m_interval->setToolTip(tr("Spacing of the (τ_start, τ_end) grid over 1000 timesteps"));
    m_guidance = new QDoubleSpinBox(probe);
    m_guidance->setObjectName(QStringLiteral("probeGuidance"));
    m_guidance->setRange(0, 50);
    m_guidance->setSingleStep(0.5);
    m_guidance->setValue(9.0);
    m_guidance->setToolTip(tr("Classifier-free guidance of the resamples"));
    m_runProbe = new QPushButton(tr("Run probe"), probe);
    m_runProbe->setObjectName(QStringLiteral("runProbeButton"));
    m_runProbe->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_runProbe->setToolTip(
        tr("Invert the reference with c, then resample every pair with c′ "
           "between τ_end and τ_start (Ctrl+R)"));
    m_cancelProbe = new QPushButton(tr("Cancel"), probe);
    m_cancelProbe->setObjectName(QStringLiteral("cancelProbeButton"));
    m_cancelProbe->setEnabled(false);
    m_probeStatus = new QLabel(tr("Choose a reference video and both captions, then run."), probe);
    m_probeStatus->setObjectName(QStringLiteral("probeStatus"));
    connect(m_runProbe, &QPushButton::clicked, this, [this] { startProbe(); });
    connect(m_cancelProbe, &QPushButton::clicked, this, &MainWindow::cancelProbe);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Steps"), probe));
    controls->addWidget(m_steps);
    controls->addWidget(new QLabel(tr("Interval"), probe));
    controls->addWidget(m_interval);
    controls->addWidget(new QLabel(tr("Guidance"), probe));
    controls->addWidget(m_guidance);
    controls->addWidget(m_runProbe);
    controls->addWidget(m_cancelProbe);
    controls->addWidget(m_probeStatus, 1);

    const auto heatmap = [&](const char* name, const QString& title, const QString& value) {
        auto* view = new HeatmapView(probe);
        view->setObjectName(QString::fromLatin1(name));
        view->setTitle(title);
        view->setValueLabel(value);
        view->setAxisLabels(tr("τ_end"), tr("τ_start"));
        view->setEmptyText(tr("No probe yet"));
        return view;
    };
    m_clipHeatmap = heatmap("clipHeatmap", tr("CLIP-score change toward c′"), tr("Δ CLIP score"));
    m_flowHeatmap =
        heatmap("flowHeatmap", tr("Flow similarity to the original"), tr("flow similarity"));
    m_appearanceHeatmap = heatmap("appearanceHeatmap", tr("Oracle: appearance follows c′"),
                                  tr("share of c′'s attributes"));
    m_motionHeatmap = heatmap("motionHeatmap", tr("Oracle: motion kept"), tr("motion similarity"));
    m_appearanceHeatmap->hide();
    m_motionHeatmap->hide();
    for (HeatmapView* view : {m_clipHeatmap, m_flowHeatmap, m_appearanceHeatmap, m_motionHeatmap})
        connect(view, &HeatmapView::cellClicked, this, [this](int column, int row) {
            if (column < m_probeLayout.tauEnds.size() && row < m_probeLayout.tauStarts.size())
                comparePair(m_probeLayout.tauStarts[row], m_probeLayout.tauEnds[column]);
        });
    auto* maps = new QGridLayout;
    maps->addWidget(m_clipHeatmap, 0, 0);
    maps->addWidget(m_flowHeatmap, 0, 1);
    maps->addWidget(m_appearanceHeatmap, 1, 0);
    maps->addWidget(m_motionHeatmap, 1, 1);
    auto* probeLayout = new QVBoxLayout(probe);
    probeLayout->addLayout(controls);
    probeLayout->addLayout(maps, 1);
    m_tabs->addTab(probe, tr("Probe"));

    // Trade-off: the τ_end = 0 curve, its frontier, the suggested τ and the chosen one.
    auto* tradeOff = new QWidget(m_tabs);
    tradeOff->setObjectName(QStringLiteral("tradeOffTab"));
    m_tradeOff = new TradeOffView(tradeOff);
    m_tradeOff->setObjectName(QStringLiteral("tradeOffView"));
    m_tradeOff->setAxisLabels(tr("CLIP-score change toward c′ (appearance edited)"),
                              tr("flow similarity to the original (motion kept)"));
    m_tradeOffText =
        new QLabel(tr("Run a probe: each τ_start with τ_end = 0 becomes a point."), tradeOff);
    m_tradeOffText->setObjectName(QStringLiteral("tradeOffText"));
    m_tradeOffText->setWordWrap(true);
    m_tradeOffText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_customizationTau = new QSpinBox(tradeOff);
    m_customizationTau->setObjectName(QStringLiteral("customizationTau"));
    m_customizationTau->setRange(0, 999);
    m_customizationTau->setValue(700);
    m_customizationTau->setToolTip(
        tr("The LoRA trains on t ≥ τ and acts while t ≥ τ; drag the "
           "marker on the curve or type it"));
    connect(m_tradeOff, &TradeOffView::tauChosen, this, [this](int tau) {
        m_customizationTau->setValue(std::min(tau, m_customizationTau->maximum()));
    });
    auto* tauRow = new QHBoxLayout;
    tauRow->addWidget(new QLabel(tr("τ for customization"), tradeOff));
    tauRow->addWidget(m_customizationTau);
    tauRow->addStretch(1);
    auto* tradeOffLayout = new QVBoxLayout(tradeOff);
    tradeOffLayout->addWidget(m_tradeOff, 1);
    tradeOffLayout->addWidget(m_tradeOffText);
    tradeOffLayout->addLayout(tauRow);
    m_tabs->addTab(tradeOff, tr("Trade-off"));
    // Compare: synchronized players for the runs a heatmap click picks.
    m_compare = new CompareView(m_tabs);
    m_compare->setObjectName(QStringLiteral("compareTab"));
    m_tabs->addTab(m_compare, tr("Compare"));
    createCustomizeTab();

#ifdef MP_HAVE_STORE
    // Experiments: the probes of the experiment store, reopened into the views.
    auto* experiments = new ExperimentsPanel(m_tabs);
    experiments->setObjectName(QStringLiteral("experimentsTab"));
    experiments->setStorePath(
        QString::fromStdString(store::ExperimentStore::defaultPath().string()));
    connect(experiments, &ExperimentsPanel::probeOpened, this, &MainWindow::showStoredProbe);
    m_tabs->addTab(experiments, tr("Experiments"));
#else
    auto* experiments = new PlaceholderView(
        tr("Experiments"), tr("This build has no experiment store (SQLite)."), m_tabs);
    experiments->setObjectName(QStringLiteral("experimentsTab"));
    m_tabs->addTab(experiments, tr("Experiments"));
#endif
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
    m_videoPath = new QLineEdit(videoBox);
    m_videoPath->setObjectName(QStringLiteral("videoPath"));
    m_videoPath->setPlaceholderText(tr("an mp4/webm/gif file or a folder of frames"));
    auto* openVideo = new QPushButton(tr("Open…"), videoBox);
    openVideo->setObjectName(QStringLiteral("openVideoButton"));
    connect(openVideo, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Open reference video"), QFileInfo(m_videoPath->text()).absolutePath(),
            tr("Videos (*.mp4 *.webm *.mkv *.mov *.avi *.gif);;All files (*)"));
        if (!file.isEmpty())
            setReferenceVideo(file);
    });
    m_examples = new QComboBox(videoBox);
    m_examples->setObjectName(QStringLiteral("exampleCombo"));
    m_examples->addItem(tr("Shipped examples…"));
    try {
        for (const auto& row : mp::shippedExamples())
            m_examples->addItem(QString::fromStdString(row.name + ": " + row.caption));
    } catch (const std::exception& e) {
        m_examples->setEnabled(false);
        m_examples->setToolTip(QString::fromUtf8(e.what()));
    }
    connect(m_examples, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            useExample(index - 1);
    });
    auto* videoRow = new QHBoxLayout;
    videoRow->addWidget(m_videoPath, 1);
    videoRow->addWidget(openVideo);
    auto* videoLayout = new QVBoxLayout(videoBox);
    videoLayout->addLayout(videoRow);
    videoLayout->addWidget(m_examples);

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

void MainWindow::createCustomizeTab() {
    auto* page = new QWidget(m_tabs);
    page->setObjectName(QStringLiteral("customizeTab"));
    m_customizePrompt = new QLineEdit(page);
    m_customizePrompt->setObjectName(QStringLiteral("customizePrompt"));
    m_customizePrompt->setPlaceholderText(
        tr("the prompt to generate with the learnt motion (default: the edited caption c′)"));
    auto* tau = new QSpinBox(page);
    tau->setObjectName(QStringLiteral("customizeTau"));
    tau->setRange(0, 999);
    tau->setValue(m_customizationTau->value());
    tau->setToolTip(
        tr("The τ of the Trade-off tab: training draws t ≥ τ, the LoRA acts while "
           "t ≥ τ"));
    connect(tau, &QSpinBox::valueChanged, m_customizationTau, &QSpinBox::setValue);
    connect(m_customizationTau, &QSpinBox::valueChanged, tau, &QSpinBox::setValue);
    m_customizePreset = new QComboBox(page);
    m_customizePreset->setObjectName(QStringLiteral("customizePreset"));
    m_customizePreset->addItem(tr("temporal V/O"), QStringLiteral("temporal-vo"));
    m_customizePreset->addItem(tr("temporal Q/K/V/O"), QStringLiteral("temporal-qkvo"));
    m_customizePreset->addItem(tr("all attention"), QStringLiteral("all-attention"));
    m_customizeRank = new QSpinBox(page);
    m_customizeRank->setObjectName(QStringLiteral("customizeRank"));
    m_customizeRank->setRange(0, 256);
    m_customizeRank->setValue(4);
    m_customizeRank->setSpecialValueText(tr("full (direct tuning)"));
    m_customizeAlpha = new QDoubleSpinBox(page);
    m_customizeAlpha->setRange(0.01, 1024);
    m_customizeAlpha->setValue(4);
    m_customizeSteps = new QSpinBox(page);
    m_customizeSteps->setObjectName(QStringLiteral("customizeSteps"));
    m_customizeSteps->setRange(1, 100000);
    m_customizeSteps->setValue(200);
    m_customizeLr = new QDoubleSpinBox(page);
    m_customizeLr->setDecimals(5);
    m_customizeLr->setRange(1e-5, 1);
    m_customizeLr->setSingleStep(1e-4);
    m_customizeLr->setValue(1e-3);
    m_customizeSampleSteps = new QSpinBox(page);
    m_customizeSampleSteps->setObjectName(QStringLiteral("customizeSampleSteps"));
    m_customizeSampleSteps->setRange(1, 1000);
    m_customizeSampleSteps->setValue(50);
    m_customizeUnconstrained = new QCheckBox(tr("Also train τ = 0 for comparison"), page);
    m_customizeUnconstrained->setObjectName(QStringLiteral("customizeUnconstrained"));
    m_customizeUnconstrained->setChecked(true);
    m_runCustomize = new QPushButton(tr("Train and sample"), page);
    m_runCustomize->setObjectName(QStringLiteral("runCustomizeButton"));
    m_cancelCustomize = new QPushButton(tr("Cancel"), page);
    m_cancelCustomize->setObjectName(QStringLiteral("cancelCustomizeButton"));
    m_cancelCustomize->setEnabled(false);
    m_customizeStatus =
        new QLabel(tr("Uses the reference video and the caption c of the left dock."), page);
    m_customizeStatus->setObjectName(QStringLiteral("customizeStatus"));
    m_customizeStatus->setWordWrap(true);
    connect(m_runCustomize, &QPushButton::clicked, this, [this] { startCustomize(); });
    connect(m_cancelCustomize, &QPushButton::clicked, this, &MainWindow::cancelCustomize);

    auto* form = new QFormLayout;
    form->addRow(tr("Prompt"), m_customizePrompt);
    form->addRow(tr("τ"), tau);
    form->addRow(tr("Layers"), m_customizePreset);
    form->addRow(tr("Rank"), m_customizeRank);
    form->addRow(tr("Alpha"), m_customizeAlpha);
    form->addRow(tr("Training steps"), m_customizeSteps);
    form->addRow(tr("Learning rate"), m_customizeLr);
    form->addRow(tr("Sampling steps"), m_customizeSampleSteps);
    form->addRow(m_customizeUnconstrained);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_runCustomize);
    buttons->addWidget(m_cancelCustomize);
    form->addRow(buttons);
    form->addRow(m_customizeStatus);
    m_loss = new LossCurveView(page);
    m_loss->setObjectName(QStringLiteral("lossCurve"));
    m_samples = new CompareView(page);
    m_samples->setObjectName(QStringLiteral("customizeSamples"));
    auto* left = new QVBoxLayout;
    left->addLayout(form);
    left->addWidget(m_loss, 1);
    auto* layout = new QHBoxLayout(page);
    layout->addLayout(left, 2);
    layout->addWidget(m_samples, 3);
    m_tabs->addTab(page, tr("Customize"));
}

void MainWindow::connectEngine() {
    connect(m_engine, &EngineController::modelInspected, this, &MainWindow::onModelInspected);
    connect(m_engine, &EngineController::probeStarted, this, &MainWindow::onProbeStarted);
    connect(m_engine, &EngineController::probeCell, this, &MainWindow::onProbeCell);
    connect(m_engine, &EngineController::probeCompleted, this, &MainWindow::onProbeCompleted);
    connect(m_engine, &EngineController::customizeLoss, this,
            [this](JobId id, int training, int step, double loss) {
                if (id != m_customizeJob)
                    return;
                m_loss->addPoint(training, step, loss);
                m_customizeStatus->setText(
                    tr("Training %1: step %2 of %3, loss %4")
                        .arg(training == 0 ? tr("the τ-LoRA") : tr("the unconstrained LoRA"))
                        .arg(step)
                        .arg(m_customizeSteps->value())
                        .arg(loss, 0, 'g', 4));
            });
    // Samples accumulate in the customize tab's player: the reference, then each variant.
    connect(m_engine, &EngineController::customizeSample, this,
            [this](JobId id, const QString& label, const QVector<QImage>& frames, double fps) {
                if (id != m_customizeJob)
                    return;
                QVector<CompareView::Clip> clips;
                for (int i = 0; i < m_samples->clipCount(); ++i)
                    clips.append({m_samples->clipLabel(i), m_sampleFrames.value(i)});
                clips.append({label, frames});
                m_sampleFrames.append(frames);
                m_samples->setClips(clips, fps);
                m_samples->play();
            });
    connect(m_engine, &EngineController::customizeCompleted, this,
            [this](JobId id, const QString& dir, double seconds) {
                if (id != m_customizeJob)
                    return;
                m_customizeStatus->setText(tr("Done in %1 s; the LoRA files are in %2")
                                               .arg(seconds, 0, 'f', 1)
                                               .arg(QDir::toNativeSeparators(dir)));
                appendLog(tr("[job %1] customization written to %2")
                              .arg(id)
                              .arg(QDir::toNativeSeparators(dir)));
            });
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
    if (id == m_probeJob) {
        m_probeStatus->setText(tr("The probe failed: %1").arg(message));
        statusBar()->showMessage(tr("The probe failed; see the log"), 5000);
    }
    if (id == m_customizeJob)
        m_customizeStatus->setText(tr("The customization failed: %1").arg(message));
    if (id == m_inspectJob) {
        m_modelPanel->showFailure(m_inspectDir, message);
        statusBar()->showMessage(tr("Could not read the model folder"), 5000);
    }
}

void MainWindow::onJobCancelled(JobId id) {
    appendLog(tr("[job %1] cancelled").arg(id));
    if (id == m_probeJob)
        m_probeStatus->setText(
            tr("Cancelled; %n run(s) finished.", nullptr, int(m_probeCells.size())));
    if (id == m_customizeJob)
        m_customizeStatus->setText(tr("Cancelled."));
}

void MainWindow::onProgress(JobId, int done, int total) {
    m_jobProgress->setRange(0, std::max(total, 1));
    m_jobProgress->setValue(done);
    m_jobProgress->show();
}

void MainWindow::onJobFinished(JobId id) {
    if (id == m_inspectJob)
        m_inspectJob = 0;
    if (id == m_probeJob) {
        m_probeJob = 0;
        setProbeRunning(false);
    }
    if (id == m_customizeJob) {
        m_customizeJob = 0;
        m_runCustomize->setEnabled(true);
        m_cancelCustomize->setEnabled(false);
    }
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

QString MainWindow::referenceVideo() const {
    return m_videoPath->text();
}

void MainWindow::setReferenceVideo(const QString& path) {
    m_videoPath->setText(QDir::toNativeSeparators(path));
}

void MainWindow::useExample(int index) {
    try {
        const auto rows = mp::shippedExamples();
        if (index < 0 || index >= int(rows.size()))
            return;
        const auto& row = rows[std::size_t(index)];
        setReferenceVideo(QString::fromStdString(row.frames.string()));
        m_caption->setText(QString::fromStdString(row.caption));
        m_editedCaption->setText(QString::fromStdString(row.edit));
    } catch (const std::exception& e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 5000);
    }
}

// --- probe -----------------------------------------------------------------------------------

ProbeSettings MainWindow::probeSettings() const {
    ProbeSettings s;
    // The open model, or the embedded toy model while none is.
    s.modelDir = m_model.isUsable() ? m_model.root : QString();
    s.video = QDir::fromNativeSeparators(m_videoPath->text().trimmed());
    s.caption = m_caption->text().trimmed();
    s.edit = m_editedCaption->text().trimmed();
    s.steps = m_steps->value();
    s.interval = m_interval->currentData().toInt();
    s.guidance = m_guidance->value();
#ifdef MP_HAVE_STORE
    if (auto* experiments = findChild<ExperimentsPanel*>(QStringLiteral("experimentsTab")))
        s.storePath = experiments->storePath();
#endif
    return s;
}

JobId MainWindow::startProbe() {
    if (m_probeJob != 0)
        return 0;
    const ProbeSettings settings = probeSettings();
    QString missing;
    if (settings.video.isEmpty())
        missing = tr("Choose a reference video (or a shipped example) first.");
    else if (settings.caption.isEmpty() || settings.edit.isEmpty())
        missing = tr("Write both captions: c for the video, c′ for the edit.");
    if (!missing.isEmpty()) {
        m_probeStatus->setText(missing);
        statusBar()->showMessage(missing, 5000);
        return 0;
    }
    m_probeCells.clear();
    m_probeLayout = {};
    for (HeatmapView* view : {m_clipHeatmap, m_flowHeatmap, m_appearanceHeatmap, m_motionHeatmap}) {
        view->clear();
        view->setEmptyText(tr("Inverting the reference…"));
    }
    m_tradeOff->clear();
    m_probeJob = m_engine->runProbe(settings);
    setProbeRunning(true);
    m_probeStatus->setText(tr("Loading the model and the reference…"));
    appendLog(tr("[job %1] probe of %2: \"%3\" → \"%4\", %5 steps, interval %6")
                  .arg(m_probeJob)
                  .arg(settings.video, settings.caption, settings.edit)
                  .arg(settings.steps)
                  .arg(settings.interval));
    return m_probeJob;
}

void MainWindow::cancelProbe() {
    if (m_probeJob != 0)
        m_engine->cancel(m_probeJob);
}

void MainWindow::setProbeRunning(bool running) {
    m_runProbe->setEnabled(!running);
    m_cancelProbe->setEnabled(running);
}

void MainWindow::onProbeStarted(JobId id, const ProbeLayout& layout) {
    if (id != m_probeJob)
        return;
    m_probeLayout = layout;
    m_appearanceHeatmap->setVisible(layout.toyWorld);
    m_motionHeatmap->setVisible(layout.toyWorld);
    m_probeStatus->setText(tr("Probing: %n run(s) to go.", nullptr, layout.runs));
    refreshHeatmaps();
}

void MainWindow::onProbeCell(JobId id, const ProbeCell& cell) {
    if (id != m_probeJob)
        return;
    m_probeCells.insert(cell.run, cell);
    m_probeStatus->setText(
        tr("Probing: %1 of %2 runs finished.").arg(m_probeCells.size()).arg(m_probeLayout.runs));
    refreshHeatmaps();
    if (cell.tauEnd == 0)
        refreshTradeOff();
}

CustomizeSettings MainWindow::customizeSettings() const {
    CustomizeSettings s;
    s.modelDir = m_model.isUsable() ? m_model.root : QString();
    s.video = QDir::fromNativeSeparators(m_videoPath->text().trimmed());
    s.caption = m_caption->text().trimmed();
    s.prompt = m_customizePrompt->text().trimmed();
    if (s.prompt.isEmpty())
        s.prompt = m_editedCaption->text().trimmed();
    s.tau = m_customizationTau->value();
    s.preset = m_customizePreset->currentData().toString();
    s.rank = m_customizeRank->value();
    s.alpha = m_customizeAlpha->value();
    s.steps = m_customizeSteps->value();
    s.learningRate = m_customizeLr->value();
    s.sampleSteps = m_customizeSampleSteps->value();
    s.guidance = m_guidance->value();
    s.unconstrained = m_customizeUnconstrained->isChecked();
    s.outDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
               QStringLiteral("/customizations/") +
               QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    return s;
}

JobId MainWindow::startCustomize() {
    if (m_customizeJob != 0)
        return 0;
    const CustomizeSettings s = customizeSettings();
    QString missing;
    if (s.video.isEmpty())
        missing = tr("Choose a reference video (or a shipped example) first.");
    else if (s.caption.isEmpty() || s.prompt.isEmpty())
        missing = tr("Write the caption c and a prompt (or the edited caption c′).");
    if (!missing.isEmpty()) {
        m_customizeStatus->setText(missing);
        return 0;
    }
    m_loss->setSeries(s.unconstrained && s.tau > 0
                          ? QStringList{tr("LoRA t ≥ %1").arg(s.tau), tr("LoRA τ = 0")}
                          : QStringList{tr("LoRA t ≥ %1").arg(s.tau)});
    m_sampleFrames.clear();
    m_samples->clear();
    m_customizeJob = m_engine->runCustomize(s);
    m_runCustomize->setEnabled(false);
    m_cancelCustomize->setEnabled(true);
    m_customizeStatus->setText(tr("Loading the model and the reference…"));
    appendLog(tr("[job %1] customization of %2: τ %3, %4, rank %5, %6 steps; prompt \"%7\"")
                  .arg(m_customizeJob)
                  .arg(s.video)
                  .arg(s.tau)
                  .arg(s.preset)
                  .arg(s.rank == 0 ? tr("full") : QString::number(s.rank))
                  .arg(s.steps)
                  .arg(s.prompt));
    return m_customizeJob;
}

void MainWindow::cancelCustomize() {
    if (m_customizeJob != 0)
        m_engine->cancel(m_customizeJob);
}

void MainWindow::showStoredProbe(const ProbeLayout& layout,
                                 const QVector<ProbeCell>& cells,
                                 const QString& description) {
    if (m_probeJob != 0)
        cancelProbe();  // the views show one probe at a time
    m_probeJob = 0;
    m_probeLayout = layout;
    m_probeCells.clear();
    for (const ProbeCell& c : cells)
        m_probeCells.insert(c.run, c);
    m_appearanceHeatmap->setVisible(layout.toyWorld);
    m_motionHeatmap->setVisible(layout.toyWorld);
    refreshHeatmaps();
    refreshTradeOff();
    m_probeStatus->setText(
        tr("Reopened %1 (%n run(s)).", nullptr, int(cells.size())).arg(description));
    m_tabs->setCurrentWidget(findChild<QWidget*>(QStringLiteral("probeTab")));
}

int MainWindow::customizationTau() const {
    return m_customizationTau->value();
}

// The τ_end = 0 pairs finished so far; the suggestion is the engine's rule (probe/analysis.h),
// the one the CLI reports.
void MainWindow::refreshTradeOff() {
    std::vector<probe::CurvePoint> curve;
    for (const ProbeCell& c : std::as_const(m_probeCells))
        if (c.tauEnd == 0 && std::isfinite(c.clipChange) && std::isfinite(c.flowSimilarity))
            curve.push_back({c.tauStart, c.clipChange, c.flowSimilarity});
    std::sort(curve.begin(), curve.end(),
              [](const auto& a, const auto& b) { return a.tauStart < b.tauStart; });
    QVector<TradeOffView::Point> points;
    for (const auto& p : curve)
        points.append({p.tauStart, p.appearance, p.motion});
    const auto suggested = probe::suggestTau(curve);
    QVector<int> frontier;
    if (suggested)
        frontier = QVector<int>(suggested->frontier.begin(), suggested->frontier.end());
    m_tradeOff->setCurve(points, frontier, suggested ? suggested->point : -1);  // tauChosen
    m_tradeOffText->setText(suggested ? tr("Suggested τ = %1 (%2). %3")
                                            .arg(suggested->tau)
                                            .arg(QString::fromStdString(suggested->rule),
                                                 QString::fromStdString(suggested->reasoning))
                                      : tr("%n point(s) so far; a suggestion needs finite scores.",
                                           nullptr, int(points.size())));
}

bool MainWindow::comparePair(int tauStart, int tauEnd) {
    const auto pair =
        m_probeCells.constFind(QStringLiteral("pair-%1-%2").arg(tauStart).arg(tauEnd));
    if (pair == m_probeCells.cend() || pair->frames.isEmpty())
        return false;
    QVector<CompareView::Clip> clips{{tr("original"), m_probeLayout.original}};
    for (const auto& [name, label] :
         {std::pair{QStringLiteral("reconstruction"), tr("reconstruction (c)")},
          std::pair{QStringLiteral("full-edit"), tr("full edit (c′)")}})
        if (const auto it = m_probeCells.constFind(name); it != m_probeCells.cend())
            clips.append({label, it->frames});
    clips.append({tr("c′ for %1 ≥ t ≥ %2").arg(tauStart).arg(tauEnd), pair->frames});
    m_compare->setClips(clips, m_probeLayout.fps);
    m_tabs->setCurrentWidget(m_compare);
    m_compare->play();
    return true;
}

void MainWindow::onProbeCompleted(JobId id, int evaluations, double seconds) {
    if (id != m_probeJob)
        return;
    m_probeStatus->setText(tr("Done: %1 runs, %2 denoiser evaluations, %3 s.")
                               .arg(m_probeCells.size())
                               .arg(evaluations)
                               .arg(seconds, 0, 'f', 1));
    appendLog(tr("[job %1] probe done in %2 s").arg(id).arg(seconds, 0, 'f', 1));
#ifdef MP_HAVE_STORE
    if (auto* experiments = findChild<ExperimentsPanel*>(QStringLiteral("experimentsTab")))
        experiments->refresh();  // the probe is recorded there now
#endif
}

// Rows are τ_start (ascending, bottom to top), columns τ_end; a pair's cell holds its metric,
// the others (τ_start ≤ τ_end, runs not finished yet) stay empty.
void MainWindow::refreshHeatmaps() {
    const int columns = int(m_probeLayout.tauEnds.size());
    const int rows = int(m_probeLayout.tauStarts.size());
    if (columns == 0 || rows == 0)
        return;
    QStringList columnLabels, rowLabels;
    for (int t : m_probeLayout.tauEnds)
        columnLabels << QString::number(t);
    for (int t : m_probeLayout.tauStarts)
        rowLabels << QString::number(t);
    const auto fill = [&](HeatmapView* view, double ProbeCell::*metric) {
        QVector<double> values(columns * rows, ProbeCell::kNone);
        for (const ProbeCell& c : std::as_const(m_probeCells)) {
            const int column = int(m_probeLayout.tauEnds.indexOf(c.tauEnd));
            const int row = int(m_probeLayout.tauStarts.indexOf(c.tauStart));
            if (column >= 0 && row >= 0)
                values[row * columns + column] = c.*metric;
        }
        view->setGrid(columns, rows, values, columnLabels, rowLabels);
    };
    fill(m_clipHeatmap, &ProbeCell::clipChange);
    fill(m_flowHeatmap, &ProbeCell::flowSimilarity);
    if (m_probeLayout.toyWorld) {
        fill(m_appearanceHeatmap, &ProbeCell::appearance);
        fill(m_motionHeatmap, &ProbeCell::motion);
    }
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
