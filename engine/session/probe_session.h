#pragma once
// One probe of one reference video as the CLI and the workbench both run it: the reference
// decoded at the model's size and frame count, its latents (the VAE posterior mean × scaling),
// and for each run the probe finishes (probe/probe.h) its decoded clip and the metrics — the
// CLIP-score change toward c′ (the original's score for c′ subtracted, as the paper does), the
// flow similarity to the original, and on the toy world the oracle's verdicts. What to write, and
// where, is the caller's.

#include "core/job.h"
#include "metrics/clip_scorer.h"
#include "probe/probe.h"
#include "toy/oracle.h"
#include "video/video_io.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mp::pipelines {
class Pipeline;
}

namespace mp::session {

// A clip's frames as the CLIP scorer and as the toy oracle take them (views of its bytes).
std::vector<metrics::RgbImage> rgbImages(const video::Clip& clip);
toy::Frames toyFrames(const video::Clip& clip);
// The fingerprint (io/fingerprint.h) of a clip's frames as the model takes them: what a LoRA was
// trained on (its file's motionprobe.video_fingerprint) and what a resumed training must match.
std::string clipFingerprint(const video::Clip& clip);

// How a reference is read for `pipeline`: uniformly chosen frames, the model's frame count (or
// `frames` when positive) and square size. Throws EngineError{InvalidArgument} for a count the
// family cannot take, or whose latents its VAE would not decode to as many frames, naming the
// nearest count below that works.
video::DecodeOptions referenceDecodeOptions(const pipelines::Pipeline& pipeline, int frames = 0);
// As above for the reference at `video`: with `frames` 0 and a video shorter than the model's
// own count, the most frames up to the video's length that the model runs (logged), so a 16-frame
// clip runs on a model of 1 + 8k frames at 9 instead of failing.
video::DecodeOptions referenceDecodeOptions(const pipelines::Pipeline& pipeline,
                                            int frames,
                                            const std::filesystem::path& video,
                                            const JobContext& job = {});

struct RunReport {
    int run = 0;       // index into the plan's runs
    std::string name;  // "reconstruction", "full-edit", "pair-<start>-<end>"
    std::optional<int> tauStart, tauEnd;
    at::Tensor latents;                    // final latents (1, ...), float32, CPU
    at::Tensor video;                      // decoded (1, 3, F, H, W) in [0, 1]
    video::Clip clip;                      // the same as RGB frames, at the original's frame rate
    std::optional<double> clipChange;      // with a scorer
    std::optional<double> flowSimilarity;  // where the build has the vision backend and the
                                           // flow is defined
    std::optional<toy::Verdicts> oracle;   // on the toy world
};

// The oracle's verdicts as JSON: colour, shape, background (true, false or null when the caption
// names none), motion_similarity, same_path, and "leak" when judged against a reference caption.
nlohmann::ordered_json verdictsJson(const toy::Verdicts& verdicts);

class ProbeSession {
public:
    // `original` as referenceDecodeOptions reads it; the scorer (optional) and the pipeline must
    // outlive the session. Encodes the latents and the baselines (the original's CLIP score for
    // c′, the oracle's reading of it).
    ProbeSession(const pipelines::Pipeline& pipeline,
                 const metrics::ClipScorer* scorer,
                 bool toyWorld,
                 video::Clip original,
                 std::string edit,
                 const JobContext& job = {});

    const video::Clip& original() const { return m_original; }
    const at::Tensor& latents() const { return m_latents; }  // x0 (1, C, F, h, w)
    std::optional<double> baseClipScore() const { return m_baseClip; }
    double fps() const;

    // A finished run decoded and measured.
    RunReport evaluate(const probe::ProbePlan& plan,
                       const probe::ProbeRunOutput& output,
                       const JobContext& job = {}) const;

private:
    const pipelines::Pipeline* m_pipeline;
    const metrics::ClipScorer* m_scorer;
    video::Clip m_original;
    std::string m_edit;
    at::Tensor m_latents;
    at::Tensor m_editEmbedding;
    std::optional<double> m_baseClip;
    std::optional<toy::ClipEstimate> m_originalEstimate;
    std::optional<toy::CaptionAttributes> m_editAttributes;
};

}  // namespace mp::session
