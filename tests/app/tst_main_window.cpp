// The workbench shell: the main window's regions (and a screenshot of them), the heatmap widget,
// model inspection through EngineController on the engine thread, showing the result, settings,
// and cancellation seen from the worker thread. Model folders are written here into temporary
// folders: configs plus hand-written one-tensor safetensors files.

#include "engine_controller.h"
#include "engine_worker.h"
#include "experiments_panel.h"
#include "main_window.h"
#include "model_panel.h"
#include "model_summary.h"
#include "scripted_run.h"
#include "settings.h"

#include "compare_view.h"
#include "heatmap_view.h"
#include "loss_curve_view.h"
#include "tradeoff_view.h"

#include "fixtures.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <cmath>
#include <filesystem>
#include <limits>

using mp::app::ComponentSummary;
using mp::app::EngineController;
using mp::app::EngineWorker;
using mp::app::JobId;
using mp::app::MainWindow;
using mp::app::ModelPanel;
using mp::app::ModelSummary;
using mp::app::ProbeCell;
using mp::app::ProbeLayout;
using mp::app::Settings;
using mp::widgets::CompareView;
using mp::widgets::HeatmapView;
using mp::widgets::LossCurveView;
using mp::widgets::TradeOffView;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 10000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

QString outputDir() {
    return QStringLiteral(MP_TEST_OUTPUT_DIR);
}

// What to leave out of the otherwise complete ModelScope pipeline (tests/support/fixtures.h).
enum class Breakage { None, UnetConfig, TokenizerMerges, VaeWeights, EverythingButEmptyFolder };

// Parameters the fixture writes: all components, and without the VAE's weights.
const qint64 kPipelineParameters = 444;
const qint64 kVaeParameters = 216;

bool writePipeline(const QString& root, Breakage breakage) {
    if (breakage == Breakage::EverythingButEmptyFolder)
        return QDir().mkpath(root);
    const std::filesystem::path r = root.toStdString();
    if (mp::test::writePipeline(r, mp::test::FixtureFamily::ModelScope) != kPipelineParameters)
        return false;
    switch (breakage) {
        case Breakage::UnetConfig:
            return std::filesystem::remove(r / "unet/config.json");
        case Breakage::TokenizerMerges:
            return std::filesystem::remove(r / "tokenizer/merges.txt");
        case Breakage::VaeWeights:
            return std::filesystem::remove(r / "vae/diffusion_pytorch_model.safetensors");
        default:
            return true;
    }
}

QStringList treeColumn(const QTreeWidget* tree, int column) {
    QStringList out;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        out << tree->topLevelItem(i)->text(column);
    return out;
}

bool saveScreenshot(QWidget& widget, const QString& name, QString* path) {
    *path = outputDir() + u'/' + name;
    return widget.grab().save(*path);
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void windowRegions();
    void tabsSwitchAndPersist_data();
    void tabsSwitchAndPersist();

    void heatmapGrid_data();
    void heatmapGrid();
    void heatmapClick();
    void heatmapTriangle();

    void inspectModel_data();
    void inspectModel();
    void windowShowsModel();
    void cancelQueuedJob();

    void probeFillsHeatmapsLive();
    void probeCancel();
    void probeNeedsInputs();
    void customizeFromPanel();
    void scriptedScreenshots();
    void experimentsReopen();

    void recentModelDirs_data();
    void recentModelDirs();

private:
    QTemporaryDir m_tmp;
};

void TestMainWindow::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // customizations go to the test's data folder
    // The Experiments tab opens the default store: the test's own, never the user's.
    qputenv("MOTIONPROBE_STORE",
            QFile::encodeName(m_tmp.filePath(QStringLiteral("default.sqlite"))));
    QVERIFY(QDir().mkpath(outputDir()));
    QVERIFY(m_tmp.isValid());
}

