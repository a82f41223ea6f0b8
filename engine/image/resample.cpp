#include "image/resample.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace mp::image {

namespace {

// Fixed-point fraction bits for uint8 planes: 255 * 2^22 * (sum of |weights|) stays far below
// 2^31, and it is the precision Pillow uses, so our bytes equal its bytes.
constexpr int kPrecisionBits = 22;

double sinc(double x) {
    if (x == 0.0)
        return 1.0;
    x *= std::numbers::pi;
    return std::sin(x) / x;
}

void checkPlane(std::size_t size,
                int width,
                int height,
                int channels,
                int outWidth,
                int outHeight) {
    if (width < 1 || height < 1 || channels < 1 || outWidth < 1 || outHeight < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          "resize: sizes must be positive (got " + std::to_string(width) + "x" +
                              std::to_string(height) + "x" + std::to_string(channels) + " -> " +
                              std::to_string(outWidth) + "x" + std::to_string(outHeight) + ")");
    const auto expected = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                          static_cast<std::size_t>(channels);
    if (size != expected)
        throw EngineError(ErrorCode::InvalidArgument,
                          "resize: plane holds " + std::to_string(size) + " values, expected " +
                              std::to_string(expected));
}

// One pass along rows (horizontal) or columns (vertical). `Acc` is the accumulator type: int64
// fixed point for uint8, double for float.
template <class T>
struct Kernel;

template <>
struct Kernel<std::uint8_t> {
    std::vector<std::int64_t> taps;
    explicit Kernel(const AxisWeights& w) : taps(w.weights.size()) {
        for (std::size_t i = 0; i < w.weights.size(); ++i) {
            const double v = w.weights[i] * (1 << kPrecisionBits);
            taps[i] = static_cast<std::int64_t>(v < 0 ? v - 0.5 : v + 0.5);
        }
    }
    static std::int64_t start() { return std::int64_t{1} << (kPrecisionBits - 1); }
    static std::uint8_t finish(std::int64_t acc) {
        return static_cast<std::uint8_t>(std::clamp<std::int64_t>(acc >> kPrecisionBits, 0, 255));
    }
};

template <>
struct Kernel<float> {
    std::vector<double> taps;
    explicit Kernel(const AxisWeights& w) : taps(w.weights) {}
    static double start() { return 0.0; }
    static float finish(double acc) { return static_cast<float>(acc); }
};

// Rows [0, rows) of `src` (srcWidth wide) -> rows of `out` (w.outSize wide).
template <class T>
void horizontalPass(const T* src,
                    int srcWidth,
                    int rows,
                    int channels,
                    const AxisWeights& w,
                    T* out) {
    const Kernel<T> k(w);
    for (int y = 0; y < rows; ++y) {
        const T* row = src + static_cast<std::size_t>(y) * srcWidth * channels;
        T* dst = out + static_cast<std::size_t>(y) * w.outSize * channels;
        for (int x = 0; x < w.outSize; ++x) {
            const auto* taps = &k.taps[static_cast<std::size_t>(x) * w.maxTaps];
            for (int c = 0; c < channels; ++c) {
                auto acc = Kernel<T>::start();
                for (int t = 0; t < w.count[x]; ++t)
                    acc += row[(w.first[x] + t) * channels + c] * taps[t];
                dst[x * channels + c] = Kernel<T>::finish(acc);
            }
        }
    }
}

// Columns: `src` holds rows starting at source row `rowOffset`.
template <class T>
void verticalPass(const T* src,
                  int width,
                  int channels,
                  int rowOffset,
                  const AxisWeights& w,
                  T* out) {
    const Kernel<T> k(w);
    const std::size_t stride = static_cast<std::size_t>(width) * channels;
    for (int y = 0; y < w.outSize; ++y) {
        const auto* taps = &k.taps[static_cast<std::size_t>(y) * w.maxTaps];
        const T* base = src + static_cast<std::size_t>(w.first[y] - rowOffset) * stride;
        T* dst = out + static_cast<std::size_t>(y) * stride;
        for (std::size_t i = 0; i < stride; ++i) {
            auto acc = Kernel<T>::start();
            for (int t = 0; t < w.count[y]; ++t)
                acc += base[t * stride + i] * taps[t];
            dst[i] = Kernel<T>::finish(acc);
        }
    }
}

template <class T>
std::vector<T> resizeImpl(std::span<const T> src,
                          int width,
                          int height,
                          int channels,
                          int outWidth,
                          int outHeight,
                          ResampleFilter filter,
                          const SourceBox* box) {
    checkPlane(src.size(), width, height, channels, outWidth, outHeight);
    const SourceBox b = box ? *box : SourceBox{0, 0, double(width), double(height)};
    const bool needH = outWidth != width || b.x0 != 0 || b.x1 != width;
    const bool needV = outHeight != height || b.y0 != 0 || b.y1 != height;
    if (!needH && !needV)
        return {src.begin(), src.end()};

    // Only the source rows the vertical pass reads go through the horizontal pass.
    AxisWeights vw;
    int rowFirst = 0, rowLast = height;
    if (needV) {
        vw = computeAxisWeights(height, outHeight, filter, b.y0, b.y1);
        rowFirst = vw.first.front();
        rowLast = vw.first.back() + vw.count.back();
    }
    std::vector<T> horizontal;
    const T* vsrc = src.data() + static_cast<std::size_t>(rowFirst) * width * channels;
    int vwidth = width;
    if (needH) {
        const auto hw = computeAxisWeights(width, outWidth, filter, b.x0, b.x1);
        horizontal.resize(static_cast<std::size_t>(rowLast - rowFirst) * outWidth * channels);
        horizontalPass(vsrc, width, rowLast - rowFirst, channels, hw, horizontal.data());
        if (!needV)
            return horizontal;
        vsrc = horizontal.data();
        vwidth = outWidth;
    }
    std::vector<T> out(static_cast<std::size_t>(outHeight) * vwidth * channels);
    verticalPass(vsrc, vwidth, channels, rowFirst, vw, out.data());
    return out;
}

}  // namespace

