#pragma once
// Synthetic videos with a known picture, written through FFmpeg's libraries (no `ffmpeg`
// program): the test corpus (rotated, non-square pixels, variable rate, 10-bit, alpha, MJPEG,
// interlaced, odd sizes, long files) and the seeking benchmark make their inputs with it.
// Torch-free, Qt-free and FFmpeg-free header.
//
// The picture (syntheticFrame) is four flat quadrants (red, green, blue, yellow from the top
// left, clockwise: red, green, yellow, blue), so any turn or mirror shows in the corners, plus
// a middle band of black/white cells holding the frame number in binary (most significant bit
// on the left), readable after lossy coding, and a small white square that moves one step per
// frame (motion for the encoder).

#include "core/job.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mp::video {

struct SyntheticSpec {
    int width = 64;
    int height = 48;
    int frames = 16;
    double fps = 10;  // constant rate, unless frameTimes is given
    // Presentation times in seconds (ascending, one per frame): a variable frame rate. Written
    // in a 1/1000 s time base.
    std::vector<double> frameTimes;
    std::string codec = "ffv1";  // an FFmpeg encoder name
    std::string pixelFormat;     // "" = the encoder's first; e.g. "yuv420p10le", "rgba"
    std::string container;       // FFmpeg muxer name; "" = from the file name
    int sampleAspectNum = 1;     // sample (pixel) aspect ratio written on the stream
    int sampleAspectDen = 1;
    // Display matrix, built as FFmpeg's -display_rotation/-display_hflip/-display_vflip do
    // (av_display_rotation_set, then av_display_matrix_flip): players turn the picture
    // `matrixRotation` degrees clockwise, then mirror it.
    bool writeMatrix = false;
    int matrixRotation = 0;
    bool matrixHflip = false;
    bool matrixVflip = false;
    std::string rotateTag;  // the legacy `rotate` stream tag, e.g. "90" (no matrix)
    // Field-coded, top field first, with the fields at their own times
    // (syntheticInterlacedFrame()); alpha is not written then.
    bool interlaced = false;
    int firstIndex = 0;  // frame number of the first picture (e.g. one file per frame)
    int gop = 0;         // keyframe interval; 0 = the encoder's default
    std::vector<std::pair<std::string, std::string>> codecOptions;  // e.g. {"preset", "ultrafast"}
};

// The picture of frame `index` at width x height: packed RGB24, or RGBA with `alpha` (alpha in
// three columns: opaque, half, transparent; syntheticAlpha()).
std::vector<std::uint8_t> syntheticFrame(int width, int height, int index, bool alpha = false);
// The alpha of column x: 255 in the left third, 128 in the middle third, 0 in the right third.
std::uint8_t syntheticAlpha(int x, int width);

// Interlaced video shows each field at its own time. Field pictures of frame `index` (RGB24):
// the same picture and frame number, with the square one square width further on in every
// field (top field of frame i at step 2i, bottom at 2i + 1), so that two fields never agree
// where it moves. A player's deinterlaced frame is the first (top) field's picture.
std::vector<std::uint8_t> syntheticField(int width, int height, int index, bool bottom);
// The stored (woven) frame: even rows from the top field, odd rows from the bottom field.
std::vector<std::uint8_t> syntheticInterlacedFrame(int width, int height, int index);

// The quadrant colours, top-left, top-right, bottom-left, bottom-right.
struct Rgb {
    std::uint8_t r, g, b;
};
inline constexpr Rgb kSyntheticCorners[4] = {{220, 40, 40},
                                             {40, 200, 60},
                                             {40, 60, 220},
                                             {230, 220, 50}};

// Bits of the frame number the band holds at this width (4..12).
int syntheticBits(int width);

// The frame number read back from an upright RGB24 picture of the synthetic pattern (the cells'
// centres thresholded); -1 when the band is not black and white there.
int readSyntheticFrameNumber(const std::vector<std::uint8_t>& rgb, int width, int height);

// Writes the file (not atomically: for tests and benchmarks). Errors: Unsupported for an
// encoder or pixel format this FFmpeg lacks, InvalidArgument for a bad spec, Io when writing
// fails. Progress: stage "encode".
Result<void> writeSyntheticVideo(const std::filesystem::path& path,
                                 const SyntheticSpec& spec,
                                 const JobContext& job = {});

}  // namespace mp::video