void TestMainWindow::windowRegions() {
    Settings settings(m_tmp.filePath(QStringLiteral("regions.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QCOMPARE(window.windowTitle(), QStringLiteral("MotionProbe"));
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    QVERIFY(tabs);
    QCOMPARE(window.centralWidget(), tabs);
    const QStringList expected = {QStringLiteral("Probe"), QStringLiteral("Trade-off"),
                                  QStringLiteral("Compare"), QStringLiteral("Customize"),
                                  QStringLiteral("Experiments")};
    QStringList titles;
    for (int i = 0; i < tabs->count(); ++i)
        titles << tabs->tabText(i);
    QCOMPARE(titles, expected);

    auto* inputs = window.findChild<QDockWidget*>(QStringLiteral("inputsDock"));
    QVERIFY(inputs);
    QCOMPARE(window.dockWidgetArea(inputs), Qt::LeftDockWidgetArea);
    QVERIFY(inputs->isVisible());
    QCOMPARE(inputs->windowTitle(), QStringLiteral("Model · Video · Captions"));
    auto* jobs = window.findChild<QDockWidget*>(QStringLiteral("jobsDock"));
    QVERIFY(jobs);
    QCOMPARE(window.dockWidgetArea(jobs), Qt::BottomDockWidgetArea);
    QVERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("logView")));
    QVERIFY(window.findChild<QTreeWidget*>(QStringLiteral("componentTree")));
    QVERIFY(window.findChild<QLineEdit*>(QStringLiteral("videoPath")));
    // The shipped toy examples are offered (a prompt line, then one entry per example).
    auto* examples = window.findChild<QComboBox*>(QStringLiteral("exampleCombo"));
    QVERIFY(examples && examples->count() > 1);

    // The captions are real inputs already.
    auto* caption = window.findChild<QLineEdit*>(QStringLiteral("captionEdit"));
    auto* edited = window.findChild<QLineEdit*>(QStringLiteral("editedCaptionEdit"));
    QVERIFY(caption && edited);
    QTest::keyClicks(caption, QStringLiteral("a red circle moves right"));
    QTest::keyClicks(edited, QStringLiteral("a blue square moves right"));
    QCOMPARE(window.caption(), QStringLiteral("a red circle moves right"));
    QCOMPARE(window.editedCaption(), QStringLiteral("a blue square moves right"));

    // Menus: File (open with Ctrl+O, recent, quit) and Help.
    auto* open = window.findChild<QAction*>(QStringLiteral("openModelAction"));
    QVERIFY(open);
    QCOMPARE(open->shortcut(), QKeySequence(QKeySequence::Open));
    QVERIFY(window.findChild<QMenu*>(QStringLiteral("recentMenu")));
    QStringList menus;
    for (QAction* a : window.menuBar()->actions())
        menus << a->text();
    QCOMPARE(menus, (QStringList{QStringLiteral("&File"), QStringLiteral("&View"),
                                 QStringLiteral("&Help")}));

    // The probe heatmaps start empty.
    for (const char* name : {"clipHeatmap", "flowHeatmap"}) {
        auto* view = window.findChild<HeatmapView*>(QString::fromLatin1(name));
        QVERIFY2(view, name);
        QVERIFY(!view->hasData());
        QCOMPARE(view->emptyText(), QStringLiteral("No probe yet"));
    }
    QCOMPARE(window.findChild<QLabel*>(QStringLiteral("modelStatus"))->text(),
             QStringLiteral("No model"));

    // The app icon is embedded in mp_workbench (SVG for installs, PNGs for the window icon).
    QVERIFY(QFile::exists(QStringLiteral(":/icons/motionprobe.svg")));
    QCOMPARE(QImage(QStringLiteral(":/icons/motionprobe-64.png")).size(), QSize(64, 64));

    QTest::qWait(50);  // let QCustomPlot's queued replots run
    QString path;
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot.png"), &path));
    QVERIFY(QFileInfo(path).size() > 0);
    QImage shot(path);
    QCOMPARE(shot.size(), window.size() * window.devicePixelRatio());
}

void TestMainWindow::tabsSwitchAndPersist_data() {
    QTest::addColumn<QString>("click");    // the tab page to click, by object name
    QTest::addColumn<QString>("reopens");  // the page a new window opens on
    QTest::newRow("trade-off") << u"tradeOffTab"_s << u"tradeOffTab"_s;
    QTest::newRow("compare") << u"compareTab"_s << u"compareTab"_s;
    QTest::newRow("customize") << u"customizeTab"_s << u"customizeTab"_s;
    QTest::newRow("experiments") << u"experimentsTab"_s << u"experimentsTab"_s;
    QTest::newRow("back to probe") << u"probeTab"_s << u"probeTab"_s;
    // A tab name saved by another version is ignored: the window opens on the first tab.
    QTest::newRow("stale name") << u"noSuchTab"_s << u"probeTab"_s;
}

void TestMainWindow::tabsSwitchAndPersist() {
    QFETCH(QString, click);
    QFETCH(QString, reopens);
    const QString ini = m_tmp.filePath(u"tabs-"_s + click + u".ini"_s);
    EngineController engine;
    {
        Settings settings(ini);
        settings.setCurrentTab(u"compareTab"_s);  // where an earlier session left it
        MainWindow window(&engine, &settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* tabs = window.findChild<QTabWidget*>(u"mainTabs"_s);
        QVERIFY(tabs);
        QCOMPARE(tabs->currentWidget()->objectName(), u"compareTab"_s);
        if (click == u"noSuchTab") {
            settings.setCurrentTab(click);
        } else {
            // A real click on the tab bar, as a user switches tabs.
            int index = -1;
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->widget(i)->objectName() == click)
                    index = i;
            QVERIFY(index >= 0);
            QWidget* page = tabs->widget(index);
            QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {},
                              tabs->tabBar()->tabRect(index).center());
            QCOMPARE(tabs->currentWidget(), page);
            QTRY_VERIFY(page->isVisible());
            for (int i = 0; i < tabs->count(); ++i)
                if (i != index)
                    QVERIFY(!tabs->widget(i)->isVisible());
            QCOMPARE(settings.currentTab(), click);
        }
        settings.sync();
    }
    Settings again(ini);
    MainWindow window(&engine, &again);
    auto* tabs = window.findChild<QTabWidget*>(u"mainTabs"_s);
    QCOMPARE(tabs->currentWidget()->objectName(), reopens);
}

void TestMainWindow::heatmapGrid_data() {
    QTest::addColumn<int>("columns");
    QTest::addColumn<int>("rows");
    QTest::addColumn<QVector<double>>("values");
    QTest::addColumn<QStringList>("columnLabels");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");

    QTest::newRow("3x2") << 3 << 2 << QVector<double>{0, 1, 2, 3, 4, 5} << QStringList() << true
                         << 0.0 << 5.0;
    // The probe's grid is a triangle: τ_end < τ_start; the other cells have no value.
    QTest::newRow("triangle-with-nan")
        << 3 << 3 << QVector<double>{kNaN, kNaN, kNaN, 0.2, kNaN, kNaN, 0.4, -0.1, kNaN}
        << QStringList{QStringLiteral("0"), QStringLiteral("100"), QStringLiteral("200")} << true
        << -0.1 << 0.4;
    QTest::newRow("constant") << 2 << 2 << QVector<double>{7, 7, 7, 7} << QStringList() << true
                              << 6.5 << 7.5;
    QTest::newRow("single-cell") << 1 << 1 << QVector<double>{0.3} << QStringList() << true << -0.2
                                 << 0.8;
    QTest::newRow("too-few-values")
        << 3 << 2 << QVector<double>{0, 1, 2} << QStringList() << false << 0.0 << 1.0;
    QTest::newRow("label-count") << 2 << 2 << QVector<double>{0, 1, 2, 3}
                                 << QStringList{QStringLiteral("only one")} << false << 0.0 << 1.0;
    QTest::newRow("no-columns") << 0 << 2 << QVector<double>{} << QStringList() << false << 0.0
                                << 1.0;
}

void TestMainWindow::heatmapGrid() {
    QFETCH(int, columns);
    QFETCH(int, rows);
    QFETCH(QVector<double>, values);
    QFETCH(QStringList, columnLabels);
    QFETCH(bool, accepted);
    QFETCH(double, lo);
    QFETCH(double, hi);

    HeatmapView view;
    QCOMPARE(view.setGrid(columns, rows, values, columnLabels), accepted);
    QCOMPARE(view.hasData(), accepted);
    QCOMPARE(view.valueRange().lower, lo);
    QCOMPARE(view.valueRange().upper, hi);
    if (accepted) {
        QCOMPARE(view.columnCount(), columns);
        QCOMPARE(view.rowCount(), rows);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < columns; ++c) {
                const double expected = values[r * columns + c];
                const double actual = view.valueAt(c, r);
                QVERIFY(std::isnan(expected) ? std::isnan(actual) : actual == expected);
            }
        QVERIFY(std::isnan(view.valueAt(columns, 0)));
        view.clear();
        QVERIFY(!view.hasData());
    }
}

