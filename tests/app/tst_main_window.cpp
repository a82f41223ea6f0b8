// The workbench shell: the main window's regions (and a screenshot of them), the heatmap widget,
// model inspection through EngineController on the engine thread, showing the result, settings,
// cancellation seen from the worker thread, and the experiments store. The long engine jobs
// (probe, customize, scripted mode) are in tst_workbench_jobs. Model folders are written here into
// temporary folders: configs plus hand-written one-tensor safetensors files.

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
#include "store/store.h"
#include "workbench_test_util.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
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
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QUrl>

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
using mp::test::outputDir;
using mp::test::saveScreenshot;
using mp::widgets::CompareView;
using mp::widgets::HeatmapView;
using mp::widgets::LossCurveView;
using mp::widgets::TradeOffView;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 10000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

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

    void probeNeedsInputs();
    void experimentsReopen();

    void recentModelDirs_data();
    void recentModelDirs();
    void referenceVideoInputs();
    void layoutFits_data();
    void layoutFits();
    void presetLabelsFollowFamily_data();
    void presetLabelsFollowFamily();
    void lossTicksSpread_data();
    void lossTicksSpread();

private:
    QTemporaryDir m_tmp;
};

void TestMainWindow::initTestCase() {
    QVERIFY(mp::test::isolateWorkbench(m_tmp));
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
    // Family, size and the device the engine would use.
    QCOMPARE(status->text(), QStringLiteral("Model: modelscope · 444 parameters · cpu fp32"));
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
    QCOMPARE(status->text(),
             QStringLiteral("Model: toy (modelscope architecture) · 1.2 M parameters"));

    // The probe's guidance follows the family's default (ModelScope 9, Latte 7.5) until the user
    // sets another value, which then stays.
    auto* guidance = window.findChild<QDoubleSpinBox*>(QStringLiteral("probeGuidance"));
    QVERIFY(guidance);
    QCOMPARE(guidance->value(), 9.0);
    manual.family = QStringLiteral("latte");
    window.showModel(manual);
    QCOMPARE(guidance->value(), 7.5);
    // A toy model of another architecture takes that family's default too.
    manual.family = QStringLiteral("toy (cogvideox (2b) architecture)");
    window.showModel(manual);
    QCOMPARE(guidance->value(), 6.0);
    manual.family = QStringLiteral("toy (latte architecture)");
    window.showModel(manual);
    QCOMPARE(guidance->value(), 7.5);
    guidance->setValue(5.0);
    manual.family = QStringLiteral("modelscope");
    window.showModel(manual);
    QCOMPARE(guidance->value(), 5.0);
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
    // The thumbnail strip cannot be read either, and says so.
    QTRY_COMPARE_WITH_TIMEOUT(window.previewJob(), JobId(0), 30000);
    QVERIFY(window.videoThumbnails().isEmpty());
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("videoInfo"))
                ->text()
                .contains(QStringLiteral("/nonexistent.mp4")));
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

