#pragma once
// Antialiased separable image resize in the style of PIL's Image.resize. Torch-free and
// FFmpeg-free (it lives in mp_engine_base), so video decoding, compositions and the CLIP
// preprocessing (image/clip_preprocess, which must match PIL's bicubic) share one implementation.
//
// Algorithm, per axis (horizontal pass first, then vertical, each only when the size changes):
//   scale   = (box end - box start) / outSize        (source pixels per output pixel)
//   fscale  = max(scale, 1)                           (widen the filter only when shrinking)
//   support = filterSupport * fscale                  (so a downscale averages every source pixel)
//   centre of output pixel i in source coordinates: c = boxStart + (i + 0.5) * scale, i.e. the
//     centre-aligned mapping x_src = (x_out + 0.5) * scale - 0.5 in pixel-index terms;
//   taps j in [trunc(c - support + 0.5), trunc(c + support + 0.5)) clipped to the image,
//   weight_j = filter((j - c + 0.5) / fscale), then normalised to sum 1.
// Filters: box (support 0.5), bilinear/triangle (1), bicubic with a = -0.5 (2), Lanczos-3 (3).
// uint8 planes use PIL's fixed-point arithmetic (22 fractional bits, round half up, clamp to
// 0..255 after each pass), so results equal Pillow's bit for bit; float planes accumulate in
// double, store float and are not clamped (bicubic may overshoot, as in PIL's "F" mode).

#include <cstdint>
#include <span>
#include <vector>

namespace mp::image {

enum class ResampleFilter { Box, Bilinear, Bicubic, Lanczos };

// A region of the source in pixel units (edges, not centres): {0, 0, width, height} is the
// whole image. Fractional edges are allowed, as in PIL's resize(box=...).
struct SourceBox {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// The taps one axis uses: output pixel i reads `count[i]` source pixels starting at `first[i]`,
// weighted by weights[i * maxTaps + k] (normalised to sum 1).
struct AxisWeights {
    int inSize = 0;
    int outSize = 0;
    int maxTaps = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<double> weights;
};

// Throws EngineError{InvalidArgument} on sizes < 1 or a box outside [0, inSize].
AxisWeights computeAxisWeights(int inSize,
                               int outSize,
                               ResampleFilter filter,
                               double boxStart = 0,
                               double boxEnd = -1);

double filterSupport(ResampleFilter filter);
double filterValue(ResampleFilter filter, double x);

// Interleaved planes: channel c of pixel (x, y) is at data[(y * width + x) * channels + c].
// `box` defaults to the whole source. Throws EngineError{InvalidArgument} on bad sizes, a data
// size that is not width * height * channels, or a box outside the source.
std::vector<std::uint8_t> resize(std::span<const std::uint8_t> src,
                                 int width,
                                 int height,
                                 int channels,
                                 int outWidth,
                                 int outHeight,
                                 ResampleFilter filter = ResampleFilter::Bicubic,
                                 const SourceBox* box = nullptr);
std::vector<float> resize(std::span<const float> src,
                          int width,
                          int height,
                          int channels,
                          int outWidth,
                          int outHeight,
                          ResampleFilter filter = ResampleFilter::Bicubic,
                          const SourceBox* box = nullptr);

}  // namespace mp::image