void TestMainWindow::heatmapClick() {
    HeatmapView view;
    view.resize(400, 320);
    const QVector<double> values = {kNaN, kNaN, 0.25, kNaN};  // only (column 0, row 1) has a value
    QVERIFY(view.setGrid(2, 2, values));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.plot()->replot();

    QSignalSpy clicked(&view, &HeatmapView::cellClicked);
    QTest::mouseClick(view.plot(), Qt::LeftButton, {}, view.cellCenter(0, 1));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 0);
    QCOMPARE(clicked.at(0).at(1).toInt(), 1);
    QCOMPARE(clicked.at(0).at(2).toDouble(), 0.25);

    // The outer half of an edge cell counts too.
    const QPoint inner = view.cellCenter(0, 1);
    const QPoint step = view.cellCenter(1, 1) - inner;
    QTest::mouseClick(view.plot(), Qt::LeftButton, {}, inner - step * 0.4);
    QCOMPARE(clicked.count(), 2);
    QCOMPARE(clicked.at(1).at(0).toInt(), 0);

    // A cell without a value is not a probed pair: nothing to open.
    QTest::mouseClick(view.plot(), Qt::LeftButton, {}, view.cellCenter(1, 0));
    QCOMPARE(clicked.count(), 2);
}

void TestMainWindow::heatmapTriangle() {
    // The probe's default grid: τ over 0..1000 in steps of 100, pairs with τ_end < τ_start.
    constexpr int n = 10;
    QVector<double> values(n * n, kNaN);
    QStringList ends, starts;
    for (int i = 0; i < n; ++i) {
        ends << QString::number(i * 100);
        starts << QString::number((i + 1) * 100);
    }
    int pairs = 0;
    for (int row = 0; row < n; ++row)                  // τ_start = (row + 1) * 100
        for (int col = 0; col <= row; ++col, ++pairs)  // τ_end = col * 100 < τ_start
            values[row * n + col] = double(row - col) / n;
    QCOMPARE(pairs, 55);

    HeatmapView view;
    view.setTitle(QStringLiteral("CLIP-score change"));
    view.setAxisLabels(QStringLiteral("τ_end"), QStringLiteral("τ_start"));
    view.setValueLabel(QStringLiteral("Δ CLIP"));
    view.resize(520, 420);
    QVERIFY(view.setGrid(n, n, values, ends, starts));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.plot()->replot();

    QString path;
    QVERIFY(saveScreenshot(view, QStringLiteral("screenshot-heatmap.png"), &path));
    // Cells without a value stay transparent (the plot's background shows); probed cells do not.
    const QImage image = view.plot()->toPixmap().toImage();
    const QColor background = view.palette().color(QPalette::Base);  // the plot's background
    const QPoint empty = view.cellCenter(n - 1, 0);
    const QPoint probed = view.cellCenter(0, n - 1);
    QCOMPARE(image.pixelColor(empty).rgb(), background.rgb());
    QVERIFY(image.pixelColor(probed).rgb() != background.rgb());
}

void TestMainWindow::inspectModel_data() {
    QTest::addColumn<int>("breakage");
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("components");
    QTest::addColumn<qint64>("parameters");
    QTest::addColumn<QString>("errorMentions");  // empty: no errors expected

    QTest::newRow("good-pipeline") << int(Breakage::None) << QStringLiteral("modelscope") << 5
                                   << kPipelineParameters << QString();
    QTest::newRow("missing-unet-config")
        << int(Breakage::UnetConfig) << QStringLiteral("modelscope") << 5 << kPipelineParameters
        << QStringLiteral("unet/config.json");
    QTest::newRow("missing-merges")
        << int(Breakage::TokenizerMerges) << QStringLiteral("modelscope") << 5
        << kPipelineParameters << QStringLiteral("tokenizer/merges.txt");
    QTest::newRow("missing-vae-weights")
        << int(Breakage::VaeWeights) << QStringLiteral("modelscope") << 5
        << kPipelineParameters - kVaeParameters << QStringLiteral("vae/");
    QTest::newRow("empty-folder") << int(Breakage::EverythingButEmptyFolder)
                                  << QStringLiteral("unknown") << 0 << qint64(0)
                                  << QStringLiteral("model_index.json");
}