double filterSupport(ResampleFilter filter) {
    switch (filter) {
        case ResampleFilter::Box:
            return 0.5;
        case ResampleFilter::Bilinear:
            return 1.0;
        case ResampleFilter::Bicubic:
            return 2.0;
        case ResampleFilter::Lanczos:
            return 3.0;
    }
    return 1.0;
}

double filterValue(ResampleFilter filter, double x) {
    switch (filter) {
        case ResampleFilter::Box:
            // Half-open so that each source pixel lands in exactly one box.
            return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
        case ResampleFilter::Bilinear:
            x = std::abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        case ResampleFilter::Bicubic: {
            // Keys' cubic convolution with a = -0.5 (Catmull-Rom), as PIL uses.
            constexpr double a = -0.5;
            x = std::abs(x);
            if (x < 1.0)
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
            if (x < 2.0)
                return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
            return 0.0;
        }
        case ResampleFilter::Lanczos:
            return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
    }
    return 0.0;
}

AxisWeights computeAxisWeights(int inSize,
                               int outSize,
                               ResampleFilter filter,
                               double boxStart,
                               double boxEnd) {
    if (boxEnd < 0)
        boxEnd = inSize;
    if (inSize < 1 || outSize < 1 || boxStart < 0 || boxEnd > inSize || boxEnd <= boxStart)
        throw EngineError(ErrorCode::InvalidArgument,
                          "resize: cannot map source span [" + std::to_string(boxStart) + ", " +
                              std::to_string(boxEnd) + ") of " + std::to_string(inSize) +
                              " pixels onto " + std::to_string(outSize));
    const double scale = (boxEnd - boxStart) / outSize;
    const double fscale = std::max(scale, 1.0);
    const double support = filterSupport(filter) * fscale;
    AxisWeights w;
    w.inSize = inSize;
    w.outSize = outSize;
    w.maxTaps = static_cast<int>(std::ceil(support)) * 2 + 1;
    w.first.resize(outSize);
    w.count.resize(outSize);
    w.weights.assign(static_cast<std::size_t>(outSize) * w.maxTaps, 0.0);
    for (int i = 0; i < outSize; ++i) {
        const double centre = boxStart + (i + 0.5) * scale;
        // Truncation (not floor) as in PIL; the clamp makes the difference irrelevant.
        const int lo = std::max(static_cast<int>(centre - support + 0.5), 0);
        const int hi = std::min(static_cast<int>(centre + support + 0.5), inSize);
        const int n = std::min(hi - lo, w.maxTaps);
        double* k = &w.weights[static_cast<std::size_t>(i) * w.maxTaps];
        double total = 0;
        for (int t = 0; t < n; ++t) {
            k[t] = filterValue(filter, (t + lo - centre + 0.5) / fscale);
            total += k[t];
        }
        if (total != 0)
            for (int t = 0; t < n; ++t)
                k[t] /= total;
        w.first[i] = lo;
        w.count[i] = std::max(n, 0);
    }
    return w;
}

std::vector<std::uint8_t> resize(std::span<const std::uint8_t> src,
                                 int width,
                                 int height,
                                 int channels,
                                 int outWidth,
                                 int outHeight,
                                 ResampleFilter filter,
                                 const SourceBox* box) {
    return resizeImpl(src, width, height, channels, outWidth, outHeight, filter, box);
}

std::vector<float> resize(std::span<const float> src,
                          int width,
                          int height,
                          int channels,
                          int outWidth,
                          int outHeight,
                          ResampleFilter filter,
                          const SourceBox* box) {
    return resizeImpl(src, width, height, channels, outWidth, outHeight, filter, box);
}

}  // namespace mp::image
