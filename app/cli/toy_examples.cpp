#include "toy_examples.h"

#include "cli_args.h"
#include "core/error.h"
#include "io/file_util.h"
#include "io/resources.h"
#include "io/snapshot.h"
#include "metrics/clip_scorer.h"
#include "metrics/clip_scores.h"
#include "session/probe_session.h"
#ifdef MP_HAVE_VISION
#include "vision/flow_similarity.h"
#endif

#include <nlohmann/json.hpp>

#include <fstream>

namespace mp::cli {

namespace fs = std::filesystem;

// A shipped example of resources/examples/toy-tgve, with its object edit (the paper's).
DatasetRow demoExample(int index) {
    const auto rows = shippedExamples();
    if (index < 0 || index >= static_cast<int>(rows.size()))
        throw UsageError("--example: expected an example from 0 to " +
                         std::to_string(static_cast<int>(rows.size()) - 1) + ", got " +
                         std::to_string(index));
    return rows[static_cast<std::size_t>(index)];
}

nlohmann::ordered_json oracleVerdicts(const toy::ClipEstimate& clip,
                                      const toy::CaptionAttributes& caption,
                                      const toy::ClipEstimate& reference,
                                      const toy::CaptionAttributes* referenceCaption) {
    return session::verdictsJson(toy::judge(clip, caption, reference, referenceCaption));
}

nlohmann::ordered_json scoreSample(const video::Clip& clip,
                                   const video::Clip& reference,
                                   const std::string& prompt,
                                   const SampleScoring& with,
                                   const JobContext& job) {
    nlohmann::ordered_json j;
    std::vector<metrics::RgbImage> images;  // converted once for both CLIP models
    if (with.scorer || with.pickscore)
        images = session::rgbImages(clip);
    if (with.scorer) {
        const auto frames = with.scorer->embedImages(images, job).value();
        j["clip_text"] =
            metrics::textAlignment(frames, with.scorer->embedPrompt(prompt),
                                   with.scorer->logitScale(), metrics::AlignmentVariant::Tgve)
                .value;
        if (clip.frameCount() > 1)
            j["temporal_consistency"] =
                metrics::temporalConsistency(frames, metrics::ConsistencyVariant::Consecutive)
                    .value;
    }
    if (with.pickscore)
        j["pickscore"] =
            metrics::pickScore(with.pickscore->embedImages(images, job).value(),
                               with.pickscore->embedPrompt(prompt), with.pickscore->logitScale())
                .value;
#ifdef MP_HAVE_VISION
    const auto flow = vision::flowSimilarity({&reference.frames, reference.width, reference.height},
                                             {&clip.frames, clip.width, clip.height}, {}, {})
                          .value();
    j["flow_similarity"] = flow.valid ? nlohmann::ordered_json(flow.value) : nullptr;
#else
    (void)reference;
#endif
    if (with.referenceEstimate)
        j["oracle"] =
            oracleVerdicts(toy::analyse(session::toyFrames(clip)), toy::parseCaption(prompt),
                           *with.referenceEstimate, with.referenceCaption);
    return j;
}

StagedFolder::StagedFolder(const fs::path& finalDir, const std::string& why)
    : m_final(finalDir),
      m_staging(finalDir.parent_path() / ("." + finalDir.filename().string() + ".partial")) {
    if (fs::exists(m_final) && !(fs::is_directory(m_final) && fs::is_empty(m_final)))
        throw UsageError("--out: " + m_final.string() + " exists and is not empty; " + why);
    removeTree(m_staging);
}

StagedFolder::~StagedFolder() {
    if (!m_committed)
        removeTree(m_staging);
}

void StagedFolder::commit() {
    if (fs::exists(m_final))
        fs::remove(m_final);  // empty (checked when staging began)
    fs::rename(m_staging, m_final);
    m_committed = true;
}

}  // namespace mp::cli
