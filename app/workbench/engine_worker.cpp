#include "engine_worker.h"

#include "adapters/lora.h"
#include "core/job.h"
#include "core/log.h"
#include "core/stopwatch.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "metrics/clip_scorer.h"
#include "pipelines/pipeline.h"
#include "probe/plan.h"
#include "probe/probe.h"
#include "runtime/device.h"
#include "sampling/ddim.h"
#ifdef MP_HAVE_SESSION
#include "session/probe_session.h"
#ifdef MP_HAVE_STORE
#include "session/probe_store.h"
#endif
#include "train/customize.h"
#include "video/compose.h"
#include "video/thumbnails.h"
#include "video/video_io.h"
#include "video/video_tensor.h"
#endif

#include <QFile>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <optional>
#include <set>

namespace mp::app {

using namespace Qt::StringLiterals;

namespace {

std::filesystem::path toPath(const QString& dir) {
#ifdef Q_OS_WIN
    return std::filesystem::path(dir.toStdWString());
#else
    return std::filesystem::path(QFile::encodeName(dir).toStdString());
#endif
}

// Adds the scheduler's schedule to a pipeline summary. A scheduler the engine cannot run (a
// flow-matching one, a malformed config) makes the model unusable, so it is an error.
void addSchedule(ModelSummary& summary, const std::filesystem::path& root) {
    const bool hasScheduler =
        std::any_of(summary.components.begin(), summary.components.end(),
                    [](const ComponentSummary& c) { return c.name == u"scheduler"; });
    if (!hasScheduler || !summary.errors.filter(QStringLiteral("scheduler/")).isEmpty())
        return;
    try {
        const auto scheduler = sampling::DdimScheduler::fromModel(root);
        summary.scheduler = QString::fromStdString(scheduler.config().toString());
        for (auto t : scheduler.timesteps(kDefaultSteps))
            summary.timesteps.append(t);
        for (const auto& n : scheduler.config().notes)
            summary.schedulerNotes.append(QString::fromStdString(n));
        for (const auto& k : scheduler.config().unknownKeys)
            summary.schedulerNotes.append(
                QStringLiteral("scheduler_config.json: key '%1' is not used")
                    .arg(QString::fromStdString(k)));
    } catch (const std::exception& e) {
        summary.errors.append(QString::fromUtf8(e.what()));
    }
}

// The oracle's appearance verdicts as one number: the share of the caption's named attributes
// (colour, shape, background) the run shows.
double appearanceShare(const toy::AppearanceCheck& a) {
    int named = 0, shown = 0;
    for (const auto& v : {a.colour, a.shape, a.background})
        if (v) {
            ++named;
            shown += *v ? 1 : 0;
        }
    return named > 0 ? double(shown) / named : ProbeCell::kNone;
}

#ifdef MP_HAVE_SESSION
QVector<QImage> imagesOf(const video::Clip& clip) {
    QVector<QImage> out;
    for (const auto& f : clip.frames)
        out << QImage(f.data(), clip.width, clip.height, clip.width * 3, QImage::Format_RGB888)
                   .copy();  // owns its pixels: the clip goes when the job ends
    return out;
}

// The frames as a clip (RGB24, the first frame's size; every frame of a clip has one size).
video::Clip clipOf(const QVector<QImage>& frames, double fps) {
    video::Clip clip;
    clip.fps = fps > 0 ? fps : video::kDefaultFps;
    for (const QImage& frame : frames) {
        const QImage rgb = frame.convertToFormat(QImage::Format_RGB888);
        if (clip.frames.empty()) {
            clip.width = rgb.width();
            clip.height = rgb.height();
        }
        if (rgb.size() != QSize(clip.width, clip.height))
            throw EngineError(ErrorCode::InvalidArgument, "export: a clip changes size mid-way");
        auto& bytes = clip.frames.emplace_back(clip.frameBytes());
        for (int y = 0; y < clip.height; ++y)
            std::copy_n(rgb.constScanLine(y), clip.width * 3, bytes.data() + y * clip.width * 3);
    }
    return clip;
}

// The composer's font is printable ASCII: the views' symbols spelled out.
std::string asciiLabel(const QString& label) {
    QString out = label;
    out.replace(u"τ"_s, u"tau"_s)
        .replace(u"≥"_s, u">="_s)
        .replace(u"≤"_s, u"<="_s)
        .replace(u"′"_s, u"'"_s)
        .replace(u"→"_s, u"->"_s);
    std::string ascii;
    for (const QChar c : out)
        ascii += c.unicode() >= 32 && c.unicode() < 127 ? char(c.unicode()) : '?';
    return ascii;
}

ProbeCell cellOf(const session::RunReport& r) {
    ProbeCell c;
    c.run = QString::fromStdString(r.name);
    c.tauStart = r.tauStart.value_or(-1);
    c.tauEnd = r.tauEnd.value_or(-1);
    c.clipChange = r.clipChange.value_or(ProbeCell::kNone);
    c.flowSimilarity = r.flowSimilarity.value_or(ProbeCell::kNone);
    if (r.oracle) {
        c.appearance = appearanceShare(r.oracle->appearance);
        c.motion = r.oracle->motion.similarity;
    }
    c.frames = imagesOf(r.clip);
    return c;
}
#endif

}  // namespace

// Loading a pipeline takes seconds; the worker keeps the last one (and its scorer) for the next
// job on the same folder.
struct EngineWorker::Loaded {
    std::filesystem::path dir;
    std::unique_ptr<pipelines::Pipeline> pipeline;
    std::optional<metrics::ClipScorer> scorer;
    std::filesystem::path scorerDir;  // empty: none
    bool toyWorld = false;
};

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {}
EngineWorker::~EngineWorker() = default;

EngineWorker::Loaded& EngineWorker::ensureLoaded(const QString& folder,
                                                 const mp::JobContext& job,
                                                 const std::optional<QString>& scorerFolder) {
    const auto dir = folder.isEmpty() ? findResource(kToyPipelineResource) : toPath(folder);
    const auto device = resolveDevice("auto", "auto");
    if (!m_loaded || m_loaded->dir != dir) {
        m_loaded.reset();  // the old model's memory goes before the new one loads
        auto loaded = std::make_unique<Loaded>();
        loaded->dir = dir;
        loaded->pipeline = pipelines::loadPipeline(dir, device, "", job).value();
        loaded->toyWorld = isToyWorldModel(dir);
        m_loaded = std::move(loaded);
    }
    if (!scorerFolder)
        return *m_loaded;
    // The scorer the CLI would use: the folder given, else the toy CLIP on the toy world.
    std::filesystem::path scorerDir = toPath(*scorerFolder);
    if (scorerFolder->isEmpty() && m_loaded->toyWorld)
        scorerDir = findResource(kToyClipResource);
    if (scorerDir != m_loaded->scorerDir) {
        m_loaded->scorer.reset();
        m_loaded->scorerDir.clear();
        if (!scorerDir.empty()) {
            metrics::ClipScorerOptions so;
            so.device = device;
            m_loaded->scorer.emplace(metrics::ClipScorer::load(scorerDir, so, job).value());
            m_loaded->scorerDir = scorerDir;
        }
    }
    return *m_loaded;
}

void EngineWorker::initialize() {
    try {
        const int threads = mp::configureThreads();
        mp::log::info("engine thread ready: " + std::to_string(threads) + " intra-op threads");
    } catch (const std::exception& e) {
        mp::log::error(std::string("could not configure engine threads: ") + e.what());
    }
}

void EngineWorker::inspectModel(JobId id, const QString& dir, const mp::CancelToken& token) {
    runJob(id, token, [&](const mp::JobContext& job) -> std::function<void()> {
        job.report("inspect", 0, 1);
        const mp::SnapshotInfo info = mp::inspectSnapshot(toPath(dir));
        job.report("inspect", 1, 1);  // a newer request superseded this one while it ran: cancelled
        ModelSummary summary = summarizeSnapshot(info);
        summary.device = QString::fromStdString(resolveDevice("auto", "auto").describe());
        if (info.isPipeline)
            addSchedule(summary, info.root);
        return [this, id, summary] { Q_EMIT modelInspected(id, summary); };
    });
}

void EngineWorker::runJob(JobId id,
                          const mp::CancelToken& token,
                          const std::function<std::function<void()>(const mp::JobContext&)>& work) {
    // The token is the controller's, set from the GUI thread; a job cancelled while it waited in
    // the queue never starts.
    if (token.isCancelled()) {
        Q_EMIT cancelled(id);
        Q_EMIT finished(id);
        return;
    }
    // The engine's job contract: the controller's token, progress forwarded as a signal.
    mp::JobContext job;
    job.cancel = token;
    job.progress = [this, id](const mp::ProgressEvent& e) { Q_EMIT progress(id, e.step, e.total); };
    auto done = mp::capture([&] { return work(job); });
    // The same engine message the CLI prints, without the CLI's option names.
    if (done.ok())
        done.value()();
    else if (done.cancelled())
        Q_EMIT cancelled(id);
    else
        Q_EMIT failed(id, QString::fromStdString(done.error().message()));
    Q_EMIT finished(id);
}

void EngineWorker::runProbe(JobId id, const ProbeSettings& settings, const mp::CancelToken& token) {
    runJob(id, token, [&](const mp::JobContext& job) -> std::function<void()> {
        const Stopwatch watch;
#ifndef MP_HAVE_SESSION
        throw EngineError(ErrorCode::Unsupported, "this build has no video support for the probe");
#else
        ensureLoaded(settings.modelDir, job, settings.scorerDir);
        const auto& pipeline = *m_loaded->pipeline;

        probe::ProbeRequest req;
        req.caption = settings.caption.toStdString();
        req.edit = settings.edit.toStdString();
        req.steps = settings.steps;
        req.guidance = settings.guidance;
        req.grid.interval = settings.interval;
        req.maxBatch = pipeline.device().device.is_cuda() ? 16 : 4;
        // The grid first, so the views lay it out before the first evaluation.
        ProbeLayout layout;
        std::set<int> starts, ends;
        for (const auto& p : probe::gridPairs(req.grid)) {
            starts.insert(p.start);
            ends.insert(p.end);
        }
        layout.tauStarts = QVector<int>(starts.begin(), starts.end());
        layout.tauEnds = QVector<int>(ends.begin(), ends.end());
        layout.runs = int(probe::gridPairs(req.grid).size()) + 2;
        layout.toyWorld = m_loaded->toyWorld;

        const auto video = toPath(settings.video);
        const session::ProbeSession probed(
            pipeline, m_loaded->scorer ? &*m_loaded->scorer : nullptr, m_loaded->toyWorld,
            video::decodeVideo(
                video, session::referenceDecodeOptions(pipeline, settings.frames, video, job), job)
                .value(),
            req.edit, job);
        req.latents = probed.latents();
#ifdef MP_HAVE_STORE
        // Recorded as the CLI records (the same key: a probe either ran resumes in the other),
        // so the Experiments tab lists it and a rerun computes only what is missing.
        std::optional<store::ExperimentStore> db;
        std::int64_t row = 0;
        if (!settings.storePath.isEmpty()) {
            db.emplace(store::ExperimentStore::open(toPath(settings.storePath)));
            const auto device = pipeline.device().describe();
            row = db->probe(session::probeKey(m_loaded->dir, probed.original(), req, device),
                            nlohmann::json{{"model", m_loaded->dir.string()},
                                           {"video", settings.video.toStdString()},
                                           {"caption", req.caption},
                                           {"edit", req.edit},
                                           {"steps", req.steps},
                                           {"guidance", settings.guidance},
                                           {"inversion_guidance", req.inversionGuidance},
                                           {"device", device}}
                                .dump())
                      .id;
            req.checkpoints = session::storeCheckpoints(*db, row);
        }
#endif
        layout.original = imagesOf(probed.original());
        layout.fps = probed.fps();
        Q_EMIT probeStarted(id, layout);
        const auto result =
            probe::runProbe(probe::probeModelOf(pipeline), req, job,
                            [&](const probe::ProbePlan& plan,
                                const std::vector<probe::ProbeRunOutput>& finishedRuns) {
                                for (const auto& o : finishedRuns) {
                                    job.throwIfCancelled();  // a group's runs take a while
                                    const auto report = probed.evaluate(plan, o, job);
#ifdef MP_HAVE_STORE
                                    if (db)
                                        session::recordRun(*db, row, report,
                                                           session::runJson(report));
#endif
                                    Q_EMIT probeCell(id, cellOf(report));
                                }
                            })
                .value();
#ifdef MP_HAVE_STORE
        if (db)
            db->setStatus(row, "finished");
#endif
        return [this, id, n = result.evaluationsComputed, s = watch.milliseconds() / 1000] {
            Q_EMIT probeCompleted(id, n, s);
        };
#endif
    });
}

void EngineWorker::runCustomize(JobId id,
                                const CustomizeSettings& settings,
                                const mp::CancelToken& token) {
    runJob(id, token, [&](const mp::JobContext& job) -> std::function<void()> {
        const Stopwatch watch;
#ifndef MP_HAVE_SESSION
        throw EngineError(ErrorCode::Unsupported, "this build has no video support");
#else
        auto& pipeline = *ensureLoaded(settings.modelDir, job).pipeline;
        struct Detach {  // the cached pipeline goes back to its own weights however this ends
            pipelines::Pipeline& p;
            ~Detach() { p.detachLora(); }
        } detach{pipeline};
        const auto reference =
            video::decodeVideo(toPath(settings.video),
                               session::referenceDecodeOptions(pipeline, settings.frames,
                                                               toPath(settings.video), job),
                               job)
                .value();
        const double fps = reference.fps > 0 ? reference.fps : video::kDefaultFps;
        Q_EMIT customizeSample(id, tr("reference"), imagesOf(reference), fps);

        train::CustomizeOptions o;
        o.latents = pipeline.encodeVideo(video::clipToTensor(reference, video::TensorLayout::BCFHW,
                                                             video::ValueRange::MinusOneToOne));
        o.caption = settings.caption.toStdString();
        o.preset = adapters::parsePreset(settings.preset.toStdString());
        o.rank = settings.rank;
        o.alpha = settings.alpha;
        o.train.totalSteps = settings.steps;
        o.train.adamw.lr = settings.learningRate;
        o.train.adamw.weightDecay = 0;
        o.train.gradClipNorm = 1.0;
        o.train.seed = settings.seed;
        o.train.bf16Autocast = pipeline.device().device.is_cuda();
        o.fileMetadata = {{"motionprobe.video", settings.video.toStdString()},
                          {"motionprobe.video_fingerprint", session::clipFingerprint(reference)}};
        const auto out = toPath(settings.outDir);
        std::filesystem::create_directories(out);
        struct Training {
            int tau;
            std::string name;
            QString label;
            sampling::AdapterSchedule schedule;
        };
        std::vector<Training> trainings{{settings.tau, "tau" + std::to_string(settings.tau),
                                         tr("LoRA t ≥ %1").arg(settings.tau),
                                         sampling::AdapterSchedule::from(settings.tau)}};
        if (settings.unconstrained && settings.tau > 0)
            trainings.push_back({0, "unconstrained", tr("LoRA always"),
                                 sampling::AdapterSchedule::constant(1.0)});
        pipelines::GenerateRequest gen;
        gen.prompt = settings.prompt.toStdString();
        gen.steps = settings.sampleSteps;
        gen.guidance = settings.guidance;
        gen.frames = static_cast<int>(reference.frames.size());  // as many as the reference
        gen.seed = settings.seed;
        const auto imagesOfVideo = [fps](const at::Tensor& v) {
            return imagesOf(video::tensorToClip(v, video::TensorLayout::BCFHW,
                                                video::ValueRange::ZeroToOne, fps));
        };
        for (std::size_t i = 0; i < trainings.size(); ++i) {
            auto opts = o;
            opts.tau = trainings[i].tau;
            opts.train.onStep = [this, id, i](int step, double loss) {
                Q_EMIT customizeLoss(id, int(i), step, loss);
            };
            // Previews: the prompt as it would come out now, in fewer steps than the samples.
            opts.previewEvery = settings.previewEvery;
            opts.preview = gen;
            opts.preview.steps = std::max(1, std::min(settings.previewSteps, settings.sampleSteps));
            opts.onPreview = [&, i](int step, const at::Tensor& v) {
                Q_EMIT customizePreview(id, int(i), step, imagesOfVideo(v), fps);
            };
            (void)train::trainCustomization(
                pipeline, opts, out / ("lora-" + trainings[i].name + ".safetensors"), job)
                .value();
        }

        const auto sample = [&](const QString& label) {
            Q_EMIT customizeSample(id, label,
                                   imagesOfVideo(pipelines::generate(pipeline, gen, job).value().video),
                                   fps);
        };
        sample(tr("base"));
        for (const auto& t : trainings) {
            pipeline.attachLora(out / ("lora-" + t.name + ".safetensors"));
            gen.adapterSchedule = t.schedule;
            sample(t.label);
        }
        return [this, id, dir = QString::fromStdString(out.string()),
                s = watch.milliseconds() / 1000] { Q_EMIT customizeCompleted(id, dir, s); };
#endif
    });
}

void EngineWorker::exportComparison(JobId id,
                                    const ComparisonExport& request,
                                    const mp::CancelToken& token) {
    runJob(id, token, [&](const mp::JobContext& job) -> std::function<void()> {
#ifndef MP_HAVE_SESSION
        throw EngineError(ErrorCode::Unsupported, "this build has no video support");
#else
        if (request.clips.isEmpty() || request.clips.size() != request.labels.size())
            throw EngineError(ErrorCode::InvalidArgument, "export: no clips to write");
        std::vector<video::Clip> clips;
        for (const auto& frames : request.clips)
            clips.push_back(clipOf(frames, request.fps));
        std::vector<video::LabeledClip> inputs;
        for (qsizetype i = 0; i < request.labels.size(); ++i)
            inputs.push_back({&clips[std::size_t(i)], asciiLabel(request.labels[i])});
        const auto composed = video::composeClips(inputs, {}, job).value();
        const auto report = video::encodeVideo(composed, toPath(request.path), {}, job).value();
        return [this, id, path = request.path, report] {
            Q_EMIT comparisonExported(id, path, report.frames, report.width, report.height);
        };
#endif
    });
}

void EngineWorker::previewVideo(JobId id,
                                const QString& path,
                                int count,
                                const mp::CancelToken& token) {
    runJob(id, token, [&](const mp::JobContext& job) -> std::function<void()> {
#ifndef MP_HAVE_SESSION
        throw EngineError(ErrorCode::Unsupported, "this build has no video support");
#else
        const auto file = toPath(path);
        // The container's facts for the summary, and the frames by the decoder's thumbnail path
        // (seeking to keyframes, scaled from the decoder's pixels); 96 pixels high is twice the
        // strip's, for high-DPI screens.
        const auto info = video::probeVideo(file, {}, job).value();
        video::ThumbnailOptions o;
        o.count = count;
        o.maxHeight = 96;
        o.maxWidth = 4 * 96;
        const auto clip = video::decodeThumbnails(file, o, job).value();
        const auto frames = info.source.frameCount;
        const QString summary =
            tr("%1 frames · %2×%3 · %4 fps")
                .arg(frames)
                .arg(info.width)
                .arg(info.height)
                .arg(info.source.fps, 0, 'g', 4);
        return [this, id, path, thumbs = imagesOf(clip), summary] {
            Q_EMIT videoPreview(id, path, thumbs, summary);
        };
#endif
    });
}

}  // namespace mp::app