void TestMainWindow::inspectModel() {
    QFETCH(int, breakage);
    QFETCH(QString, family);
    QFETCH(int, components);
    QFETCH(qint64, parameters);
    QFETCH(QString, errorMentions);

    const QString root = m_tmp.filePath(QString::fromLatin1(QTest::currentDataTag()));
    QVERIFY(writePipeline(root, Breakage(breakage)));

    EngineController engine;
    // Record which thread the worker answers on: the work must leave the GUI thread.
    QThread* answeredOn = nullptr;
    connect(
        engine.worker(), &EngineWorker::modelInspected, engine.worker(),
        [&answeredOn](JobId, const ModelSummary&) { answeredOn = QThread::currentThread(); },
        Qt::DirectConnection);
    QSignalSpy inspected(&engine, &EngineController::modelInspected);
    QSignalSpy failed(&engine, &EngineController::failed);
    QSignalSpy finished(&engine, &EngineController::finished);

    const JobId id = engine.inspectModel(root);
    QVERIFY(engine.isActive(id));
    QVERIFY(inspected.wait(kTimeoutMs));
    QVERIFY(finished.count() == 1 || finished.wait(kTimeoutMs));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(inspected.count(), 1);
    QCOMPARE(inspected.at(0).at(0).value<JobId>(), id);
    QCOMPARE(finished.at(0).at(0).value<JobId>(), id);
    QVERIFY(!engine.isActive(id));
    QCOMPARE(answeredOn, engine.engineThread());
    QVERIFY(answeredOn != QThread::currentThread());

    const auto summary = inspected.at(0).at(1).value<ModelSummary>();
    QCOMPARE(summary.family, family);
    QCOMPARE(int(summary.components.size()), components);
    QCOMPARE(summary.parameterCount, parameters);
    QCOMPARE(QDir::cleanPath(summary.root), QDir::cleanPath(root));
    if (errorMentions.isEmpty()) {
        QVERIFY2(summary.errors.isEmpty(), qPrintable(summary.errors.join(u'\n')));
        QVERIFY(summary.isUsable());
        QCOMPARE(summary.pipelineClass, QStringLiteral("TextToVideoSDPipeline"));
        QCOMPARE(summary.components.at(0).name, QStringLiteral("unet"));
        QCOMPARE(summary.components.at(0).className, QStringLiteral("UNet3DConditionModel"));
        QCOMPARE(summary.components.at(0).kind, QStringLiteral("denoiser"));
        QCOMPARE(summary.components.at(0).dtypes, QStringLiteral("F32"));
        QCOMPARE(summary.components.at(0).parameterCount, qint64(4 * 4 * 3 * 3 + 4));  // the unet
        QCOMPARE(summary.components.at(0).weightsFile,
                 QStringLiteral("unet/diffusion_pytorch_model.safetensors"));
        // The fixture's scheduler config keeps DDIMScheduler's defaults: leading, no offset.
        QCOMPARE(summary.timesteps.size(), 50);
        QCOMPARE(summary.timesteps.first(), qint64(980));
        QCOMPARE(summary.timesteps.last(), qint64(0));
        QVERIFY2(summary.scheduler.startsWith(u"DDIMScheduler (ddim)"),
                 qPrintable(summary.scheduler));
    } else {
        QVERIFY(!summary.isUsable());
        QVERIFY2(!summary.errors.filter(errorMentions).isEmpty(),
                 qPrintable(summary.errors.join(u'\n')));
    }
}

void TestMainWindow::windowShowsModel() {
    const QString root = m_tmp.filePath(QStringLiteral("window-model"));
    const QString broken = m_tmp.filePath(QStringLiteral("window-broken"));
    QVERIFY(writePipeline(root, Breakage::None));
    QVERIFY(writePipeline(broken, Breakage::UnetConfig));

    Settings settings(m_tmp.filePath(QStringLiteral("window.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("componentTree"));
    auto* problems = window.findChild<QListWidget*>(QStringLiteral("problemList"));
    auto* status = window.findChild<QLabel*>(QStringLiteral("modelStatus"));
    auto* log = window.findChild<QPlainTextEdit*>(QStringLiteral("logView"));
    QVERIFY(tree && problems && status && log);

    // The window's own connection to the controller runs before the spy's.
    QSignalSpy finished(&engine, &EngineController::finished);
    const JobId id = window.openModelFolder(root);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.at(0).at(0).value<JobId>(), id);

    QCOMPARE(window.currentModel().family, QStringLiteral("modelscope"));
    QCOMPARE(
        treeColumn(tree, ModelPanel::NameColumn),
        (QStringList{QStringLiteral("unet"), QStringLiteral("vae"), QStringLiteral("text_encoder"),
                     QStringLiteral("tokenizer"), QStringLiteral("scheduler")}));
    QCOMPARE(tree->topLevelItem(0)->text(ModelPanel::ClassColumn),
             QStringLiteral("UNet3DConditionModel"));
    QCOMPARE(tree->topLevelItem(0)->text(ModelPanel::ParametersColumn), QStringLiteral("148"));
    QCOMPARE(tree->topLevelItem(0)->text(ModelPanel::DTypesColumn), QStringLiteral("F32"));
    QCOMPARE(problems->count(), 0);
    auto* schedule = window.findChild<QLabel*>(QStringLiteral("scheduleSummary"));
    QVERIFY(schedule && schedule->isVisible());
    QCOMPARE(schedule->text(), QStringLiteral("Schedule: 50 steps, t = 980 … 0"));
    QCOMPARE(status->text(), QStringLiteral("Model: modelscope"));
    QCOMPARE(settings.lastModelDir(), QDir::cleanPath(root));
    QCOMPARE(settings.recentModelDirs(), QStringList{QDir::cleanPath(root)});
    QVERIFY(window.findChild<QMenu*>(QStringLiteral("recentMenu"))->isEnabled());
    QVERIFY(log->toPlainText().contains(QStringLiteral("modelscope: 5 components")));
    // The engine's own log (mp::log) reaches the dock, including what it logged at start-up.
    QVERIFY2(log->toPlainText().contains(QStringLiteral("info: engine thread ready")),
             qPrintable(log->toPlainText()));

    QTest::qWait(50);
    QString path;
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-model.png"), &path));
    QVERIFY(QFileInfo(path).size() > 0);

    // A broken folder: the components still show, and the problem names the file.
    finished.clear();
    window.openModelFolder(broken);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(tree->topLevelItemCount(), 5);
    QVERIFY(problems->count() >= 1);
    QVERIFY(problems->item(0)->text().contains(QStringLiteral("unet/config.json")));
    QCOMPARE(settings.recentModelDirs().first(), QDir::cleanPath(broken));
    QCOMPARE(status->text(), QStringLiteral("Model: modelscope (not usable)"));
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-broken-model.png"), &path));

    // showModel() alone (no engine) fills the same views.
    ModelSummary manual;
    manual.root = QStringLiteral("/models/toy");
    manual.family = QStringLiteral("toy (modelscope architecture)");
    manual.components << ComponentSummary{
        QStringLiteral("unet"),
        QStringLiteral("UNet3DConditionModel"),
        QStringLiteral("denoiser"),
        true,
        1'234'567,
        QStringLiteral("F32"),
        QStringLiteral("unet/diffusion_pytorch_model.safetensors")};
    manual.parameterCount = 1'234'567;
    window.showModel(manual);
    QCOMPARE(tree->topLevelItemCount(), 1);
    QCOMPARE(tree->topLevelItem(0)->text(ModelPanel::ParametersColumn), QStringLiteral("1.2 M"));
    QCOMPARE(status->text(), QStringLiteral("Model: toy (modelscope architecture)"));
}

void TestMainWindow::cancelQueuedJob() {
    const QString root = m_tmp.filePath(QStringLiteral("cancel-model"));
    QVERIFY(writePipeline(root, Breakage::None));

    EngineController engine;
    // Hold the engine thread so the job is certainly still queued when it is cancelled.
    QSemaphore gate;
    QSemaphore holding;
    QMetaObject::invokeMethod(
        engine.worker(),
        [&gate, &holding] {
            holding.release();
            gate.acquire();
        },
        Qt::QueuedConnection);
    QVERIFY(holding.tryAcquire(1, kTimeoutMs));

    QSignalSpy inspected(&engine, &EngineController::modelInspected);
    QSignalSpy cancelled(&engine, &EngineController::cancelled);
    QSignalSpy finished(&engine, &EngineController::finished);
    const JobId first = engine.inspectModel(root);
    const JobId second = engine.inspectModel(root);
    QVERIFY(first != second);
    QCOMPARE(engine.activeJobCount(), 2);
    // Direct: the flag is set now, while the engine thread is still busy; no event is involved.
    QVERIFY(engine.cancel(first));
    QVERIFY(!engine.cancel(JobId(9999)));
    gate.release();

    // The worker checks the token on its own thread and skips the cancelled job; the next runs.
    QVERIFY(inspected.wait(kTimeoutMs));
    QVERIFY(finished.count() == 2 || finished.wait(kTimeoutMs));
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.at(0).at(0).value<JobId>(), first);
    QCOMPARE(inspected.count(), 1);
    QCOMPARE(inspected.at(0).at(0).value<JobId>(), second);
    QCOMPARE(finished.count(), 2);
    QCOMPARE(finished.at(0).at(0).value<JobId>(), first);
    QCOMPARE(finished.at(1).at(0).value<JobId>(), second);
    QCOMPARE(engine.activeJobCount(), 0);
    QVERIFY(!engine.cancel(second));  // already finished
}

// Measures the longest gap between 5 ms ticks of the GUI thread's event loop while it runs.
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this,
                [this] { m_longest = std::max(m_longest, m_clock.restart()); });
        m_clock.start();
        m_timer.start();
    }
    qint64 longestMs() const { return m_longest; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_longest = 0;
};

