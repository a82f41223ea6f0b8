#pragma once
// Which source frames a clip keeps. Pure logic (no FFmpeg): the decoder reduces every mode to a
// list of source frame indices, non-decreasing, duplicates allowed (fps upsampling repeats).
// Time-based modes (uniform, fps, a time range) work on presentation timestamps, so a variable
// frame rate is normal input.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mp::video {

enum class SelectMode {
    All,      // every frame (count must be 0)
    First,    // `count` consecutive frames from `start`
    Uniform,  // `count` frames spread evenly in time from the first to the last frame
    Stride,   // start, start + stride, ... (`count` of them, or all that exist when count is 0)
    Fps,      // resampled to `fps`: for each target time j / fps the frame nearest in time
};

struct FrameSelection {
    SelectMode mode = SelectMode::All;
    int count = 0;  // frames wanted; 0 = as many as the mode yields (All, Stride, Fps)
    int start = 0;  // first source frame (First, Stride)
    int stride = 1;
    double fps = 0;
    // Time range in seconds from the first frame: only frames with from <= t < to take part
    // (to = 0: up to the end). `start` then counts from the first frame in the range.
    double from = 0;
    double to = 0;
};

// "all", "first", "uniform", "stride:K", "stride:K:START" or "fps:F" plus a frame count
// (0 = every frame the mode yields). Throws EngineError{InvalidArgument} with the accepted forms.
FrameSelection parseFrameSelection(std::string_view text, int count);
// "first 16", "uniform 16", "stride 4 from 0", "fps 8 (16 frames)", ...
std::string describeSelection(const FrameSelection& selection);
// Throws EngineError{InvalidArgument} for negative counts, stride < 1, fps <= 0, First/Uniform
// without a count, All with one.
void validateSelection(const FrameSelection& selection);

// Uniform, Fps and a time range need every timestamp before choosing; without seeking the
// decoder then runs a cheap counting pass first.
bool needsFullScan(const FrameSelection& selection);
bool hasTimeRange(const FrameSelection& selection);

// The frame nearest in time to `target` among two neighbours a <= target <= b: true for b.
// Ties go to b when `tiesLater` (uniform), else to a (fps). Times within 1 microsecond are tied,
// so that timestamps in any time base give the same choice as exact arithmetic.
bool laterIsNearer(double a, double b, double target, bool tiesLater);

// The wanted times of a uniform selection: `count` times from `first` to `last` inclusive.
std::vector<double> uniformTimes(int count, double first, double last);

// The source indices to keep from `total` frames with presentation times `timestamps` (seconds,
// ascending; may be empty for All/First/Stride without a time range, then Uniform falls back to
// round(linspace(0, total - 1, count))). sourceFps gives the last frame's duration. `label` (the
// file name) starts error messages. Throws EngineError{InvalidArgument} when the source is too
// short, e.g. "clip.mp4: asked for 32 frames but the video has 12", and Format when total is 0.
std::vector<std::int64_t> selectFrames(const FrameSelection& selection,
                                       std::int64_t total,
                                       std::span<const double> timestamps,
                                       double sourceFps,
                                       const std::string& label);

// The highest source index the selection can use, so decoding may stop after it; -1 when it
// needs the whole stream (All, Uniform, Fps, Stride without a count, any time range).
std::int64_t lastNeededIndex(const FrameSelection& selection);

// The rate at which the kept frames should play: the source rate for All/First, divided by the
// stride, the target rate for Fps, and count / duration for Uniform.
double selectedFps(const FrameSelection& selection,
                   double sourceFps,
                   std::int64_t total,
                   std::size_t selected);

// Natural order for frame file names: digit runs compare by value, so "frame2" < "frame10".
bool naturalLess(std::string_view a, std::string_view b);

}  // namespace mp::video
