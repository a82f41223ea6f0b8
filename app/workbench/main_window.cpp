#include "main_window.h"

#include "engine_controller.h"
#ifdef MP_HAVE_STORE
#include "experiments_panel.h"
#endif
#include "language_menu.h"
#include "model_panel.h"
#include "settings.h"
#include "tradeoff_curve.h"

#include "compare_view.h"
#include "heatmap_view.h"
#include "loss_curve_view.h"
#include "placeholder_view.h"
#include "plot_export.h"
#include "tradeoff_view.h"

#include "io/tgve_dataset.h"
#ifdef MP_HAVE_STORE
#include "store/store.h"
#endif

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTime>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string_view>

namespace mp::app {

using namespace Qt::StringLiterals;
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
    setAcceptDrops(true);  // a video file or frame folder dropped anywhere on the window
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
    controls->addStretch(1);
    // Its own row: long messages (a path, an error) wrap instead of widening the window.
    m_probeStatus->setWordWrap(true);
    m_probeStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);

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
    probeLayout->addWidget(m_probeStatus);
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
    connect(m_compare, &CompareView::exportRequested, this, [this] { chooseExportFile(false); });
    m_tabs->addTab(m_compare, tr("Compare"));
    createCustomizeTab();

#ifdef MP_HAVE_STORE
    // Experiments: the probes of the experiment store, reopened into the views.
    auto* experiments = new ExperimentsPanel(m_tabs);
    experiments->setObjectName(QStringLiteral("experimentsTab"));
    experiments->setStorePath(
        QString::fromStdString(store::ExperimentStore::defaultPath().string()));
    connect(experiments, &ExperimentsPanel::probeOpened, this, &MainWindow::showStoredProbe);
    connect(experiments, &ExperimentsPanel::plotsExportRequested, this, &MainWindow::exportPlots);
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
    // The CLIP model behind the CLIP-score heatmap (the CLI's --scorer).
    m_scorerPath = new QLineEdit(modelBox);
    m_scorerPath->setObjectName(QStringLiteral("scorerPath"));
    m_scorerPath->setPlaceholderText(tr("CLIP scorer: the toy CLIP on the toy world"));
    m_scorerPath->setToolTip(
        tr("A CLIP model folder (e.g. openai/clip-vit-large-patch14) for the CLIP-score metric "
           "of real models; empty: the toy CLIP on the toy world, no CLIP metric otherwise"));
    auto* chooseScorer = new QPushButton(tr("Scorer…"), modelBox);
    connect(chooseScorer, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Choose a CLIP model folder"), m_scorerPath->text());
        if (!dir.isEmpty())
            m_scorerPath->setText(QDir::toNativeSeparators(dir));
    });
    auto* scorerRow = new QHBoxLayout;
    scorerRow->setContentsMargins(6, 0, 6, 6);
    scorerRow->addWidget(m_scorerPath, 1);
    scorerRow->addWidget(chooseScorer);
    modelLayout->addLayout(scorerRow);

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
        if (!file.isEmpty()) {
            setReferenceVideo(file);
            m_settings->addRecentVideo(file);
        }
    });
    auto* recentVideos = new QToolButton(videoBox);
    recentVideos->setObjectName(QStringLiteral("recentVideosButton"));
    recentVideos->setText(tr("Recent"));
    recentVideos->setPopupMode(QToolButton::InstantPopup);
    m_recentVideosMenu = new QMenu(recentVideos);
    m_recentVideosMenu->setObjectName(QStringLiteral("recentVideosMenu"));
    recentVideos->setMenu(m_recentVideosMenu);
    connect(m_settings, &Settings::recentVideosChanged, this, &MainWindow::rebuildRecentVideosMenu);
    m_thumbnailStrip = new QLabel(videoBox);
    m_thumbnailStrip->setObjectName(QStringLiteral("videoThumbnails"));
    m_thumbnailStrip->setMinimumHeight(56);
    m_thumbnailStrip->setAlignment(Qt::AlignCenter);
    m_thumbnailStrip->setText(tr("Drop a video or a folder of frames here"));
    m_thumbnailStrip->setForegroundRole(QPalette::PlaceholderText);
    m_thumbnailStrip->setWordWrap(true);
    m_videoInfo = new QLabel(videoBox);
    m_videoInfo->setObjectName(QStringLiteral("videoInfo"));
    m_videoInfo->setWordWrap(true);
    connect(
        m_engine, &EngineController::videoPreview, this,
        [this](JobId id, const QString&, const QVector<QImage>& thumbs, const QString& summary) {
            if (id != m_previewJob)
                return;
            m_thumbnails = thumbs;
            // One strip: up to eight frames side by side, 48 pixels high.
            const int h = 48;
            int width = 0;
            QVector<QImage> scaled;
            for (const QImage& t : thumbs) {
                scaled << t.scaledToHeight(h, Qt::SmoothTransformation);
                width += scaled.last().width() + 2;
            }
            QImage strip(std::max(width - 2, 1), h, QImage::Format_RGB888);
            strip.fill(palette().color(QPalette::Window));
            QPainter painter(&strip);
            int x = 0;
            for (const QImage& t : std::as_const(scaled)) {
                painter.drawImage(x, 0, t);
                x += t.width() + 2;
            }
            painter.end();
            m_thumbnailStrip->setPixmap(QPixmap::fromImage(strip));
            m_videoInfo->setText(summary);
        });
    m_examples = new QComboBox(videoBox);
    m_examples->setObjectName(QStringLiteral("exampleCombo"));
    // Long captions must not widen the dock.
    m_examples->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_examples->setMinimumContentsLength(16);
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
    videoRow->addWidget(recentVideos);
    // The frames the model runs at (probe and customization alike): its own count unless the
    // reference is shorter than that (a 32-frame TGVE video under CogVideoX's 49).
    m_frames = new QSpinBox(videoBox);
    m_frames->setObjectName(QStringLiteral("framesSpin"));
    m_frames->setRange(0, 1024);
    m_frames->setSpecialValueText(tr("the model's own"));
    m_frames->setToolTip(
        tr("Frames the model runs at, chosen evenly from the reference; a video shorter than the "
           "model's own count needs fewer"));
    auto* framesRow = new QHBoxLayout;
    framesRow->addWidget(new QLabel(tr("Frames"), videoBox));
    framesRow->addWidget(m_frames, 1);
    auto* videoLayout = new QVBoxLayout(videoBox);
    videoLayout->addLayout(videoRow);
    videoLayout->addWidget(m_examples);
    videoLayout->addWidget(m_thumbnailStrip);
    videoLayout->addWidget(m_videoInfo);
    videoLayout->addLayout(framesRow);
    // A typed path is read when the user is done with it.
    connect(m_videoPath, &QLineEdit::editingFinished, this,
            [this] { setReferenceVideo(m_videoPath->text()); });
    rebuildRecentVideosMenu();

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
    auto* plots = file->addAction(tr("Export &plots…"), this, [this] {
        if (const QString file = widgets::askPlotFile(this, u"probe.png"_s); !file.isEmpty())
            exportPlots(file);
    });
    plots->setObjectName(QStringLiteral("exportPlotsAction"));
    plots->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>(QString(), Qt::FindDirectChildrenOnly))
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addMenu(new LanguageMenu(m_settings, this));

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
    for (const auto* name : {"temporal-vo", "temporal-qkvo", "all-attention"})
        m_customizePreset->addItem(QString(), QString::fromLatin1(name));
    labelPresets(QString());
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
    m_customizePreviewEvery = new QSpinBox(page);
    m_customizePreviewEvery->setObjectName(QStringLiteral("customizePreviewEvery"));
    m_customizePreviewEvery->setRange(0, 100000);
    m_customizePreviewEvery->setValue(50);
    m_customizePreviewEvery->setSpecialValueText(tr("never"));
    m_customizePreviewEvery->setToolTip(
        tr("While training, sample the prompt with the LoRA as trained so far this often"));
    m_customizeSeed = new QSpinBox(page);
    m_customizeSeed->setObjectName(QStringLiteral("customizeSeed"));
    m_customizeSeed->setRange(0, std::numeric_limits<int>::max());
    m_customizeSeed->setToolTip(tr("Seeds the training's noise and timesteps and the samples"));
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
    form->addRow(tr("Preview interval (steps)"), m_customizePreviewEvery);
    form->addRow(tr("Seed"), m_customizeSeed);
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
    m_samples->setEmptyText(
        tr("Train and sample: the reference, previews while training, then the base model, "
           "the LoRA while t ≥ τ and the LoRA always play here side by side."));
    connect(m_samples, &CompareView::exportRequested, this, [this] { chooseExportFile(true); });
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
                // Time left from the pace so far (previews included), over every training.
                const int steps = m_customizeSteps->value();
                const int done = training * steps + step;
                const double left = m_customizeClock.elapsed() / 1000.0 / std::max(done, 1) *
                                    (m_customizeTrainings * steps - done);
                m_customizeStatus->setText(
                    tr("Training %1: step %2 of %3, loss %4; about %5 left")
                        .arg(training == 0 ? tr("the τ-LoRA") : tr("the unconstrained LoRA"))
                        .arg(step)
                        .arg(steps)
                        .arg(loss, 0, 'g', 4)
                        .arg(left < 90 ? tr("%1 s").arg(std::lround(left))
                                       : tr("%1 min").arg(std::lround(left / 60))));
            });
    connect(m_engine, &EngineController::customizePreview, this,
            [this](JobId id, int training, int step, const QVector<QImage>& frames, double fps) {
                if (id != m_customizeJob || training < 0 || training > 1)
                    return;
                while (m_previewLabels.size() <= training) {
                    m_previewLabels.append(QString());
                    m_previewFrames.append(QVector<QImage>());
                }
                m_previewLabels[training] =
                    tr("%1 · step %2")
                        .arg(training == 0 ? tr("LoRA t ≥ %1").arg(m_customizationTau->value())
                                           : tr("LoRA always"))
                        .arg(step);
                m_previewFrames[training] = frames;
                m_sampleFps = fps;
                showCustomizeSamples();
            });
    // Samples accumulate in the customize tab's player: the reference, then each variant.
    connect(m_engine, &EngineController::customizeSample, this,
            [this](JobId id, const QString& label, const QVector<QImage>& frames, double fps) {
                if (id != m_customizeJob)
                    return;
                m_sampleLabels.append(label);
                m_sampleFrames.append(frames);
                m_sampleFps = fps;
                if (m_sampleLabels.size() > 1) {  // the final samples replace the previews
                    m_previewLabels.clear();
                    m_previewFrames.clear();
                }
                showCustomizeSamples();
            });
    connect(m_engine, &EngineController::comparisonExported, this,
            [this](JobId id, const QString& path, int frames, int width, int height) {
                const QString text = tr("Wrote %1 (%2 frames, %3×%4)")
                                         .arg(QDir::toNativeSeparators(path))
                                         .arg(frames)
                                         .arg(width)
                                         .arg(height);
                appendLog(tr("[job %1] %2").arg(id).arg(text));
                statusBar()->showMessage(text, 8000);
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

namespace {

// The family pipeline's default guidance scale (diffusers' __call__ defaults).
double defaultGuidanceOf(const QString& family) {
    const auto architecture = architectureOf(family);  // a toy model's too
    if (architecture.startsWith(u"latte"_s))
        return 7.5;
    if (architecture.startsWith(u"cogvideox"_s))
        return 6.0;
    return 9.0;  // ModelScope
}

}  // namespace

// The layer presets under the names the family's attention has (adapters/lora.h presetPattern):
// CogVideoX has no temporal attention of its own; its presets take the joint attention.
void MainWindow::labelPresets(const QString& family) {
    struct Label {
        QString text, layers;
    };
    const auto architecture = architectureOf(family);  // a toy model's too
    const bool joint = architecture.startsWith(u"cogvideox"_s);
    const bool latte = architecture.startsWith(u"latte"_s);
    const QString temporal = latte ? tr("Latte's temporal_transformer_blocks")
                                   : tr("ModelScope's transformer_in and temp_attentions");
    const Label labels[] = {
        joint
            ? Label{tr("joint attention V/O"),
                    tr("value and output projections of every transformer block's joint "
                       "attention (CogVideoX has no separate temporal attention)")}
            : Label{tr("temporal V/O"),
                    tr("value and output projections of the temporal attention: %1").arg(temporal)},
        joint ? Label{tr("joint attention Q/K/V/O"),
                      tr("query, key, value and output projections of every transformer "
                         "block's joint attention")}
              : Label{tr("temporal Q/K/V/O"),
                      tr("query, key, value and output projections of the temporal attention: "
                         "%1")
                          .arg(temporal)},
        Label{tr("all attention"),
              tr("query, key, value and output projections of every attention")},
    };
    for (int i = 0; i < m_customizePreset->count() && i < 3; ++i) {
        m_customizePreset->setItemText(i, labels[i].text);
        m_customizePreset->setItemData(i, labels[i].layers, Qt::ToolTipRole);
    }
}

void MainWindow::showModel(const ModelSummary& summary) {
    m_model = summary;
    m_modelPanel->showModel(summary);
    labelPresets(summary.family);
    // The guidance follows the family's default unless the user has set another value.
    if (!summary.isEmpty()) {
        const double guidance = defaultGuidanceOf(summary.family);
        if (m_guidance->value() == m_familyGuidance)
            m_guidance->setValue(guidance);
        m_familyGuidance = guidance;
    }
    // Family, size and (once inspected by the engine) the device it runs on.
    QStringList facts{summary.family, tr("%1 parameters").arg(formatCount(summary.parameterCount))};
    if (!summary.device.isEmpty())
        facts << summary.device;
    m_modelStatus->setText(summary.isEmpty()    ? tr("No model")
                           : summary.isUsable() ? tr("Model: %1").arg(facts.join(u" · "_s))
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
    if (id == m_exportJob)
        statusBar()->showMessage(tr("The export failed: %1").arg(message), 8000);
    if (id == m_previewJob)
        m_videoInfo->setText(tr("Cannot read this video: %1").arg(message));
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
    if (id == m_exportJob)
        m_exportJob = 0;
    if (id == m_previewJob)
        m_previewJob = 0;
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
    const QString clean = QDir::fromNativeSeparators(path.trimmed());
    m_videoPath->setText(QDir::toNativeSeparators(clean));
    if (m_previewJob != 0)
        m_engine->cancel(m_previewJob);  // only the latest video's strip matters
    m_thumbnails.clear();
    m_thumbnailStrip->clear();
    m_videoInfo->clear();
    m_previewJob = clean.isEmpty() ? 0 : m_engine->previewVideo(clean, 8);
    if (m_previewJob != 0)
        m_videoInfo->setText(tr("Reading the video…"));
}

void MainWindow::rebuildRecentVideosMenu() {
    m_recentVideosMenu->clear();
    const QStringList paths = m_settings->recentVideos();
    int n = 0;
    for (const QString& path : paths) {
        QString label = QDir::toNativeSeparators(path);
        label.replace(u'&', QStringLiteral("&&"));
        auto* action = m_recentVideosMenu->addAction(QStringLiteral("&%1 %2").arg(++n).arg(label));
        connect(action, &QAction::triggered, this, [this, path] { setReferenceVideo(path); });
    }
    if (!paths.isEmpty()) {
        m_recentVideosMenu->addSeparator();
        m_recentVideosMenu->addAction(tr("&Clear list"), m_settings, &Settings::clearRecentVideos);
    }
    m_recentVideosMenu->setEnabled(!paths.isEmpty());
}

namespace {

// The local video file or frame folder a drag carries, or empty.
QString droppedVideo(const QMimeData* mime) {
    if (!mime || !mime->hasUrls() || mime->urls().size() != 1)
        return {};
    const QUrl url = mime->urls().first();
    if (!url.isLocalFile())
        return {};
    const QFileInfo info(url.toLocalFile());
    static const QStringList kSuffixes{u"mp4"_s, u"m4v"_s, u"webm"_s, u"mkv"_s,  u"mov"_s,
                                       u"avi"_s, u"gif"_s, u"mpg"_s,  u"mpeg"_s, u"ogv"_s};
    if (info.isDir() || (info.isFile() && kSuffixes.contains(info.suffix().toLower())))
        return info.absoluteFilePath();
    return {};
}

}  // namespace

// Closing never waits for a job to finish: every running job is told to stop at once (the
// controller's destructor then waits only for the current denoising step).
void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_engine->activeJobCount() > 0) {
        appendLog(tr("closing: cancelling %n job(s)", nullptr, m_engine->activeJobCount()));
        m_engine->cancelAll();
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedVideo(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = droppedVideo(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    setReferenceVideo(path);
    m_settings->addRecentVideo(path);
    statusBar()->showMessage(tr("Reference video: %1").arg(QDir::toNativeSeparators(path)), 5000);
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
    s.frames = m_frames->value();
    s.scorerDir = QDir::fromNativeSeparators(m_scorerPath->text().trimmed());
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
    m_settings->addRecentVideo(settings.video);
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
    s.frames = m_frames->value();
    s.unconstrained = m_customizeUnconstrained->isChecked();
    s.previewEvery = m_customizePreviewEvery->value();
    s.seed = quint64(m_customizeSeed->value());
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
    m_sampleLabels.clear();
    m_sampleFrames.clear();
    m_previewLabels.clear();
    m_previewFrames.clear();
    m_samples->clear();
    m_settings->addRecentVideo(s.video);
    m_customizeTrainings = s.unconstrained && s.tau > 0 ? 2 : 1;
    m_customizeClock.start();
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

void MainWindow::showCustomizeSamples() {
    QVector<CompareView::Clip> clips;
    for (qsizetype i = 0; i < m_sampleLabels.size(); ++i)
        clips.append({m_sampleLabels[i], m_sampleFrames.value(i)});
    for (qsizetype i = 0; i < m_previewLabels.size(); ++i)
        if (!m_previewFrames[i].isEmpty())
            clips.append({m_previewLabels[i], m_previewFrames[i]});
    const int frame = m_samples->currentFrame();
    m_samples->setClips(clips, m_sampleFps);
    m_samples->setCurrentFrame(frame);  // a new preview keeps the player's place
    m_samples->play();
}

void MainWindow::chooseExportFile(bool customizeSamples) {
    const QString start =
        QStandardPaths::writableLocation(QStandardPaths::MoviesLocation) +
        (customizeSamples ? u"/motionprobe-samples.mp4"_s : u"/motionprobe-comparison.mp4"_s);
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Export the comparison as a video"), start,
        tr("MP4 video (*.mp4);;WebM video (*.webm);;Lossless MKV (*.mkv);;Animated GIF (*.gif)"));
    if (!file.isEmpty())
        exportComparison(file, customizeSamples);
}

JobId MainWindow::exportComparison(const QString& path, bool customizeSamples) {
    const CompareView* view = customizeSamples ? m_samples : m_compare;
    if (view->clipCount() == 0)
        return 0;
    ComparisonExport request;
    for (const auto& clip : view->clips()) {
        request.labels << clip.label;
        request.clips << clip.frames;
    }
    request.fps = view->fps();
    request.path = QDir::fromNativeSeparators(path);
    m_exportJob = m_engine->exportComparison(request);
    appendLog(tr("[job %1] exporting %n clip(s) to %2", nullptr, int(request.clips.size()))
                  .arg(m_exportJob)
                  .arg(QDir::toNativeSeparators(path)));
    return m_exportJob;
}

QStringList MainWindow::exportPlots(const QString& base) {
    const QFileInfo info(base);
    const QString suffix = info.suffix().toLower();
    const QString stem = info.path() + u'/' + info.completeBaseName();
    QStringList written;
    QDir().mkpath(info.path());
    if (m_probeLayout.tauEnds.isEmpty()) {
        statusBar()->showMessage(tr("No probe to export: run or reopen one first."), 8000);
        return written;
    }
    std::vector<std::pair<QCustomPlot*, QString>> views{{m_clipHeatmap->plot(), u"clip"_s},
                                                        {m_flowHeatmap->plot(), u"flow"_s}};
    if (m_probeLayout.toyWorld) {
        views.emplace_back(m_appearanceHeatmap->plot(), u"appearance"_s);
        views.emplace_back(m_motionHeatmap->plot(), u"motion"_s);
    }
    views.emplace_back(m_tradeOff->plot(), u"tradeoff"_s);
    for (const auto& [plot, name] : views) {
        QString error;
        const QString file = stem + u'-' + name + u'.' + suffix;
        if (!widgets::savePlot(plot, file, &error)) {
            statusBar()->showMessage(tr("Could not export the plots: %1").arg(error), 8000);
            appendLog(tr("export failed: %1").arg(error));
            return {};
        }
        written << file;
    }
    appendLog(tr("plots written: %1").arg(written.join(u", "_s)));
    statusBar()->showMessage(tr("%n plot(s) written next to %1", nullptr, int(written.size()))
                                 .arg(QDir::toNativeSeparators(stem)),
                             8000);
    return written;
}

int MainWindow::customizationTau() const {
    return m_customizationTau->value();
}

// The τ_end = 0 pairs finished so far; the suggestion is the engine's rule (probe/analysis.h),
// the one the CLI reports.
void MainWindow::refreshTradeOff() {
    const TradeOffCurve curve = tradeOffCurve(m_probeCells.values());
    QVector<TradeOffView::Point> points;
    for (qsizetype i = 0; i < curve.tauStarts.size(); ++i)
        points.append({curve.tauStarts[i], curve.appearance[i], curve.motion[i]});
    m_tradeOff->setCurve(points, curve.frontier, curve.suggestedPoint);  // tauChosen
    m_tradeOffText->setText(curve.suggestedPoint >= 0
                                ? tr("Suggested τ = %1 (%2). %3")
                                      .arg(curve.suggestedTau)
                                      .arg(curve.rule, curve.reasoning)
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
