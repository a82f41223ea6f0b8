#pragma once
// The probe and customization as the workbench's signals carry them: Qt value types, no torch.
// The worker turns the engine's results into these on the engine thread; the views read nothing
// else.

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <limits>

namespace mp::app {

// What a probe run from the window asks for (the engine's ProbeRequest, by value).
struct ProbeSettings {
    QString modelDir;  // empty: the embedded toy model
    QString video;     // a video file or a folder of frames
    QString caption;   // c
    QString edit;      // c′
    int steps = 50;
    int interval = 100;
    double guidance = 9.0;
    int frames = 0;     // the frames the model runs at, chosen evenly from the video; 0: its own
    QString storePath;  // the experiment store to record into and resume from; empty: none
    // A CLIP model folder for the CLIP-score metric; empty: the toy CLIP on the toy world, no
    // CLIP metric otherwise (as motionprobe-cli probe --scorer).
    QString scorerDir;
};

// The grid, announced before the first evaluation so the views can lay it out.
struct ProbeLayout {
    QVector<int> tauStarts;    // ascending: the heatmaps' rows, bottom to top
    QVector<int> tauEnds;      // ascending: the columns
    int runs = 0;              // pairs, the reconstruction and the full edit
    bool toyWorld = false;     // the oracle's metrics come too
    QVector<QImage> original;  // the reference as the model sees it (its size and frames)
    double fps = 0;
};

// One finished run and its metrics (NaN where a metric does not apply or is undefined).
struct ProbeCell {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    QString run;                     // "reconstruction", "full-edit", "pair-<start>-<end>"
    int tauStart = -1, tauEnd = -1;  // -1 for the reconstruction and the full edit
    double clipChange = kNone;       // CLIP-score change toward c′, the original's subtracted
    double flowSimilarity = kNone;   // to the original
    double appearance = kNone;       // toy world: share of c′'s named attributes the run shows
    double motion = kNone;           // toy world: the oracle's motion similarity to the original
    QVector<QImage> frames;          // the decoded resample
};

// One-shot motion customization from the window (the CLI's `customize`).
struct CustomizeSettings {
    QString modelDir;  // empty: the embedded toy model
    QString video;
    QString caption;
    QString prompt;  // generated with the learnt motion
    QString outDir;  // where the LoRA files go (created)
    int tau = 700;
    QString preset = QStringLiteral("temporal-vo");
    int rank = 4;  // 0: direct tuning
    double alpha = 4;
    int steps = 200;
    double learningRate = 1e-3;
    int sampleSteps = 50;
    double guidance = 9.0;
    int frames = 0;  // the frames it trains and samples at (ProbeSettings::frames)
    quint64 seed = 0;
    bool unconstrained = true;  // also train τ = 0 for comparison
    int previewEvery = 50;      // a sample with the LoRA so far every this many steps; 0: none
    int previewSteps = 10;      // the previews' sampling steps (cheaper than the final samples)
};

// The compare view's clips written as one labelled side-by-side video.
struct ComparisonExport {
    QStringList labels;
    QVector<QVector<QImage>> clips;  // frame index shared; a shorter clip holds its last frame
    double fps = 8;
    QString path;  // .mp4, .webm, .mkv, .gif or a folder for PNG frames
};

}  // namespace mp::app

Q_DECLARE_METATYPE(mp::app::CustomizeSettings)
Q_DECLARE_METATYPE(mp::app::ComparisonExport)
Q_DECLARE_METATYPE(mp::app::ProbeSettings)
Q_DECLARE_METATYPE(mp::app::ProbeLayout)
Q_DECLARE_METATYPE(mp::app::ProbeCell)
