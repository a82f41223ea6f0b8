#pragma once
// Motion preservation as the paper measures it: Lucas–Kanade optical flow of the original video
// and of another video (a resample, an edit) at the same points, compared by the cosine of the
// normalised flow vectors. One definition, every parameter stored with the result:
//   1. Frames go to 8-bit grey (OpenCV's RGB→GRAY weights).
//   2. For each consecutive pair (t, t+1), points are the Shi–Tomasi corners of the ORIGINAL's
//      frame t (goodFeaturesToTrack: at most maxCorners, qualityLevel, minDistance, blockSize).
//   3. Both videos are tracked from those points with pyramidal LK (calcOpticalFlowPyrLK:
//      winSize × winSize window, maxLevel pyramid levels, maxIterations / epsilon stop,
//      minEigThreshold). A point counts only where both trackings succeed.
//   4. Per point, with flow vectors u (original) and v (other) and s = staticThreshold pixels:
//        |u| ≥ s and |v| ≥ s:  cos(u, v)          (the normalised vectors' dot product)
//        both below s:         1                  (both still: the motion — none — is kept)
//        only one below s:     0                  (motion appeared or vanished)
//   5. A pair's score is the mean over its points; the video's is the mean over the pairs that
//      have at least one point. perItem holds the score of each pair that has points, in order,
//      so its mean is the value; pairs without points are named in the note, and params record
//      every setting and the counts.
//   With no point in any pair (a flat, textureless original), the result is invalid with a note;
//   it is never NaN.
// Torch-free: frames are interleaved uint8 RGB of one size.

#include "core/job.h"
#include "metrics/score.h"

#include <cstdint>
#include <vector>

namespace mp::vision {

struct FlowSimilarityParams {
    int maxCorners = 200;
    double qualityLevel = 0.01;
    double minDistance = 7;  // pixels
    int blockSize = 7;
    int winSize = 15;  // LK window, pixels per side
    int maxLevel = 2;  // pyramid levels above the full image
    int maxIterations = 10;
    double epsilon = 0.03;
    double minEigThreshold = 1e-4;
    double staticThreshold = 0.25;  // pixels per frame below which a point is still
};

// A video as frames of interleaved uint8 RGB, width × height × 3 bytes each.
struct RgbFrames {
    const std::vector<std::vector<std::uint8_t>>* frames = nullptr;
    int width = 0;
    int height = 0;
};

// InvalidArgument when the videos differ in size or frame count, have fewer than 2 frames or a
// frame of the wrong byte count; cancelled() when cancelled. Progress: stage "flow", one step
// per frame pair.
Result<metrics::ScoreResult> flowSimilarity(const RgbFrames& original,
                                            const RgbFrames& other,
                                            const FlowSimilarityParams& params = {},
                                            const JobContext& job = {});

}  // namespace mp::vision