// A toy probe from a click: the grid appears, cells fill in as runs finish (the reconstruction
// first), the heatmaps hold exactly the values the engine reported and the CLI writes for the
// same probe, and the event loop keeps running while the engine works.
void TestMainWindow::probeFillsHeatmapsLive() {
    Settings settings(m_tmp.filePath(QStringLiteral("probe.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.useExample(1);
    QVERIFY(!window.referenceVideo().isEmpty() && !window.caption().isEmpty() &&
            !window.editedCaption().isEmpty());
    window.findChild<QSpinBox*>(QStringLiteral("probeSteps"))->setValue(3);
    auto* interval = window.findChild<QComboBox*>(QStringLiteral("probeInterval"));
    interval->setCurrentIndex(interval->findData(500));
    auto* run = window.findChild<QPushButton*>(QStringLiteral("runProbeButton"));
    auto* cancel = window.findChild<QPushButton*>(QStringLiteral("cancelProbeButton"));
    auto* clip = window.findChild<HeatmapView*>(QStringLiteral("clipHeatmap"));
    auto* flow = window.findChild<HeatmapView*>(QStringLiteral("flowHeatmap"));
    auto* appearance = window.findChild<HeatmapView*>(QStringLiteral("appearanceHeatmap"));
    QVERIFY(run && cancel && clip && flow && appearance);

    QSignalSpy started(&engine, &EngineController::probeStarted);
    QSignalSpy cells(&engine, &EngineController::probeCell);
    QSignalSpy completed(&engine, &EngineController::probeCompleted);
    QSignalSpy finished(&engine, &EngineController::finished);
    // Cells in the heatmap as each arrives (the window's slot runs before the spy's).
    QList<int> filledWhenCellArrived;
    connect(&engine, &EngineController::probeCell, this, [&] {
        int filled = 0;
        for (int c = 0; c < clip->columnCount(); ++c)
            for (int r = 0; r < clip->rowCount(); ++r)
                filled += std::isfinite(clip->valueAt(c, r)) ? 1 : 0;
        filledWhenCellArrived << filled;
    });
    StallMeter stalls;
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(window.probeJob() != 0);
    QVERIFY(!run->isEnabled() && cancel->isEnabled());
    QVERIFY(finished.wait(120000));
    const qint64 longestStall = stalls.longestMs();  // before anything below blocks the loop
    QCOMPARE(completed.count(), 1);
    QVERIFY(run->isEnabled() && !cancel->isEnabled());

    QCOMPARE(started.count(), 1);
    const auto layout = started.at(0).at(1).value<ProbeLayout>();
    QCOMPARE(layout.tauStarts, (QVector<int>{500, 1000}));
    QCOMPARE(layout.tauEnds, (QVector<int>{0, 500}));
    QCOMPARE(layout.runs, 5);
    QVERIFY(layout.toyWorld);
    QVERIFY(appearance->isVisible());
    QCOMPARE(cells.count(), 5);
    QCOMPARE(cells.at(0).at(1).value<ProbeCell>().run, QStringLiteral("reconstruction"));
    // Live: the cells came one by one (the reconstruction and full edit are not grid cells).
    QCOMPARE(filledWhenCellArrived.size(), 5);
    QCOMPARE(filledWhenCellArrived.last(), 3);
    QVERIFY(filledWhenCellArrived.first() < 3);

    // The heatmaps hold what the engine reported; τ_start ≤ τ_end stays empty.
    for (const auto& args : cells) {
        const auto cell = args.at(1).value<ProbeCell>();
        if (cell.tauStart < 0)
            continue;
        const int c = int(layout.tauEnds.indexOf(cell.tauEnd));
        const int r = int(layout.tauStarts.indexOf(cell.tauStart));
        QCOMPARE(clip->valueAt(c, r), cell.clipChange);
        QCOMPARE(flow->valueAt(c, r), cell.flowSimilarity);
        QCOMPARE(appearance->valueAt(c, r), cell.appearance);
        QVERIFY(std::isfinite(cell.clipChange) && std::isfinite(cell.flowSimilarity));
    }
    QVERIFY(std::isnan(clip->valueAt(1, 0)));  // (τ_start 500, τ_end 500)
    // Hovering names the cell and its exact value.
    const auto hover = clip->cellText(clip->cellCenter(0, 1));
    QVERIFY2(hover.startsWith(u"τ_start 1000, τ_end 0: "_s), qPrintable(hover));
    QCOMPARE(hover.section(u": "_s, 1).toDouble(),
             QString::number(clip->valueAt(0, 1), 'g', 6).toDouble());
    QVERIFY(clip->cellText(clip->cellCenter(1, 0)).isEmpty());

    QString path;
#ifdef MP_CLI_PATH
    // The same probe through the CLI: the same numbers (the engine's session, run twice).
    QTemporaryDir out;
    QProcess cli;
    cli.start(QStringLiteral(MP_CLI_PATH),
              {u"probe"_s, u"--demo"_s, u"--example"_s, u"1"_s, u"--steps"_s, u"3"_s,
               u"--interval"_s, u"500"_s, u"--out"_s, out.filePath(u"run"_s), u"--store"_s,
               out.filePath(u"store.sqlite"_s)});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    QFile results(out.filePath(u"run/results.json"_s));
    QVERIFY(results.open(QIODevice::ReadOnly));
    const auto resultsJson = QJsonDocument::fromJson(results.readAll()).object();
    const auto runs = resultsJson[u"runs"_s].toArray();
    // The trade-off view: the τ_end = 0 points, and the CLI's suggested τ.
    auto* tradeOff = window.findChild<TradeOffView*>(QStringLiteral("tradeOffView"));
    QVERIFY(tradeOff);
    QCOMPARE(tradeOff->pointCount(), 2);
    QCOMPARE(tradeOff->suggestedTau(),
             resultsJson[u"suggested_tau"_s].toObject()[u"tau"_s].toInt(-2));
    QCOMPARE(tradeOff->chosenTau(), tradeOff->suggestedTau());
    auto* tau = window.findChild<QSpinBox*>(QStringLiteral("customizationTau"));
    QCOMPARE(tau->value(), std::min(tradeOff->suggestedTau(), 999));
    // Dragging the marker onto the other point chooses its τ for customization.
    window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))
        ->setCurrentWidget(window.findChild<QWidget*>(QStringLiteral("tradeOffTab")));
    QTest::qWait(50);
    const int other = tradeOff->suggestedTau() == 1000 ? 0 : 1;
    QSignalSpy chosen(tradeOff, &TradeOffView::tauChosen);
    QTest::mousePress(tradeOff->plot(), Qt::LeftButton, {}, tradeOff->pointPosition(1 - other));
    QTest::mouseMove(tradeOff->plot(), tradeOff->pointPosition(other));
    QTest::mouseRelease(tradeOff->plot(), Qt::LeftButton, {}, tradeOff->pointPosition(other));
    const int otherTau = other == 0 ? 500 : 1000;
    QCOMPARE(tradeOff->chosenTau(), otherTau);
    QCOMPARE(chosen.last().at(0).toInt(), otherTau);
    QCOMPARE(window.customizationTau(), std::min(otherTau, 999));
    QTest::qWait(50);  // the queued replot
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-tradeoff.png"), &path));
    QCOMPARE(runs.size(), 5);
    for (const auto& v : runs) {
        const auto o = v.toObject();
        const auto cell = window.probeCells().value(o[u"run"_s].toString());
        QCOMPARE(cell.run, o[u"run"_s].toString());
        QVERIFY(std::abs(cell.clipChange - o[u"clip_change"_s].toDouble()) < 1e-9);
        QVERIFY(std::abs(cell.flowSimilarity - o[u"flow_similarity"_s].toDouble()) < 1e-9);
    }
#endif
    // Recorded in the store the Experiments tab shows; the same probe again resumes from it and
    // computes no evaluation, with the same cells.
    auto* panel = window.findChild<mp::app::ExperimentsPanel*>(QStringLiteral("experimentsTab"));
    QVERIFY(panel && panel->probeCount() >= 1);
    const auto first = window.probeCells();
    completed.clear();
    finished.clear();
    QVERIFY(window.startProbe() != 0);
    QVERIFY(finished.wait(120000));
    QCOMPARE(completed.count(), 1);
    QCOMPARE(completed.at(0).at(1).toInt(), 0);
    for (const auto& c : first)
        QCOMPARE(window.probeCells().value(c.run).clipChange, c.clipChange);
    QVERIFY2(longestStall < 100,
             qPrintable(u"the event loop stalled for %1 ms"_s.arg(longestStall)));
    qInfo("longest event-loop gap while probing: %lld ms", longestStall);

    window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))
        ->setCurrentWidget(window.findChild<QWidget*>(QStringLiteral("probeTab")));
    QTest::qWait(50);
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-probe.png"), &path));

    // A click on the (1000, 0) cell: the compare view shows the original, the reconstruction,
    // the full edit and that resample, in sync.
    const int column = int(layout.tauEnds.indexOf(0)), row = int(layout.tauStarts.indexOf(1000));
    QTest::mouseClick(clip->plot(), Qt::LeftButton, {}, clip->cellCenter(column, row));
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    auto* compare = window.findChild<CompareView*>(QStringLiteral("compareTab"));
    QVERIFY(compare);
    QCOMPARE(tabs->currentWidget(), compare);
    QCOMPARE(compare->clipCount(), 4);
    QCOMPARE(compare->clipLabel(0), QStringLiteral("original"));
    QVERIFY(compare->clipLabel(3).contains(QStringLiteral("1000")));
    QCOMPARE(compare->frameCount(), 16);
    QVERIFY(compare->isPlaying());
    compare->pause();
    compare->setZoom(1);
    compare->setCurrentFrame(0);
    const auto pair = window.probeCells().value(QStringLiteral("pair-1000-0"));
    const auto shown = [&](int cell) {
        return compare->shownImage(cell).convertToFormat(QImage::Format_RGB888);
    };
    QCOMPARE(shown(3), pair.frames[0]);
    compare->stepForward();
    QCOMPARE(compare->currentFrame(), 1);
    QCOMPARE(shown(3), pair.frames[1]);
    QCOMPARE(shown(0), layout.original[1]);
    compare->setCurrentFrame(15);
    compare->stepForward();  // loops
    QCOMPARE(compare->currentFrame(), 0);
    compare->play();
    QTRY_VERIFY_WITH_TIMEOUT(compare->currentFrame() > 0, 2000);
    compare->pause();
    compare->setZoom(0);
    QTest::qWait(50);
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-compare.png"), &path));
}

