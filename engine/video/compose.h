#pragma once
// Side-by-side and grid compositions with labels ("original | reconstruction | resample at
// t=600"), for motionprobe-cli compose. Torch-free, FFmpeg-free.

#include "core/job.h"
#include "video/bitmap_font.h"
#include "video/clip.h"

#include <string>
#include <vector>

namespace mp::video {

struct LabeledClip {
    const Clip* clip = nullptr;  // not owned; must outlive the call
    std::string label;           // printable ASCII; empty = no label band
};

// What to do when the inputs have different frame counts.
enum class LengthPolicy {
    HoldLast,  // as long as the longest input; shorter ones hold their last frame
    Shortest,  // as long as the shortest input
};

struct ComposeOptions {
    int columns = 0;  // 0: every input in one row
    // Cell size; 0 x 0: the first input's size. Inputs of another size are resized to fit inside
    // the cell keeping their aspect ratio, centred on the background (letterbox); an input of
    // the cell's size is copied unchanged.
    int cellWidth = 0;
    int cellHeight = 0;
    int gap = 4;  // background pixels between cells
    Rgb background{16, 16, 16};
    Rgb labelColor{255, 255, 255};
    float bandKeep = 0.3f;  // the label band darkens the cell to this fraction
    int labelScale = 0;     // 0: max(1, cellHeight / 128)
    LengthPolicy length = LengthPolicy::HoldLast;
    double fps = 0;  // 0: the first input's fps. Frames pair by index, not by time.
};

// Grid layout: columns C (inputs n when 0), rows ceil(n / C), filled row by row; the output is
// C * cellWidth + (C - 1) * gap wide and R * cellHeight + (R - 1) * gap high. Each label is drawn
// at the top-left of its cell over a dark band across the cell's width, truncated with ".." when
// it does not fit. InvalidArgument on no inputs, an empty clip, columns < 0 or bad sizes.
// Progress: stage "compose", one step per input resized.
Result<Clip> composeClips(const std::vector<LabeledClip>& inputs,
                          const ComposeOptions& options = {},
                          const JobContext& job = {});

// The label band's height for a scale: glyphs plus `scale * 2` pixels above and below.
inline int labelBandHeight(int scale) {
    return textHeight(scale) + 4 * scale;
}

}  // namespace mp::video
