#pragma once
// What the GUI shows about a model folder: Qt value types copied out of the engine's SnapshotInfo
// on the engine thread, so signals carry plain data and no engine type reaches a widget.

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace mp {
struct SnapshotInfo;
}

namespace mp::app {

struct ComponentSummary {
    QString name;       // folder name: "unet", "text_encoder", ...
    QString className;  // "UNet3DConditionModel"
    QString kind;       // "denoiser", "vae", "text-encoder", "tokenizer", "scheduler", ...
    bool hasWeights = false;
    qint64 parameterCount = 0;
    QString dtypes;       // "F32", or "BF16 1.2 B, F32 3.4 M" when mixed
    QString weightsFile;  // relative to the model root; empty without weights

    friend bool operator==(const ComponentSummary&, const ComponentSummary&) = default;
};

struct ModelSummary {
    QString root;
    QString family;         // "modelscope", "cogvideox (5b)", "toy (modelscope architecture)"
    QString pipelineClass;  // model_index.json's _class_name; empty for a single component
    QString device;         // where the engine would run it: "cpu fp32", "cuda:0 bf16"
    QList<ComponentSummary> components;
    QStringList errors;  // "unet/config.json: ..." — the model cannot be used while any remain
    QStringList warnings;
    qint64 parameterCount = 0;
    // The sampling schedule, from the same engine call as `motionprobe-cli schedule`: the τ axis.
    QString scheduler;           // "DDIMScheduler (ddim): 1000 train steps, scaled_linear …"
    QList<qint64> timesteps;     // forward timesteps for kDefaultSteps steps; empty without one
    QStringList schedulerNotes;  // notes and unknown scheduler_config.json keys

    bool isEmpty() const { return root.isEmpty(); }
    bool isUsable() const { return !isEmpty() && errors.isEmpty(); }

    friend bool operator==(const ModelSummary&, const ModelSummary&) = default;
};

// The step count the summary's schedule is computed for (the families' default).
inline constexpr int kDefaultSteps = 50;

// Copies an inspected snapshot into the GUI's value type (no torch; only engine/io/snapshot.h).
ModelSummary summarizeSnapshot(const mp::SnapshotInfo& info);

// "8", "12.5 K", "950.0 M", "1.70 B" — the same style as motionprobe-cli info.
// The architecture a family label names, the toy world's wrapping taken off: "toy (latte
// architecture)" → "latte", "toy (cogvideox (2b) architecture)" → "cogvideox (2b)"; other labels
// as they are.
QString architectureOf(const QString& family);

QString formatCount(qint64 n);

}  // namespace mp::app

Q_DECLARE_METATYPE(mp::app::ComponentSummary)
Q_DECLARE_METATYPE(mp::app::ModelSummary)