// A probe the CLI recorded in a store shows in the Experiments tab and reopens into the Probe
// and Trade-off views with the CLI's numbers; its runs export as CSV.
void TestMainWindow::experimentsReopen() {
#ifndef MP_CLI_PATH
    QSKIP("built without the CLI");
#else
    QTemporaryDir dir;
    const QString store = dir.filePath(u"store.sqlite"_s);
    // Two probes of one example (different step counts: different probes) recorded by the CLI.
    QVector<QJsonArray> runsOf;
    for (const char* steps : {"2", "3"}) {
        const QString out = dir.filePath(u"run-%1"_s.arg(QLatin1String(steps)));
        QProcess cli;
        cli.start(QStringLiteral(MP_CLI_PATH), {u"probe"_s, u"--demo"_s, u"--example"_s, u"3"_s,
                                                u"--steps"_s, QLatin1String(steps), u"--interval"_s,
                                                u"500"_s, u"--out"_s, out, u"--store"_s, store});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QFile results(out + u"/results.json"_s);
        QVERIFY(results.open(QIODevice::ReadOnly));
        runsOf << QJsonDocument::fromJson(results.readAll()).object()[u"runs"_s].toArray();
    }

    Settings settings(m_tmp.filePath(QStringLiteral("experiments.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    auto* panel = window.findChild<mp::app::ExperimentsPanel*>(QStringLiteral("experimentsTab"));
    QVERIFY(panel);
    QCOMPARE(panel->storePath(), m_tmp.filePath(QStringLiteral("default.sqlite")));
    QVERIFY(panel->setStorePath(store));
    QCOMPARE(panel->probeCount(), 2);
    QCOMPARE(panel->benchmarkCount(), 0);
    {
        // A customization benchmark in the same store (bench customize writes these): listed
        // with its dataset, model and finished videos, and its tables shown when selected.
        auto db = mp::store::ExperimentStore::open(store.toStdString());
        const auto b = db.benchmark(
            mp::store::BenchmarkKind::Customize,
            R"({"benchmark":"customize","dataset":"toy-tgve","model":"toy/t2v","tables":[)"
            R"j({"name":"tau","title":"Timestep range (Table 1)","rows":[)j"
            R"({"label":"base model","variant":"base"},{"label":"τ = 700","variant":"tau700"}]}]})");
        // Put out of the dataset's order: the report sorts by CSV row.
        db.putBenchmarkVideo(mp::store::BenchmarkKind::Customize, b.id, "clip-b",
                             R"({"row":7,"video":"clip-b","caption":"b moves","seconds":2,)"
                             R"("samples":[{"variant":"tau700","metrics":{"clip_text":34,)"
                             R"("oracle/colour":0}}]})");
        db.putBenchmarkVideo(mp::store::BenchmarkKind::Customize, b.id, "clip-a",
                             R"({"row":3,"video":"clip-a","caption":"a moves","seconds":1,)"
                             R"("samples":[{"variant":"tau700","metrics":{"clip_text":30,)"
                             R"("oracle/colour":1}},{"variant":"base",)"
                             R"("metrics":{"clip_text":20}}]})");
        db.benchmark(mp::store::BenchmarkKind::Customize,
                     R"({"benchmark":"customize","dataset":"empty","model":"toy/t2v"})");
    }
    QVERIFY(panel->refresh());
    QCOMPARE(panel->probeCount(), 2);
    QCOMPARE(panel->benchmarkCount(), 2);
    // Newest first; both were created within the same second, so the later id leads.
    QCOMPARE(panel->benchmarkText(0, mp::app::ExperimentsPanel::BenchmarkDatasetColumn),
             u"empty"_s);
    QCOMPARE(panel->benchmarkText(0, mp::app::ExperimentsPanel::BenchmarkVideosColumn), u"0"_s);
    QCOMPARE(panel->benchmarkText(1, mp::app::ExperimentsPanel::BenchmarkDatasetColumn),
             u"toy-tgve"_s);
    QCOMPARE(panel->benchmarkText(1, mp::app::ExperimentsPanel::BenchmarkModelColumn),
             u"toy/t2v"_s);
    QCOMPARE(panel->benchmarkText(1, mp::app::ExperimentsPanel::BenchmarkVideosColumn), u"2"_s);
    // The newest is shown without a click.
    QVERIFY(panel->benchmarkReportText().contains(u"no finished video yet"_s));
    QVERIFY(panel->showBenchmark(0));
    QVERIFY(panel->benchmarkReportText().contains(u"no finished video yet"_s));
    QVERIFY(panel->showBenchmark(1));
    {
        // The paper-shaped table: per variant the mean over every sample with its 95% interval
        // (τ = 700: 30 and 34 → 32 ± 1.96·2.828/√2 = 32 ± 3.92; the oracle's verdicts 1 and 0 →
        // 0.5 with Wilson's interval), a variant without a metric shown as "–", the videos in CSV
        // order.
        const auto report = panel->benchmarkReportText();
        QVERIFY2(report.contains(u"Timestep range (Table 1)"_s), qPrintable(report));
        QVERIFY2(report.contains(u"32 [28.08, 35.92]"_s), qPrintable(report));
        QVERIFY2(report.contains(u"0.5 [0.09453, 0.9055]"_s), qPrintable(report));
        QVERIFY2(report.contains(u"20 [20, 20]"_s), qPrintable(report));
        QVERIFY(report.contains(u"–"_s));
        QVERIFY(report.indexOf(u"clip-a"_s) < report.indexOf(u"clip-b"_s));
    }
    QVERIFY(!panel->showBenchmark(2));
    QVERIFY(!panel->openBenchmark(1));  // a customization benchmark has no heatmaps
    {
        // A dataset probe (bench probe --dataset writes these): listed as a probe with its
        // videos, its runs averaged over them shown and opened into the views.
        auto db = mp::store::ExperimentStore::open(store.toStdString());
        const auto b = db.benchmark(
            mp::store::BenchmarkKind::Probe,
            R"({"benchmark":"probe","dataset":"toy-tgve","model":"toy/t2v","interval":400})");
        const auto video = [](const char* name, double clip, const char* flow, bool shape,
                              double motion) {
            return std::string(R"({"entry":{"row":1,"video":")") + name +
                   R"("},"results":{"runs":[{"run":"reconstruction","clip_change":0},)" +
                   R"({"run":"pair-800-0","tau_start":800,"tau_end":0,"clip_change":)" +
                   std::to_string(clip) + R"(,"flow_similarity":)" + flow +
                   R"(,"oracle":{"colour":true,"shape":)" + (shape ? "true" : "false") +
                   R"(,"motion_similarity":)" + std::to_string(motion) + "}}]}}";
        };
        db.putBenchmarkVideo(mp::store::BenchmarkKind::Probe, b.id, "clip-a",
                             video("clip-a", 0.2, "0.5", false, 0.9));
        db.putBenchmarkVideo(mp::store::BenchmarkKind::Probe, b.id, "clip-b",
                             video("clip-b", 0.4, "null", true, 0.7));
    }
    QVERIFY(panel->refresh());
    QCOMPARE(panel->benchmarkCount(), 3);
    // All three were made within one second: find the probe by its kind.
    int probeRow = -1;
    for (int r = 0; r < 3; ++r)
        if (panel->benchmarkText(r, mp::app::ExperimentsPanel::BenchmarkKindColumn) == u"probe"_s)
            probeRow = r;
    QVERIFY(probeRow >= 0);
    QCOMPARE(panel->benchmarkText(probeRow, mp::app::ExperimentsPanel::BenchmarkVideosColumn),
             u"2"_s);
    QCOMPARE(
        panel->benchmarkText((probeRow + 1) % 3, mp::app::ExperimentsPanel::BenchmarkKindColumn),
        u"customization"_s);
    QVERIFY(panel->showBenchmark(probeRow));
    QVERIFY2(panel->benchmarkReportText().contains(u"over 2 finished videos"_s),
             qPrintable(panel->benchmarkReportText()));
    QVERIFY(panel->openBenchmark(probeRow));
    {
        // Means over the videos: CLIP 0.2 and 0.4; the flow only where a video has it; the
        // oracle's appearance share (colour and shape named) 0.5 and 1.
        QCOMPARE(window.probeCells().size(), 2);
        const auto cell = window.probeCells().value(u"pair-800-0"_s);
        QVERIFY(std::abs(cell.clipChange - 0.3) < 1e-9);
        QVERIFY(std::abs(cell.flowSimilarity - 0.5) < 1e-9);
        QVERIFY(std::abs(cell.appearance - 0.75) < 1e-9);
        QVERIFY(std::abs(cell.motion - 0.8) < 1e-9);
        QCOMPARE(cell.tauStart, 800);
    }
    // Newest first: row 0 is the 3-step probe, row 1 the 2-step one.
    QVERIFY(panel->openRow(1));
    QCOMPARE(window.probeCells().size(), 5);
    auto* clip = window.findChild<HeatmapView*>(QStringLiteral("clipHeatmap"));
    QCOMPARE(clip->columnCount(), 2);
    for (const auto& v : runsOf[0]) {
        const auto o = v.toObject();
        const auto cell = window.probeCells().value(o[u"run"_s].toString());
        QVERIFY(std::abs(cell.clipChange - o[u"clip_change"_s].toDouble()) < 1e-9);
        QVERIFY(std::abs(cell.flowSimilarity - o[u"flow_similarity"_s].toDouble()) < 1e-9);
    }
    QCOMPARE(window.findChild<TradeOffView*>(QStringLiteral("tradeOffView"))->pointCount(), 2);

    // Exports: CSV and JSON hold every run; the plots in all three formats.
    const QString csv = dir.filePath(u"runs.csv"_s);
    QVERIFY(panel->exportCsv(1, csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(f.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY(lines[0].startsWith(u"run,tau_start,tau_end,clip_change"_s));
    const QString json = dir.filePath(u"probe.json"_s);
    QVERIFY(panel->exportJson(1, json));
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(jf.readAll()).object();
    QCOMPARE(doc[u"probe"_s][u"params"_s][u"steps"_s].toInt(), 2);
    QCOMPARE(doc[u"runs"_s].toArray().size(), 5);
    for (const auto& v : doc[u"runs"_s].toArray())
        if (v[u"run"_s].toString() == u"pair-1000-0"_s)
            QCOMPARE(v[u"tau_start"_s].toInt(), 1000);
    const QHash<QString, QByteArray> magic{{u"png"_s, QByteArray("\x89PNG")},
                                           {u"svg"_s, QByteArray("<?xml")},
                                           {u"pdf"_s, QByteArray("%PDF")}};
    for (const QString& format : {u"png"_s, u"svg"_s, u"pdf"_s}) {
        QSignalSpy opened(panel, &mp::app::ExperimentsPanel::probeOpened);
        QVERIFY(panel->exportPlots(1, dir.filePath(u"plots/probe."_s + format)));
        QCOMPARE(opened.count(), 1);
        for (const char* view : {"clip", "flow", "appearance", "motion", "tradeoff"}) {
            QFile plot(dir.filePath(u"plots/probe-%1.%2"_s.arg(QLatin1String(view), format)));
            QVERIFY2(plot.open(QIODevice::ReadOnly), qPrintable(plot.fileName()));
            const QByteArray head = plot.read(5);
            QVERIFY2(head.startsWith(magic[format]), qPrintable(plot.fileName()));
            QVERIFY(plot.size() > 500);
        }
    }
    QVERIFY(window.exportPlots(dir.filePath(u"plots/bad.txt"_s)).isEmpty());  // not a plot format

    // Filter: by caption text, by status, and nothing.
    panel->setFilter(u"steps"_s);
    QCOMPARE(panel->visibleProbeCount(), 0);
    panel->setFilter(u"FINISHED"_s);
    QCOMPARE(panel->visibleProbeCount(), 2);
    panel->setFilter(QString());
    QCOMPARE(panel->visibleProbeCount(), 2);

    // Compare: every run in common, the differences B − A of the CLI's numbers.
    QDialog* comparison = panel->compareRows(1, 0);
    QVERIFY(comparison);
    auto* table = comparison->findChild<QTableWidget*>(QStringLiteral("comparisonTable"));
    QCOMPARE(table->rowCount(), 5);
    QHash<QString, QJsonObject> a, b;
    for (const auto& v : runsOf[0])
        a.insert(v[u"run"_s].toString(), v.toObject());
    for (const auto& v : runsOf[1])
        b.insert(v[u"run"_s].toString(), v.toObject());
    for (int r = 0; r < table->rowCount(); ++r) {
        const QString run = table->item(r, 0)->text();
        const double want =
            b[run][u"flow_similarity"_s].toDouble() - a[run][u"flow_similarity"_s].toDouble();
        QVERIFY2(
            std::abs(table->item(r, 6)->text().toDouble() - want) <= 1e-3 * (1 + std::abs(want)),
            qPrintable(run));
    }
    QVERIFY(comparison->findChild<QLabel*>(QStringLiteral("comparisonSummary"))
                ->text()
                .contains(u"Suggested τ"_s));
    delete comparison;

    // Delete: the row and its runs go; the store says so after reopening.
    QVERIFY(panel->removeRow(0));
    QCOMPARE(panel->probeCount(), 1);
    QVERIFY(panel->setStorePath(store));
    QCOMPARE(panel->probeCount(), 1);
    QVERIFY(!panel->removeRow(5));
    QVERIFY(!panel->setStorePath(dir.filePath(u"run-2/results.json"_s)));  // not a store
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

// The reference video from a drop, a typed path or the Recent menu: the path is set, the
// thumbnail strip and the decoder's summary appear, the video joins the recent list; a drop of
// something that is not a video is refused.
void TestMainWindow::referenceVideoInputs() {
    Settings settings(m_tmp.filePath(QStringLiteral("videos.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.useExample(0);
    const QString first = QDir::fromNativeSeparators(window.referenceVideo());
    window.useExample(1);
    const QString second = QDir::fromNativeSeparators(window.referenceVideo());
    QTRY_COMPARE_WITH_TIMEOUT(window.previewJob(), JobId(0), 60000);
    QVERIFY(first != second);

    const auto drop = [&](const QString& path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QCoreApplication::sendEvent(&window, &enter);
        if (!enter.isAccepted())
            return false;
        QDropEvent dropped(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QCoreApplication::sendEvent(&window, &dropped);
        return dropped.isAccepted();
    };
    QVERIFY(drop(first));
    QCOMPARE(QDir::fromNativeSeparators(window.referenceVideo()), first);
    QTRY_COMPARE_WITH_TIMEOUT(window.previewJob(), JobId(0), 60000);
    QCOMPARE(window.videoThumbnails().size(), 8);
    QVERIFY(!window.findChild<QLabel*>(QStringLiteral("videoThumbnails"))->pixmap().isNull());
    QVERIFY2(
        window.findChild<QLabel*>(QStringLiteral("videoInfo"))->text().startsWith(u"16 frames"_s),
        qPrintable(window.findChild<QLabel*>(QStringLiteral("videoInfo"))->text()));
    QCOMPARE(settings.recentVideos(), QStringList{first});

    // Not a video: refused, the reference unchanged.
    const QString text = m_tmp.filePath(u"notes.txt"_s);
    QFile notes(text);
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.close();
    QVERIFY(!drop(text));
    QCOMPARE(QDir::fromNativeSeparators(window.referenceVideo()), first);

    // The Recent menu lists the videos used, newest first, and sets one.
    settings.addRecentVideo(second);
    auto* menu = window.findChild<QMenu*>(QStringLiteral("recentVideosMenu"));
    QVERIFY(menu && menu->isEnabled());
    QCOMPARE(menu->actions().size(), 4);  // two videos, a separator, "Clear list"
    menu->actions().at(1)->trigger();
    QCOMPARE(QDir::fromNativeSeparators(window.referenceVideo()), first);
    QTRY_COMPARE_WITH_TIMEOUT(window.previewJob(), JobId(0), 60000);
    menu->actions().at(3)->trigger();
    QVERIFY(settings.recentVideos().isEmpty());
    QVERIFY(!menu->isEnabled());
}

void TestMainWindow::layoutFits_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("1280x800") << QSize(1280, 800);
    QTest::newRow("1920x1080 (4K at 200%)") << QSize(1920, 1080);
    QTest::newRow("3840x2160 (4K at 100%)") << QSize(3840, 2160);
}

// At each size every tab lays out without squeezing a control below its minimum size (a cut
// label, a clipped button) and with the window's minimum inside the screen; a screenshot of
// each tab is kept.
void TestMainWindow::layoutFits() {
    QFETCH(QSize, size);
    Settings settings(m_tmp.filePath(QStringLiteral("layout.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    // What needs the room, should the minimum be too large: each tab's and dock's minimum.
    QString parts;
    for (int t = 0; t < tabs->count(); ++t)
        parts += u" %1 %2x%3"_s.arg(tabs->widget(t)->objectName())
                     .arg(tabs->widget(t)->minimumSizeHint().width())
                     .arg(tabs->widget(t)->minimumSizeHint().height());
    for (auto* dock : window.findChildren<QDockWidget*>())
        parts += u" %1 %2x%3"_s.arg(dock->objectName())
                     .arg(dock->minimumSizeHint().width())
                     .arg(dock->minimumSizeHint().height());
    QVERIFY2(window.minimumSizeHint().width() <= 1280 && window.minimumSizeHint().height() <= 800,
             qPrintable(u"minimum %1x%2:%3"_s.arg(window.minimumSizeHint().width())
                            .arg(window.minimumSizeHint().height())
                            .arg(parts)));
    for (int t = 0; t < tabs->count(); ++t) {
        tabs->setCurrentIndex(t);
        QTest::qWait(20);
        for (QWidget* w : window.findChildren<QWidget*>()) {
            const bool control =
                qobject_cast<QAbstractButton*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
                qobject_cast<QComboBox*>(w) || qobject_cast<QLineEdit*>(w) ||
                (qobject_cast<QLabel*>(w) && !qobject_cast<QLabel*>(w)->wordWrap());
            // Qt's own parts (a spin box's line edit, a dock's title buttons) are sized by their
            // owners.
            const bool internal = w->objectName().startsWith(u"qt_"_s) ||
                                  qobject_cast<QAbstractSpinBox*>(w->parentWidget()) ||
                                  qobject_cast<QComboBox*>(w->parentWidget());
            if (!control || internal || !w->isVisibleTo(&window) || !w->isVisible())
                continue;
            const QSize min = w->minimumSizeHint();
            QVERIFY2(w->width() >= min.width() - 1 && w->height() >= min.height() - 1,
                     qPrintable(u"%1 tab: %2 '%3' is %4x%5, needs %6x%7"_s
                                    .arg(tabs->widget(t)->objectName(),
                                         QString::fromLatin1(w->metaObject()->className()),
                                         w->objectName())
                                    .arg(w->width())
                                    .arg(w->height())
                                    .arg(min.width())
                                    .arg(min.height())));
        }
        QString path;
        QVERIFY(saveScreenshot(window,
                               u"layout-%1x%2-%3.png"_s.arg(size.width())
                                   .arg(size.height())
                                   .arg(tabs->widget(t)->objectName()),
                               &path));
    }
}

// The Customize tab names the layer presets as the family has them: CogVideoX's attention is
// joint, so "temporal" would name layers it does not have. The values passed to the engine stay.
void TestMainWindow::presetLabelsFollowFamily_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QStringList>("labels");
    QTest::addColumn<QString>("firstTip");  // a word the first preset's tooltip must hold
    const QStringList temporal{QStringLiteral("temporal V/O"), QStringLiteral("temporal Q/K/V/O"),
                               QStringLiteral("all attention")};
    QTest::newRow("modelscope") << QStringLiteral("modelscope") << temporal
                                << QStringLiteral("temp_attentions");
    QTest::newRow("toy") << QStringLiteral("toy (modelscope architecture)") << temporal
                         << QStringLiteral("transformer_in");
    QTest::newRow("latte") << QStringLiteral("latte") << temporal
                           << QStringLiteral("temporal_transformer_blocks");
    QTest::newRow("toy latte") << QStringLiteral("toy (latte architecture)") << temporal
                               << QStringLiteral("temporal_transformer_blocks");
    QTest::newRow("toy cogvideox")
        << QStringLiteral("toy (cogvideox (2b) architecture)")
        << QStringList{QStringLiteral("joint attention V/O"),
                       QStringLiteral("joint attention Q/K/V/O"), QStringLiteral("all attention")}
        << QStringLiteral("joint attention");
    QTest::newRow("cogvideox 5b") << QStringLiteral("cogvideox (5b)")
                                  << QStringList{QStringLiteral("joint attention V/O"),
                                                 QStringLiteral("joint attention Q/K/V/O"),
                                                 QStringLiteral("all attention")}
                                  << QStringLiteral("joint attention");
}

void TestMainWindow::presetLabelsFollowFamily() {
    QFETCH(QString, family);
    QFETCH(QStringList, labels);
    QFETCH(QString, firstTip);
    Settings settings(m_tmp.filePath(QStringLiteral("presets.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    auto* preset = window.findChild<QComboBox*>(QStringLiteral("customizePreset"));
    QVERIFY(preset);
    ModelSummary summary;
    summary.root = m_tmp.filePath(QStringLiteral("no-such-model"));
    // From a CogVideoX model back to this family: the labels follow the last one shown.
    summary.family = QStringLiteral("cogvideox (2b)");
    window.showModel(summary);
    summary.family = family;
    window.showModel(summary);
    QStringList shown;
    for (int i = 0; i < preset->count(); ++i)
        shown << preset->itemText(i);
    QCOMPARE(shown, labels);
    QCOMPARE(preset->itemData(0).toString(), QStringLiteral("temporal-vo"));
    QCOMPARE(preset->itemData(2).toString(), QStringLiteral("all-attention"));
    QVERIFY2(preset->itemData(0, Qt::ToolTipRole).toString().contains(firstTip),
             qPrintable(preset->itemData(0, Qt::ToolTipRole).toString()));
}

// A training loss spans less than a decade; its log axis gets ticks at 1, 2 and 5 × 10^k, not
// evenly spaced ones that crowd at the top.
void TestMainWindow::lossTicksSpread_data() {
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::addColumn<QList<double>>("ticks");
    QTest::newRow("0.02 to 0.15") << 0.02 << 0.15 << QList<double>{0.02, 0.05, 0.1};
    QTest::newRow("0.3 to 2.5") << 0.3 << 2.5 << QList<double>{0.5, 1, 2};
    QTest::newRow("four decades") << 1e-4 << 1.0 << QList<double>{1e-4, 1e-3, 1e-2, 0.1, 1};
}

void TestMainWindow::lossTicksSpread() {
    QFETCH(double, low);
    QFETCH(double, high);
    QFETCH(QList<double>, ticks);
    LossCurveView curve;
    curve.resize(400, 300);
    curve.setSeries({QStringLiteral("loss")});
    curve.addPoint(0, 1, high);
    curve.addPoint(0, 2, low);
    curve.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const auto drawn = curve.plot()->yAxis->tickVector();
    QList<double> inRange;
    for (const double t : drawn)
        if (t >= low * (1 - 1e-9) && t <= high * (1 + 1e-9))
            inRange << t;
    QCOMPARE(inRange.size(), ticks.size());
    for (int i = 0; i < ticks.size(); ++i)
        QVERIFY2(
            std::abs(inRange[i] / ticks[i] - 1) < 1e-9,
            qPrintable(
                QStringLiteral("tick %1: %2, expected %3").arg(i).arg(inRange[i]).arg(ticks[i])));
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
