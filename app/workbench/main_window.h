#pragma once
// The workbench window, with the regions the product will have: the inputs dock on the left
// (model, reference video, captions), the Probe / Trade-off / Compare / Customize / Experiments
// tabs in the centre, and the jobs and log dock at the bottom.

#include "job_id.h"
#include "model_summary.h"
#include "probe_types.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;

namespace mp::widgets {
class CompareView;
class HeatmapView;
class LossCurveView;
class TradeOffView;
}  // namespace mp::widgets

namespace mp::app {

class EngineController;
class ModelPanel;
class Settings;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // Neither engine nor settings is owned; both must outlive the window.
    MainWindow(EngineController* engine, Settings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Inspects the folder on the engine thread and shows the result when it arrives; a request
    // still running for an earlier folder is cancelled.
    JobId openModelFolder(const QString& dir);
    // Shows an inspected model in the model section and the status bar.
    void showModel(const ModelSummary& summary);
    const ModelSummary& currentModel() const { return m_model; }

    QString caption() const;
    QString editedCaption() const;
    QString referenceVideo() const;
    // Sets the reference (a file or a frame folder) and reads its thumbnail strip on the engine
    // thread; a drop of a video file or folder on the window, Open… and Recent do the same.
    void setReferenceVideo(const QString& path);
    // The thumbnails the strip shows now (empty until the engine has read them).
    const QVector<QImage>& videoThumbnails() const { return m_thumbnails; }
    JobId previewJob() const { return m_previewJob; }  // 0: the strip is not being read
    // Fills the video and both captions from a shipped toy example (its object edit as c′).
    void useExample(int index);

    // The probe settings the window's controls describe.
    ProbeSettings probeSettings() const;
    // Starts a probe of the reference with the captions; 0 (and a message in the status bar)
    // when something is missing or one is running already.
    JobId startProbe();
    void cancelProbe();
    JobId probeJob() const { return m_probeJob; }
    // The runs the current probe has finished, by name.
    const QHash<QString, ProbeCell>& probeCells() const { return m_probeCells; }
    // Shows the original, the reconstruction, the full edit and the pair's resample in the
    // compare view and switches to it; false when that pair has not finished.
    bool comparePair(int tauStart, int tauEnd);
    // Shows a recorded probe (from the Experiments tab) in the Probe and Trade-off views.
    void showStoredProbe(const ProbeLayout& layout,
                         const QVector<ProbeCell>& cells,
                         const QString& description);
    // The τ customization will use: the trade-off view's marker or the typed value.
    int customizationTau() const;

    // The customize tab's settings (τ from the trade-off tab); starts a customization: the
    // LoRA files go to a new folder under the app's data folder. 0 when inputs are missing or
    // one is running.
    CustomizeSettings customizeSettings() const;
    JobId startCustomize();
    void cancelCustomize();
    JobId customizeJob() const { return m_customizeJob; }

    // Writes the compare tab's clips (or the customize tab's samples) side by side as one video
    // on the engine thread; 0 when the view holds nothing.
    JobId exportComparison(const QString& path, bool customizeSamples = false);
    // Saves the probe views' plots (the heatmaps shown and the trade-off curve) as
    // `<dir>/<name>-clip.<suffix>`, `-flow`, `-appearance`, `-motion`, `-tradeoff` for
    // base = `<dir>/<name>.<suffix>` (png, svg, pdf); the files written, empty on failure (the
    // reason in the status bar).
    QStringList exportPlots(const QString& base);

    void chooseModelFolder();  // the "Open model folder…" dialog
    void appendLog(const QString& line);

private:
    void createActions();
    void createInputsDock();
    void createJobsDock();
    void createTabs();
    void createStatusBar();
    void connectEngine();
    void rebuildRecentMenu();
    void rebuildRecentVideosMenu();
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void showAbout();
    void onModelInspected(JobId id, const ModelSummary& summary);
    void labelPresets(const QString& family);
    void onProbeStarted(JobId id, const ProbeLayout& layout);
    void onProbeCell(JobId id, const ProbeCell& cell);
    void onProbeCompleted(JobId id, int evaluations, double seconds);
    void refreshHeatmaps();
    void refreshTradeOff();
    void createCustomizeTab();
    void showCustomizeSamples();
    void chooseExportFile(bool customizeSamples);
    void setProbeRunning(bool running);
    void onJobFailed(JobId id, const QString& message);
    void onJobCancelled(JobId id);
    void onProgress(JobId id, int done, int total);
    void onJobFinished(JobId id);

    EngineController* m_engine = nullptr;
    Settings* m_settings = nullptr;

    QTabWidget* m_tabs = nullptr;
    ModelPanel* m_modelPanel = nullptr;
    QLineEdit* m_caption = nullptr;
    QLineEdit* m_editedCaption = nullptr;
    QLineEdit* m_videoPath = nullptr;
    QComboBox* m_examples = nullptr;
    QLineEdit* m_scorerPath = nullptr;
    QMenu* m_recentVideosMenu = nullptr;
    QLabel* m_thumbnailStrip = nullptr;
    QLabel* m_videoInfo = nullptr;
    QVector<QImage> m_thumbnails;
    JobId m_previewJob = 0;
    QSpinBox* m_steps = nullptr;
    QComboBox* m_interval = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QSpinBox* m_frames = nullptr;   // 0: the model's own count
    double m_familyGuidance = 9.0;  // the shown model family's default guidance
    QPushButton* m_runProbe = nullptr;
    QPushButton* m_cancelProbe = nullptr;
    QLabel* m_probeStatus = nullptr;
    widgets::HeatmapView* m_clipHeatmap = nullptr;
    widgets::HeatmapView* m_flowHeatmap = nullptr;
    widgets::HeatmapView* m_appearanceHeatmap = nullptr;  // the oracle's, on the toy world
    widgets::HeatmapView* m_motionHeatmap = nullptr;
    widgets::CompareView* m_compare = nullptr;
    widgets::TradeOffView* m_tradeOff = nullptr;
    QLabel* m_tradeOffText = nullptr;
    QSpinBox* m_customizationTau = nullptr;
    QLineEdit* m_customizePrompt = nullptr;
    QComboBox* m_customizePreset = nullptr;
    QSpinBox* m_customizeRank = nullptr;
    QDoubleSpinBox* m_customizeAlpha = nullptr;
    QSpinBox* m_customizeSteps = nullptr;
    QDoubleSpinBox* m_customizeLr = nullptr;
    QSpinBox* m_customizeSampleSteps = nullptr;
    QCheckBox* m_customizeUnconstrained = nullptr;
    QSpinBox* m_customizePreviewEvery = nullptr;
    QSpinBox* m_customizeSeed = nullptr;
    QPushButton* m_runCustomize = nullptr;
    QPushButton* m_cancelCustomize = nullptr;
    QLabel* m_customizeStatus = nullptr;
    widgets::LossCurveView* m_loss = nullptr;
    widgets::CompareView* m_samples = nullptr;
    JobId m_customizeJob = 0;
    // The customize player: the reference and the final samples in order, and while training
    // the latest preview of each training (0: τ, 1: τ = 0).
    QStringList m_sampleLabels;
    QVector<QVector<QImage>> m_sampleFrames;
    double m_sampleFps = 8;
    QStringList m_previewLabels;
    QVector<QVector<QImage>> m_previewFrames;
    QElapsedTimer m_customizeClock;
    int m_customizeTrainings = 1;
    JobId m_exportJob = 0;
    QPlainTextEdit* m_log = nullptr;
    QLabel* m_modelStatus = nullptr;
    QProgressBar* m_jobProgress = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_recentMenu = nullptr;

    ModelSummary m_model;
    JobId m_inspectJob = 0;  // 0: none running
    QString m_inspectDir;
    JobId m_probeJob = 0;  // 0: none running
    ProbeLayout m_probeLayout;
    QHash<QString, ProbeCell> m_probeCells;
};

}  // namespace mp::app