// Cancel during the resamples: the job ends as cancelled within a step, the finished cells stay,
// and the window is ready for the next run.
void TestMainWindow::probeCancel() {
    Settings settings(m_tmp.filePath(QStringLiteral("probe-cancel.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.useExample(2);
    auto* run = window.findChild<QPushButton*>(QStringLiteral("runProbeButton"));
    auto* cancel = window.findChild<QPushButton*>(QStringLiteral("cancelProbeButton"));
    QSignalSpy cells(&engine, &EngineController::probeCell);
    QSignalSpy cancelled(&engine, &EngineController::cancelled);
    QSignalSpy finished(&engine, &EngineController::finished);
    QSignalSpy failed(&engine, &EngineController::failed);
    // 20 steps: a short trunk, and still 55 pairs to cancel.
    window.findChild<QSpinBox*>(QStringLiteral("probeSteps"))->setValue(20);
    QTest::mouseClick(run, Qt::LeftButton);
    const JobId id = window.probeJob();
    QVERIFY(id != 0);
    // The reconstruction: resampling has begun (generous: CI runs this beside other tests).
    QTRY_VERIFY_WITH_TIMEOUT(cells.count() > 0 || !failed.isEmpty() || !finished.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(1).toString()));
    QVERIFY(finished.isEmpty());
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(finished.wait(120000));
    // Within a denoising step (of a batch of runs) or one run's decode and metrics.
    qInfo("cancelled after %lld ms", clock.elapsed());
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.at(0).at(0).value<JobId>(), id);
    QVERIFY(window.probeCells().contains(QStringLiteral("reconstruction")));
    QVERIFY(window.probeCells().size() < 57);
    QVERIFY(run->isEnabled() && !cancel->isEnabled());
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("probeStatus"))
                ->text()
                .startsWith(QStringLiteral("Cancelled")));
    QCOMPARE(engine.activeJobCount(), 0);
}

