// The workbench's engine jobs driven through the real window on the toy model: a probe from a
// click fills the heatmaps live with the CLI's numbers, the trade-off and compare views follow,
// the probe cancels mid-run, a customization runs from its panel, and the scripted mode pictures
// every view. Slow (each runs the toy pipeline), so apart from the shell's tests.

#include "engine_controller.h"
#include "experiments_panel.h"
#include "main_window.h"
#include "scripted_run.h"
#include "settings.h"

#include "compare_view.h"
#include "heatmap_view.h"
#include "loss_curve_view.h"
#include "tradeoff_view.h"

#include "workbench_test_util.h"

#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using mp::app::EngineController;
using mp::app::JobId;
using mp::app::MainWindow;
using mp::app::ProbeCell;
using mp::app::ProbeLayout;
using mp::app::Settings;
using mp::test::outputDir;
using mp::test::saveScreenshot;
using mp::test::StallMeter;
using mp::widgets::CompareView;
using mp::widgets::HeatmapView;
using mp::widgets::LossCurveView;
using mp::widgets::TradeOffView;
using namespace Qt::StringLiterals;

namespace {

// An exported comparison in a PNG folder: `count` cells side by side with 4-pixel gaps; cell
// `cells[k]` of every frame shows `clips[k]` unchanged below its label band (the top third).
void checkSideBySide(const QString& folder,
                     const QVector<QVector<QImage>>& clips,
                     const QVector<int>& cells,
                     int count) {
    const QStringList files = QDir(folder).entryList({u"*.png"_s}, QDir::Files, QDir::Name);
    QCOMPARE(files.size(), int(clips.first().size()));
    const int w = clips.first().first().width(), h = clips.first().first().height();
    for (int f = 0; f < files.size(); ++f) {
        const QImage frame =
            QImage(folder + u'/' + files[f]).convertToFormat(QImage::Format_RGB888);
        QCOMPARE(frame.size(), QSize(count * w + (count - 1) * 4, h));
        for (int k = 0; k < cells.size(); ++k) {
            const QImage want = clips[k][f].convertToFormat(QImage::Format_RGB888);
            const int x0 = cells[k] * (w + 4);
            for (int y = h / 3; y < h; ++y)
                for (int x = 0; x < w; ++x)
                    if (frame.pixel(x0 + x, y) != want.pixel(x, y))
                        QFAIL(qPrintable(u"frame %1, cell %2 differs at (%3, %4)"_s.arg(f)
                                             .arg(cells[k])
                                             .arg(x)
                                             .arg(y)));
        }
    }
}

// Shows the window on shipped example `n`; its thumbnail strip is read first, so that job has
// ended before a test's spies start.
bool showOnExample(MainWindow& window, int n) {
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return false;
    window.useExample(n);
    QElapsedTimer clock;
    clock.start();
    while (window.previewJob() != 0 && clock.elapsed() < 60000)
        QTest::qWait(20);
    return window.previewJob() == 0 && window.videoThumbnails().size() == 8;
}

}  // namespace

class TestWorkbenchJobs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void probeFillsHeatmapsLive();
    void probeCancel();
    void customizeFromPanel();
    void scriptedScreenshots();
    void closeDuringProbe();

private:
    QTemporaryDir m_tmp;
};

void TestWorkbenchJobs::initTestCase() {
    QVERIFY(mp::test::isolateWorkbench(m_tmp));
}

