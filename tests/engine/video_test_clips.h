#pragma once
// Synthetic clips for the video tests: a smooth gradient background with two coloured squares
// that move one pixel per frame (one right, one down), so every frame differs from every other
// and a decoded frame can be matched to its source frame even after lossy coding.

#include "video/clip.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace mp::test {

inline video::Clip movingSquares(int width,
                                 int height,
                                 int frames,
                                 double fps = 8,
                                 bool gradient = true) {
    video::Clip clip;
    clip.width = width;
    clip.height = height;
    clip.fps = fps;
    const int size = std::max(3, std::min(width, height) / 4);
    for (int f = 0; f < frames; ++f) {
        std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
        const int ax = 1 + f % std::max(1, width - size - 1), ay = 1;
        const int bx = width / 2, by = 1 + f % std::max(1, height - size - 1);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                auto* p = rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3;
                if (gradient) {
                    p[0] = static_cast<std::uint8_t>(40 + 150 * x / std::max(1, width - 1));
                    p[1] = static_cast<std::uint8_t>(60 + 100 * y / std::max(1, height - 1));
                    p[2] = 90;
                } else {
                    p[0] = 30;
                    p[1] = 120;
                    p[2] = 60;
                }
                if (x >= ax && x < ax + size && y >= ay && y < ay + size) {
                    p[0] = 230;
                    p[1] = 40;
                    p[2] = 40;
                } else if (x >= bx && x < bx + size && y >= by && y < by + size) {
                    p[0] = 40;
                    p[1] = 60;
                    p[2] = 230;
                }
            }
        clip.frames.push_back(std::move(rgb));
    }
    return clip;
}

// Mean absolute difference over the top-left w x h region of two RGB24 frames.
inline double meanAbsDiff(const std::vector<std::uint8_t>& a,
                          int aw,
                          const std::vector<std::uint8_t>& b,
                          int bw,
                          int w,
                          int h) {
    double sum = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w * 3; ++x)
            sum += std::abs(int(a[static_cast<std::size_t>(y) * aw * 3 + x]) -
                            int(b[static_cast<std::size_t>(y) * bw * 3 + x]));
    return sum / (double(w) * h * 3);
}

inline int maxAbsDiff(const std::vector<std::uint8_t>& a,
                      int aw,
                      const std::vector<std::uint8_t>& b,
                      int bw,
                      int w,
                      int h) {
    int m = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w * 3; ++x)
            m = std::max(m, std::abs(int(a[static_cast<std::size_t>(y) * aw * 3 + x]) -
                                     int(b[static_cast<std::size_t>(y) * bw * 3 + x])));
    return m;
}

inline double psnr(const std::vector<std::uint8_t>& a,
                   int aw,
                   const std::vector<std::uint8_t>& b,
                   int bw,
                   int w,
                   int h) {
    double se = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w * 3; ++x) {
            const double d = int(a[static_cast<std::size_t>(y) * aw * 3 + x]) -
                             int(b[static_cast<std::size_t>(y) * bw * 3 + x]);
            se += d * d;
        }
    const double mse = se / (double(w) * h * 3);
    return mse == 0 ? std::numeric_limits<double>::infinity()
                    : 10 * std::log10(255.0 * 255.0 / mse);
}

// The source frame a decoded frame is closest to (mean absolute difference).
inline int nearestFrame(const std::vector<std::uint8_t>& decoded, int dw, const video::Clip& src) {
    int best = -1;
    double bestDiff = 1e9;
    for (int i = 0; i < src.frameCount(); ++i) {
        const double d = meanAbsDiff(decoded, dw, src.frames[i], src.width, src.width, src.height);
        if (d < bestDiff) {
            bestDiff = d;
            best = i;
        }
    }
    return best;
}

}  // namespace mp::test
