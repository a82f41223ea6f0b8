#include "session/probe_session.h"

#include "core/error.h"
#include "core/log.h"
#include "io/fingerprint.h"

#include "metrics/clip_scorer.h"
#include "metrics/clip_scores.h"
#include "pipelines/pipeline.h"
#include "video/video_tensor.h"
#ifdef MP_HAVE_VISION
#include "vision/flow_similarity.h"
#endif

#include <ATen/ATen.h>

namespace mp::session {

std::vector<metrics::RgbImage> rgbImages(const video::Clip& clip) {
    std::vector<metrics::RgbImage> out;
    for (const auto& f : clip.frames)
        out.push_back({f, clip.width, clip.height});
    return out;
}

toy::Frames toyFrames(const video::Clip& clip) {
    return {clip.width, clip.height, clip.frames};
}

std::string clipFingerprint(const video::Clip& clip) {
    Fingerprint f;
    f.add(std::to_string(clip.width) + "x" + std::to_string(clip.height));
    for (const auto& frame : clip.frames)
        f.add(frame.data(), frame.size());
    return f.hex();
}

namespace {

// Whether the model takes `n` frames at the reference's size and decodes their latents back to
// `n` (the resamples must match the reference frame for frame).
bool runsFrames(const pipelines::Pipeline& pipeline, int n, int height, int width) {
    try {
        (void)pipeline.latentShape(1, n, height, width);
    } catch (const EngineError&) {
        return false;
    }
    return pipeline.decodedFrames(n) == n;
}

// The most frames up to `n` that the model runs; 0 when none.
int framesUpTo(const pipelines::Pipeline& pipeline, int n, int height, int width) {
    while (n > 0 && !runsFrames(pipeline, n, height, width))
        --n;
    return n;
}

}  // namespace

video::DecodeOptions referenceDecodeOptions(const pipelines::Pipeline& pipeline, int frames) {
    video::DecodeOptions decode;
    decode.select.mode = video::SelectMode::Uniform;
    decode.select.count = frames > 0 ? frames : pipeline.defaultFrames();
    decode.width = static_cast<int>(pipeline.defaultWidth());
    decode.height = static_cast<int>(pipeline.defaultHeight());
    if (frames > 0 && !runsFrames(pipeline, frames, decode.height, decode.width)) {
        const int below = framesUpTo(pipeline, frames - 1, decode.height, decode.width);
        std::string why;
        try {
            (void)pipeline.latentShape(1, frames, decode.height, decode.width);
            why = "its VAE decodes the latents of " + std::to_string(frames) + " frames to " +
                  std::to_string(pipeline.decodedFrames(frames));
        } catch (const EngineError& e) {
            why = e.what();
        }
        throw EngineError(
            ErrorCode::InvalidArgument,
            "frames: the model cannot run " + std::to_string(frames) + " frames (" + why + ")" +
                (below > 0 ? "; " + std::to_string(below) + " would do" : std::string()));
    }
    return decode;
}

video::DecodeOptions referenceDecodeOptions(const pipelines::Pipeline& pipeline,
                                            int frames,
                                            const std::filesystem::path& video,
                                            const JobContext& job) {
    auto decode = referenceDecodeOptions(pipeline, frames);
    if (frames > 0)
        return decode;  // asked for: a video too short for it is the decoder's clear error
    const auto length = [&](bool count) -> std::pair<std::int64_t, bool> {  // frames, estimated
        video::DecodeOptions probe;
        probe.countFrames = count;
        const auto info = video::probeVideo(video, probe, job);
        if (!info)
            return {-1, false};
        return {info.value().source.frameCount, info.value().source.frameCountEstimated};
    };
    auto [have, estimated] = length(false);
    if (have >= 0 && have < decode.select.count && estimated)
        have = length(true).first;  // the container's figure is an estimate: count before choosing
    if (have < 0 || have >= decode.select.count)
        return decode;  // long enough, or unreadable (the decode then says why)
    const int fit = framesUpTo(pipeline, static_cast<int>(have), decode.height, decode.width);
    if (fit >= 2) {  // one frame has no motion: the decoder's error says what to do instead
        log::warning(video.string() + " has " + std::to_string(have) + " frames, fewer than the " +
                     std::to_string(decode.select.count) + " the model runs by default; using " +
                     std::to_string(fit));
        decode.select.count = fit;
    }
    return decode;
}

ProbeSession::ProbeSession(const pipelines::Pipeline& pipeline,
                           const metrics::ClipScorer* scorer,
                           bool toyWorld,
                           video::Clip original,
                           std::string edit,
                           const JobContext& job)
    : m_pipeline(&pipeline),
      m_scorer(scorer),
      m_original(std::move(original)),
      m_edit(std::move(edit)) {
    m_latents = pipeline.encodeVideo(video::clipToTensor(m_original, video::TensorLayout::BCFHW,
                                                         video::ValueRange::MinusOneToOne));
    if (m_scorer) {
        m_editEmbedding = m_scorer->embedPrompt(m_edit);
        m_baseClip = metrics::textAlignment(
                         m_scorer->embedImages(rgbImages(m_original), job).value(), m_editEmbedding,
                         m_scorer->logitScale(), metrics::AlignmentVariant::Tgve)
                         .value;
    }
    if (toyWorld) {
        m_originalEstimate = toy::analyse(toyFrames(m_original));
        m_editAttributes = toy::parseCaption(m_edit);
    }
}

double ProbeSession::fps() const {
    return m_original.fps > 0 ? m_original.fps : video::kDefaultFps;
}

RunReport ProbeSession::evaluate(const probe::ProbePlan& plan,
                                 const probe::ProbeRunOutput& output,
                                 const JobContext& job) const {
    const auto& r = plan.runs.at(static_cast<std::size_t>(output.run));
    RunReport report;
    report.run = output.run;
    report.name = r.name();
    if (r.kind == probe::ProbePlan::RunKind::Pair) {
        report.tauStart = r.pair.start;
        report.tauEnd = r.pair.end;
    }
    report.latents = output.latents;
    report.video = m_pipeline->decode(output.latents);
    report.clip = video::tensorToClip(report.video, video::TensorLayout::BCFHW,
                                      video::ValueRange::ZeroToOne, fps());
    if (m_scorer)
        report.clipChange =
            metrics::textAlignment(m_scorer->embedImages(rgbImages(report.clip), job).value(),
                                   m_editEmbedding, m_scorer->logitScale(),
                                   metrics::AlignmentVariant::Tgve)
                .value -
            *m_baseClip;
#ifdef MP_HAVE_VISION
    const auto flow =
        vision::flowSimilarity({&m_original.frames, m_original.width, m_original.height},
                               {&report.clip.frames, report.clip.width, report.clip.height}, {}, {})
            .value();
    if (flow.valid)
        report.flowSimilarity = flow.value;
#endif
    if (m_originalEstimate)
        report.oracle = toy::judge(toy::analyse(toyFrames(report.clip)), *m_editAttributes,
                                   *m_originalEstimate);
    return report;
}

nlohmann::ordered_json verdictsJson(const toy::Verdicts& v) {
    const auto verdict = [](const std::optional<bool>& b) {
        return b ? nlohmann::ordered_json(*b) : nullptr;
    };
    nlohmann::ordered_json j{{"colour", verdict(v.appearance.colour)},
                             {"shape", verdict(v.appearance.shape)},
                             {"background", verdict(v.appearance.background)},
                             {"motion_similarity", v.motion.similarity},
                             {"same_path", v.motion.samePath}};
    if (v.leak)
        j["leak"] = {{"colour", verdict(v.leak->colour)},
                     {"shape", verdict(v.leak->shape)},
                     {"background", verdict(v.leak->background)}};
    return j;
}

}  // namespace mp::session