// A toy probe from a click: the grid appears, cells fill in as runs finish (the reconstruction
// first), the heatmaps hold exactly the values the engine reported and the CLI writes for the
// same probe, and the event loop keeps running while the engine works.
void TestWorkbenchJobs::probeFillsHeatmapsLive() {
    Settings settings(m_tmp.filePath(QStringLiteral("probe.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    QVERIFY(showOnExample(window, 1));
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

    // "Export video…": the four clips side by side as PNG frames (lossless), each cell holding
    // its clip's pixels below the label band.
    QTemporaryDir exported;
    const QString frames = exported.filePath(u"comparison/"_s);
    QSignalSpy written(&engine, &EngineController::comparisonExported);
    QVERIFY(window.exportComparison(frames) != 0);
    QVERIFY(written.wait(60000));
    QCOMPARE(written.at(0).at(2).toInt(), 16);
    checkSideBySide(frames, {layout.original, pair.frames}, {0, 3}, 4);
}

// Cancel during the resamples: the job ends as cancelled within a step, the finished cells stay,
// and the window is ready for the next run.
void TestWorkbenchJobs::probeCancel() {
    Settings settings(m_tmp.filePath(QStringLiteral("probe-cancel.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    QVERIFY(showOnExample(window, 2));
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

// A customization from the panel: τ taken from the trade-off tab's spin box, a loss point per
// step for both trainings, the LoRA files written, and the reference, base, τ-LoRA and
// unconstrained samples side by side; a second run can be cancelled during training.
void TestWorkbenchJobs::customizeFromPanel() {
    Settings settings(m_tmp.filePath(QStringLiteral("customize.ini")));
    EngineController engine;
    MainWindow window(&engine, &settings);
    QVERIFY(showOnExample(window, 1));
    window.findChild<QSpinBox*>(QStringLiteral("customizationTau"))->setValue(600);
    QCOMPARE(window.findChild<QSpinBox*>(QStringLiteral("customizeTau"))->value(), 600);
    window.findChild<QSpinBox*>(QStringLiteral("customizeSteps"))->setValue(6);
    window.findChild<QSpinBox*>(QStringLiteral("customizeSampleSteps"))->setValue(3);
    window.findChild<QSpinBox*>(QStringLiteral("customizePreviewEvery"))->setValue(2);
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    tabs->setCurrentWidget(window.findChild<QWidget*>(QStringLiteral("customizeTab")));
    const auto settingsNow = window.customizeSettings();
    QCOMPARE(settingsNow.tau, 600);
    QCOMPARE(settingsNow.prompt, window.editedCaption());

    QSignalSpy losses(&engine, &EngineController::customizeLoss);
    QSignalSpy samples(&engine, &EngineController::customizeSample);
    QSignalSpy completed(&engine, &EngineController::customizeCompleted);
    QSignalSpy finished(&engine, &EngineController::finished);
    QSignalSpy previews(&engine, &EngineController::customizePreview);
    auto* player = window.findChild<CompareView*>(QStringLiteral("customizeSamples"));
    // While training, the player shows the reference and the latest preview.
    QStringList shownWithFirstPreview;
    connect(&engine, &EngineController::customizePreview, this, [&] {
        if (shownWithFirstPreview.isEmpty())
            for (int i = 0; i < player->clipCount(); ++i)
                shownWithFirstPreview << player->clipLabel(i);
    });
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
    // Previews after steps 2 and 4 of each training (not after the last), in order.
    QCOMPARE(previews.count(), 4);
    QList<QPair<int, int>> previewSteps;
    for (const auto& args : previews) {
        previewSteps << qMakePair(args.at(1).toInt(), args.at(2).toInt());
        QCOMPARE(args.at(3).value<QVector<QImage>>().size(), 16);
    }
    QCOMPARE(previewSteps, (QList<QPair<int, int>>{{0, 2}, {0, 4}, {1, 2}, {1, 4}}));
    QCOMPARE(shownWithFirstPreview, (QStringList{u"reference"_s, u"LoRA t ≥ 600 · step 2"_s}));
    QCOMPARE(player->clipCount(), 4);  // the previews gave way to the samples
    QCOMPARE(player->frameCount(), 16);
    const QString dir = completed.at(0).at(1).toString();
    QVERIFY(QFile::exists(dir + u"/lora-tau600.safetensors"_s));
    QVERIFY(QFile::exists(dir + u"/lora-unconstrained.safetensors"_s));
    QTest::qWait(50);
    QString path;
    QVERIFY(saveScreenshot(window, QStringLiteral("screenshot-customize.png"), &path));

    // The samples exported side by side, as the compare tab's are.
    QTemporaryDir exported;
    QSignalSpy written(&engine, &EngineController::comparisonExported);
    QVERIFY(window.exportComparison(exported.filePath(u"samples/"_s), true) != 0);
    QVERIFY(written.wait(60000));
    QVector<QVector<QImage>> sampleClips;
    for (const auto& args : samples)
        sampleClips << args.at(2).value<QVector<QImage>>();
    checkSideBySide(exported.filePath(u"samples/"_s), sampleClips, {0, 1, 2, 3}, 4);

    // Cancel during training.
    window.findChild<QSpinBox*>(QStringLiteral("customizeSteps"))->setValue(500);
    window.findChild<QSpinBox*>(QStringLiteral("customizePreviewEvery"))->setValue(0);
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

    // At fewer frames than the model's own (the Frames box by the reference, for the probe and
    // the customization alike): the reference and every sample come at that count.
    window.findChild<QSpinBox*>(QStringLiteral("framesSpin"))->setValue(8);
    QCOMPARE(window.customizeSettings().frames, 8);
    QCOMPARE(window.probeSettings().frames, 8);
    window.findChild<QSpinBox*>(QStringLiteral("customizeSteps"))->setValue(2);
    samples.clear();
    finished.clear();
    completed.clear();
    QVERIFY(window.startCustomize() != 0);
    QVERIFY(finished.wait(180000));
    QCOMPARE(completed.count(), 1);
    QCOMPARE(samples.count(), 4);
    for (const auto& args : samples)
        QCOMPARE(args.at(2).value<QVector<QImage>>().size(), 8);
}

// The scripted mode behind `motionprobe --demo --run probe,customize --screenshots DIR --quit`:
// both jobs run through the window and every view is pictured.
void TestWorkbenchJobs::scriptedScreenshots() {
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

// Closing the window while a probe runs cancels it: the job ends as cancelled within a
// denoising step, and the engine (its thread joined) goes down promptly after.
void TestWorkbenchJobs::closeDuringProbe() {
    Settings settings(m_tmp.filePath(QStringLiteral("close.ini")));
    auto engine = std::make_unique<EngineController>();
    auto window = std::make_unique<MainWindow>(engine.get(), &settings);
    QVERIFY(showOnExample(*window, 2));
    window->findChild<QSpinBox*>(QStringLiteral("probeSteps"))->setValue(20);
    QSignalSpy started(engine.get(), &EngineController::probeStarted);
    QSignalSpy cancelled(engine.get(), &EngineController::cancelled);
    const JobId id = window->startProbe();
    QVERIFY(id != 0);
    QVERIFY(started.wait(300000));  // the model is loaded and the inversion under way
    QVERIFY(engine->isActive(id));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(window->close());
    QTRY_VERIFY_WITH_TIMEOUT(!engine->isActive(id), 60000);
    qInfo("the probe stopped %lld ms after the window closed", clock.elapsed());
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.at(0).at(0).value<JobId>(), id);
    window.reset();
    clock.restart();
    engine.reset();  // joins the engine thread
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
}

QTEST_MAIN(TestWorkbenchJobs)
#include "tst_workbench_jobs.moc"