// Without a video or captions nothing starts; the status says what is missing.
void TestMainWindow::probeNeedsInputs() {
    Settings settings(m_tmp.filePath(QStringLiteral("probe-inputs.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    QCOMPARE(window.startProbe(), JobId(0));
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("probeStatus"))
                ->text()
                .contains(QStringLiteral("reference video")));
    window.setReferenceVideo(QStringLiteral("/nonexistent.mp4"));
    QCOMPARE(window.startProbe(), JobId(0));
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("probeStatus"))
                ->text()
                .contains(QStringLiteral("captions")));
    // A video that cannot be read fails in the window, with the path in the message.
    window.findChild<QLineEdit*>(QStringLiteral("captionEdit"))->setText(u"a red circle"_s);
    window.findChild<QLineEdit*>(QStringLiteral("editedCaptionEdit"))->setText(u"a blue circle"_s);
    QSignalSpy failed(&engine, &EngineController::failed);
    QSignalSpy finished(&engine, &EngineController::finished);
    QVERIFY(window.startProbe() != 0);
    QVERIFY(finished.wait(60000));
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(1).toString().contains(QStringLiteral("/nonexistent.mp4")),
             qPrintable(failed.at(0).at(1).toString()));
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("probeStatus"))
                ->text()
                .startsWith(QStringLiteral("The probe failed")));
}

