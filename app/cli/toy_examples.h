#pragma once
// What the video commands that take a reference share: the shipped toy examples, the oracle's
// verdicts as JSON, the scores of a generated sample, and an output folder staged beside its
// final place and moved there only when complete.

#include "core/job.h"
#include "io/tgve_dataset.h"
#include "toy/oracle.h"
#include "video/video_io.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace mp::metrics {
class ClipScorer;
}

namespace mp::cli {

// A shipped example of resources/examples/toy-tgve with its object edit; UsageError for an index
// out of range.
DatasetRow demoExample(int index);

// The oracle's verdicts on a clip: its appearance against `caption`'s attributes (colour, shape,
// background: true, false or null when the caption names none) and its motion against the
// reference's (similarity, same path). With the reference's caption, also "leak": per attribute
// the prompt changes (colour, shape, background), whether the clip shows the reference's value
// instead (null where the prompt keeps the reference's value or either caption names none).
nlohmann::ordered_json oracleVerdicts(const toy::ClipEstimate& clip,
                                      const toy::CaptionAttributes& caption,
                                      const toy::ClipEstimate& reference,
                                      const toy::CaptionAttributes* referenceCaption = nullptr);

// What a generated sample is scored with; each part is optional.
struct SampleScoring {
    const metrics::ClipScorer* scorer = nullptr;     // CLIP text alignment, temporal consistency
    const metrics::ClipScorer* pickscore = nullptr;  // PickScore
    const toy::ClipEstimate* referenceEstimate = nullptr;      // the oracle's verdicts
    const toy::CaptionAttributes* referenceCaption = nullptr;  // and its leak verdicts
};

// The scores of one sample generated for `prompt`, as `customize` and `bench customize` record
// them: "clip_text" (TGVE text alignment) and "temporal_consistency" (consecutive frames; not for
// one frame) with a scorer, "pickscore", "flow_similarity" to the reference (null when the flow
// cannot be measured; absent in a build without OpenCV), and "oracle" (oracleVerdicts against the
// prompt's attributes and the reference).
nlohmann::ordered_json scoreSample(const video::Clip& clip,
                                   const video::Clip& reference,
                                   const std::string& prompt,
                                   const SampleScoring& with,
                                   const JobContext& job);

// `.NAME.partial` beside `finalDir`, emptied; removed on destruction unless commit() moved it into
// place. UsageError when finalDir exists and is not empty (`why` says what the command writes).
class StagedFolder {
public:
    StagedFolder(const std::filesystem::path& finalDir, const std::string& why);
    ~StagedFolder();
    StagedFolder(const StagedFolder&) = delete;
    StagedFolder& operator=(const StagedFolder&) = delete;
    const std::filesystem::path& path() const { return m_staging; }
    void commit();

private:
    std::filesystem::path m_final, m_staging;
    bool m_committed = false;
};

}  // namespace mp::cli
