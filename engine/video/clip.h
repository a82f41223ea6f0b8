#pragma once
// A decoded clip: uint8 RGB frames of one size plus where they came from. Torch-free and
// FFmpeg-free, so code that only holds or draws frames needs neither; video_tensor.h converts to
// tensors.

#include "image/resample.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mp::video {

// The frame rate of frames that carry none (a folder of images, a tensor): 8 fps, the default of
// diffusers' export_to_video and of the ModelScope demos.
inline constexpr double kDefaultFps = 8;

// Where a clip came from. Filled by decodeVideo(); a clip built in memory leaves it empty.
struct SourceInfo {
    std::string path;
    std::string container;    // FFmpeg's demuxer name, or "image-sequence"
    std::string codec;        // "h264", "vp9", "png", ...
    std::string pixelFormat;  // the decoder's output format, "yuv420p", ...
    int codedWidth = 0;       // as stored, before rotation
    int codedHeight = 0;
    int rotation = 0;       // degrees clockwise applied on decode (display matrix): 0/90/180/270
    bool mirrored = false;  // mirrored left-right after the rotation (display matrix)
    // Sample (pixel) aspect ratio of the stored picture; 1:1 when square or unknown.
    int sampleAspectNum = 1;
    int sampleAspectDen = 1;
    std::string fieldOrder;     // "progressive", "tt" (top field first), "bb", "tb", "bt" or ""
    bool deinterlaced = false;  // the kept frames went through the deinterlacer
    bool alpha = false;         // the pixel format has alpha: frames are composited over a colour
    double fps = 0;             // the source's frame rate (average rate for variable-rate streams)
    std::int64_t frameCount = -1;            // frames in the whole source; -1 when not counted
    bool frameCountEstimated = false;        // frameCount comes from the container, not a count
    double durationSeconds = 0;              // 0 when unknown
    std::vector<std::int64_t> frameIndices;  // source frame index of each clip frame
    std::vector<double> timestamps;          // seconds from the first frame, per clip frame
    bool partial = false;  // the stream broke off; the clip holds the frames before the break
    std::string warning;   // why `partial` is set
};

struct Clip {
    int width = 0;
    int height = 0;
    double fps = 0;
    // Packed RGB24 rows, width * height * 3 bytes per frame.
    std::vector<std::vector<std::uint8_t>> frames;
    SourceInfo source;

    int frameCount() const { return static_cast<int>(frames.size()); }
    std::size_t frameBytes() const { return static_cast<std::size_t>(width) * height * 3; }
    std::uint8_t* pixel(int frame, int x, int y) {
        return frames[frame].data() + (static_cast<std::size_t>(y) * width + x) * 3;
    }
    const std::uint8_t* pixel(int frame, int x, int y) const {
        return frames[frame].data() + (static_cast<std::size_t>(y) * width + x) * 3;
    }
};

// Throws EngineError{InvalidArgument} naming `label` if the clip is empty, a size is not
// positive or a frame's byte count is not width * height * 3.
void validateClip(const Clip& clip, const std::string& label);

// "resize shortest side then center crop" (Crop) or "resize to exactly this size" (Stretch).
enum class FitMode { Crop, Stretch };

// One RGB24 frame resized to outWidth x outHeight. Crop scales by max(outW/w, outH/h) so the
// frame covers the target, resizes to round(w*s) x round(h*s) (never below the target) and
// keeps the centre, dropping floor(excess / 2) pixels on the left/top. Stretch ignores the
// aspect ratio. Resampling is antialiased (image/resample.h).
std::vector<std::uint8_t> fitFrame(const std::vector<std::uint8_t>& rgb,
                                   int width,
                                   int height,
                                   int outWidth,
                                   int outHeight,
                                   FitMode fit,
                                   image::ResampleFilter filter = image::ResampleFilter::Bicubic);

// Every frame through fitFrame(); returns the clip unchanged if it already has that size.
Clip fitClip(const Clip& clip,
             int outWidth,
             int outHeight,
             FitMode fit,
             image::ResampleFilter filter = image::ResampleFilter::Bicubic);

// How a stored picture is shown: turned `rotation` degrees clockwise (0/90/180/270), then
// mirrored left-right when `mirror` is set. The eight combinations cover every display matrix
// that maps pixels to pixels (turns and flips).
struct Orientation {
    int rotation = 0;
    bool mirror = false;
    bool operator==(const Orientation&) const = default;
};

// The orientation a display matrix (FFmpeg's 3x3 16.16 fixed-point layout, libavutil/display.h:
// a stored point (x, y) shows at (m[0]x + m[3]y, m[1]x + m[4]y) with y pointing down) stands
// for, snapped to the nearest quarter turn. A singular matrix gives the identity.
Orientation orientationFromMatrix(const std::int32_t matrix[9]);

// The display size of a stored w x h picture with sample aspect num:den, as players show it:
// pixels are stretched, never squeezed (2:1 doubles the width, 1:2 doubles the height).
// Returns {w, h} for a square or invalid aspect.
std::pair<int, int> displaySizeFor(int width, int height, int sarNum, int sarDen);

// Turns and mirrors one RGB24 frame as `o` says; 90 and 270 swap width and height.
std::vector<std::uint8_t> orientFrame(const std::vector<std::uint8_t>& rgb,
                                      int width,
                                      int height,
                                      Orientation o);

// Rotates one RGB24 frame clockwise by 0, 90, 180 or 270 degrees; 90 and 270 swap width and
// height. Throws EngineError{InvalidArgument} for other angles.
std::vector<std::uint8_t> rotateFrame(const std::vector<std::uint8_t>& rgb,
                                      int width,
                                      int height,
                                      int degreesClockwise);

}  // namespace mp::video