// A customization from the panel: τ taken from the trade-off tab's spin box, a loss point per
// step for both trainings, the LoRA files written, and the reference, base, τ-LoRA and
// unconstrained samples side by side; a second run can be cancelled during training.
void TestMainWindow::customizeFromPanel() {
    Settings settings(m_tmp.filePath(QStringLiteral("customize.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.useExample(1);
    window.findChild<QSpinBox*>(QStringLiteral("customizationTau"))->setValue(600);
    QCOMPARE(window.findChild<QSpinBox*>(QStringLiteral("customizeTau"))->value(), 600);
    window.findChild<QSpinBox*>(QStringLiteral("customizeSteps"))->setValue(6);
    window.findChild<QSpinBox*>(QStringLiteral("customizeSampleSteps"))->setValue(3);
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    tabs->setCurrentWidget(window.findChild<QWidget*>(QStringLiteral("customizeTab")));
    const auto settingsNow = window.customizeSettings();
    QCOMPARE(settingsNow.tau, 600);
    QCOMPARE(settingsNow.prompt, window.editedCaption());

    QSignalSpy losses(&engine, &EngineController::customizeLoss);
    QSignalSpy samples(&engine, &EngineController::customizeSample);
    QSignalSpy completed(&engine, &EngineController::customizeCompleted);
    QSignalSpy finished(&engine, &EngineController::finished);
    QTest::mouseClick(window.findChild<QPushButton*>(QStringLiteral("runCustomizeButton")),
                      Qt::LeftButton);
    QVERIFY(window.customizeJob() != 0);
    QVERIFY(finished.wait(180000));
    QCOMPARE(completed.count(), 1);
    QCOMPARE(losses.count(), 12);
    auto* curve = window.findChild<LossCurveView*>(QStringLiteral("lossCurve"));
    QCOMPARE(curve->pointCount(0), 6);
    QCOMPARE(curve->pointCount(1), 6);
    QCOMPARE(curve->lastLoss(1), losses.last().at(3).toDouble());
    QStringList labels;
    for (const auto& args : samples)
        labels << args.at(1).toString();
    QCOMPARE(labels, (QStringList{u"reference"_s, u"base"_s, u"LoRA t ≥ 600"_s, u"LoRA always"_s}));
    auto* player = window.findChild<CompareView*>(QStringLiteral("customizeSamples"));
    QCOMPARE(player->clipCount(), 4);
    QCOMPARE(player->frameCount(), 16);
    const QString dir = completed.at(0).at(1).toString();
    QVERIFY(QFile::exists(dir + u"/lora-tau600.safetensors"_s));
    QVERIFY(QFile::exists(dir + u"/lora-unconstrained.safetensors"_s));
    QTest::qWait(50);
    QString path;
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-customize.png"), &path));

    // Cancel during training.
    window.findChild<QSpinBox*>(QStringLiteral("customizeSteps"))->setValue(500);
    losses.clear();
    finished.clear();
    QSignalSpy cancelled(&engine, &EngineController::cancelled);
    const JobId second = window.startCustomize();
    QVERIFY(second != 0);
    QVERIFY(losses.wait(60000));
    window.cancelCustomize();
    QVERIFY(finished.wait(30000));
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.at(0).at(0).value<JobId>(), second);
    QVERIFY(losses.count() < 500);
    QVERIFY(window.findChild<QPushButton*>(QStringLiteral("runCustomizeButton"))->isEnabled());
}

// The scripted mode behind `motionprobe --demo --run probe,customize --screenshots DIR --quit`:
// both jobs run through the window and every view is pictured.
void TestMainWindow::scriptedScreenshots() {
    Settings settings(m_tmp.filePath(QStringLiteral("scripted.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTemporaryDir shots;
    mp::app::ScriptedRun::Options o;
    o.example = 2;
    o.runs = QStringList{u"probe"_s, u"customize"_s};
    o.screenshots = shots.path();
    o.steps = 2;
    o.interval = 500;
    o.trainSteps = 2;
    o.sampleSteps = 2;
    mp::app::ScriptedRun run(&window, &engine, o);
    QSignalSpy done(&run, &mp::app::ScriptedRun::done);
    run.start();
    QVERIFY(done.wait(240000));
    QCOMPARE(done.at(0).at(0).toInt(), 0);
    QStringList names;
    for (const QString& f : run.screenshots()) {
        names << QFileInfo(f).fileName();
        QCOMPARE(QImage(f).size(), window.size() * window.devicePixelRatio());
    }
    QCOMPARE(names, (QStringList{u"probe.png"_s, u"tradeoff.png"_s, u"compare.png"_s,
                                 u"customize.png"_s, u"experiments.png"_s}));
    QVERIFY(window.findChild<CompareView*>(QStringLiteral("compareTab"))->clipCount() == 4);
}

// A probe the CLI recorded in a store shows in the Experiments tab and reopens into the Probe
// and Trade-off views with the CLI's numbers; its runs export as CSV.
void TestMainWindow::experimentsReopen() {
#ifndef MP_CLI_PATH
    QSKIP("built without the CLI");
#else
    QTemporaryDir dir;
    const QString store = dir.filePath(u"store.sqlite"_s);
    QProcess cli;
    cli.start(QStringLiteral(MP_CLI_PATH),
              {u"probe"_s, u"--demo"_s, u"--example"_s, u"3"_s, u"--steps"_s, u"2"_s,
               u"--interval"_s, u"500"_s, u"--out"_s, dir.filePath(u"run"_s), u"--store"_s, store});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    QFile results(dir.filePath(u"run/results.json"_s));
    QVERIFY(results.open(QIODevice::ReadOnly));
    const auto runs = QJsonDocument::fromJson(results.readAll()).object()[u"runs"_s].toArray();

    Settings settings(m_tmp.filePath(QStringLiteral("experiments.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    auto* panel = window.findChild<mp::app::ExperimentsPanel*>(QStringLiteral("experimentsTab"));
    QVERIFY(panel);
    QCOMPARE(panel->storePath(), m_tmp.filePath(QStringLiteral("default.sqlite")));
    QVERIFY(panel->setStorePath(store));
    QCOMPARE(panel->probeCount(), 1);
    QVERIFY(panel->openRow(0));
    QCOMPARE(window.probeCells().size(), 5);
    auto* clip = window.findChild<HeatmapView*>(QStringLiteral("clipHeatmap"));
    QCOMPARE(clip->columnCount(), 2);
    for (const auto& v : runs) {
        const auto o = v.toObject();
        const auto cell = window.probeCells().value(o[u"run"_s].toString());
        QVERIFY(std::abs(cell.clipChange - o[u"clip_change"_s].toDouble()) < 1e-9);
        QVERIFY(std::abs(cell.flowSimilarity - o[u"flow_similarity"_s].toDouble()) < 1e-9);
    }
    QCOMPARE(window.findChild<TradeOffView*>(QStringLiteral("tradeOffView"))->pointCount(), 2);
    const QString csv = dir.filePath(u"runs.csv"_s);
    QVERIFY(panel->exportCsv(0, csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(f.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY(lines[0].startsWith(u"run,tau_start,tau_end,clip_change"_s));
    QVERIFY(!panel->setStorePath(dir.filePath(u"run/results.json"_s)));  // not a store
#endif
}

void TestMainWindow::recentModelDirs_data() {
    QTest::addColumn<QStringList>("added");  // in the order they were opened
    QTest::addColumn<QStringList>("expected");

    const QString a = QStringLiteral("/models/a");
    const QString b = QStringLiteral("/models/b");
    QTest::newRow("most-recent-first") << QStringList{a, b} << QStringList{b, a};
    QTest::newRow("reopen-moves-to-front") << QStringList{a, b, a} << QStringList{a, b};
    QTest::newRow("same-folder-other-spelling")
        << QStringList{a, QStringLiteral("/models/x/../a/")} << QStringList{a};
    QStringList many, newest;
    for (int i = 0; i < Settings::kMaxRecentModelDirs + 3; ++i)
        many << QStringLiteral("/models/m%1").arg(i);
    for (int i = 0; i < Settings::kMaxRecentModelDirs; ++i)
        newest << many[many.size() - 1 - i];
    QTest::newRow("capped") << many << newest;
}

void TestMainWindow::recentModelDirs() {
    QFETCH(QStringList, added);
    QFETCH(QStringList, expected);
    const QString ini = m_tmp.filePath(
        QStringLiteral("recent-%1.ini").arg(QString::fromLatin1(QTest::currentDataTag())));
    {
        Settings settings(ini);
        QSignalSpy changed(&settings, &Settings::recentModelDirsChanged);
        for (const QString& dir : added)
            settings.addRecentModelDir(dir);
        QCOMPARE(settings.recentModelDirs(), expected);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(changed.last().at(0).toStringList(), expected);
    }
    Settings reopened(ini);  // persisted
    QCOMPARE(reopened.recentModelDirs(), expected);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
