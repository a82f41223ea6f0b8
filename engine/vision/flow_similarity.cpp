#include "vision/flow_similarity.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <cmath>
#include <string>

namespace mp::vision {

namespace {

void checkFrames(const RgbFrames& v, const char* label) {
    if (!v.frames || v.width < 1 || v.height < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          std::string("flow similarity: the ") + label + " video is empty");
    const auto bytes = static_cast<std::size_t>(v.width) * v.height * 3;
    for (std::size_t i = 0; i < v.frames->size(); ++i)
        if ((*v.frames)[i].size() != bytes)
            throw EngineError(ErrorCode::InvalidArgument,
                              std::string("flow similarity: ") + label + " frame " +
                                  std::to_string(i) + " has " +
                                  std::to_string((*v.frames)[i].size()) + " bytes, expected " +
                                  std::to_string(bytes));
}

cv::Mat grey(const RgbFrames& v, std::size_t i) {
    // The frame's bytes stay owned by the caller; cvtColor writes a new matrix.
    const cv::Mat rgb(v.height, v.width, CV_8UC3, const_cast<std::uint8_t*>((*v.frames)[i].data()));
    cv::Mat g;
    cv::cvtColor(rgb, g, cv::COLOR_RGB2GRAY);
    return g;
}

}  // namespace

namespace {

metrics::ScoreResult flowSimilarityImpl(const RgbFrames& original,
                                        const RgbFrames& other,
                                        const FlowSimilarityParams& p,
                                        const JobContext& job) {
    checkFrames(original, "original");
    checkFrames(other, "other");
    if (original.width != other.width || original.height != other.height)
        throw EngineError(
            ErrorCode::InvalidArgument,
            "flow similarity: the videos differ in size (" + std::to_string(original.width) + "x" +
                std::to_string(original.height) + " and " + std::to_string(other.width) + "x" +
                std::to_string(other.height) + ")");
    const auto frames = original.frames->size();
    if (frames != other.frames->size())
        throw EngineError(ErrorCode::InvalidArgument,
                          "flow similarity: the videos differ in frame count (" +
                              std::to_string(frames) + " and " +
                              std::to_string(other.frames->size()) + ")");
    if (frames < 2)
        throw EngineError(
            ErrorCode::InvalidArgument,
            "flow similarity: needs at least 2 frames, got " + std::to_string(frames));

    metrics::ScoreResult r;
    r.metric = "flow_similarity";
    r.variant = "lucas-kanade";
    r.backbone = std::string("OpenCV ") + CV_VERSION;
    const cv::TermCriteria stop(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, p.maxIterations,
                                p.epsilon);
    const cv::Size window(p.winSize, p.winSize);
    const double still = p.staticThreshold;
    double sum = 0;
    long long points = 0, pairsWithPoints = 0;
    cv::Mat o0 = grey(original, 0), r0 = grey(other, 0);
    std::vector<std::size_t> unscored;
    const int pairs = static_cast<int>(frames - 1);
    for (std::size_t t = 0; t + 1 < frames; ++t) {
        job.report("flow", static_cast<int>(t), pairs);
        cv::Mat o1 = grey(original, t + 1), r1 = grey(other, t + 1);
        std::vector<cv::Point2f> start, endO, endR;
        cv::goodFeaturesToTrack(o0, start, p.maxCorners, p.qualityLevel, p.minDistance,
                                cv::noArray(), p.blockSize);
        double pairSum = 0;
        long long pairPoints = 0;
        if (!start.empty()) {
            std::vector<std::uint8_t> okO, okR;
            std::vector<float> err;
            cv::calcOpticalFlowPyrLK(o0, o1, start, endO, okO, err, window, p.maxLevel, stop, 0,
                                     p.minEigThreshold);
            cv::calcOpticalFlowPyrLK(r0, r1, start, endR, okR, err, window, p.maxLevel, stop, 0,
                                     p.minEigThreshold);
            for (std::size_t i = 0; i < start.size(); ++i) {
                if (!okO[i] || !okR[i])
                    continue;
                const double ux = endO[i].x - start[i].x, uy = endO[i].y - start[i].y;
                const double vx = endR[i].x - start[i].x, vy = endR[i].y - start[i].y;
                const double nu = std::hypot(ux, uy), nv = std::hypot(vx, vy);
                double s;
                if (!std::isfinite(nu) || !std::isfinite(nv))
                    continue;
                if (nu < still && nv < still)
                    s = 1.0;
                else if (nu < still || nv < still)
                    s = 0.0;
                else
                    s = (ux * vx + uy * vy) / (nu * nv);
                pairSum += s;
                ++pairPoints;
            }
        }
        if (pairPoints > 0) {
            r.perItem.push_back(pairSum / static_cast<double>(pairPoints));
            sum += r.perItem.back();
            ++pairsWithPoints;
            points += pairPoints;
        } else {
            unscored.push_back(t);
        }
        o0 = std::move(o1);
        r0 = std::move(r1);
    }
    job.report("flow", pairs, pairs);
    if (pairsWithPoints > 0) {
        r.value = sum / static_cast<double>(pairsWithPoints);
        if (!unscored.empty()) {
            r.note = "frame pair" + std::string(unscored.size() > 1 ? "s" : "");
            for (std::size_t i = 0; i < unscored.size(); ++i)
                r.note += (i ? ", " : " ") + std::to_string(unscored[i]);
            r.note += " of the original had no trackable point (left out of the mean)";
        }
    } else {
        r.valid = false;
        r.note =
            "no trackable point in any frame of the original (Shi–Tomasi found no corner "
            "that LK could follow)";
    }
    r.params = {{"max_corners", p.maxCorners},
                {"quality_level", p.qualityLevel},
                {"min_distance", p.minDistance},
                {"block_size", p.blockSize},
                {"win_size", p.winSize},
                {"max_level", p.maxLevel},
                {"max_iterations", p.maxIterations},
                {"epsilon", p.epsilon},
                {"min_eig_threshold", p.minEigThreshold},
                {"static_threshold", p.staticThreshold},
                {"frame_pairs", static_cast<double>(frames - 1)},
                {"pairs_with_points", static_cast<double>(pairsWithPoints)},
                {"points", static_cast<double>(points)}};
    return r;
}

}  // namespace

Result<metrics::ScoreResult> flowSimilarity(const RgbFrames& original,
                                            const RgbFrames& other,
                                            const FlowSimilarityParams& params,
                                            const JobContext& job) {
    return capture([&] { return flowSimilarityImpl(original, other, params, job); });
}

}  // namespace mp::vision
