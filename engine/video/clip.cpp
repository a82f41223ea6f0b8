#include "video/clip.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace mp::video {

void validateClip(const Clip& clip, const std::string& label) {
    if (clip.width < 1 || clip.height < 1)
        throw EngineError(ErrorCode::InvalidArgument,
                          label + ": frame size " + std::to_string(clip.width) + "x" +
                              std::to_string(clip.height) + " is not positive");
    if (clip.frames.empty())
        throw EngineError(ErrorCode::InvalidArgument, label + ": the clip has no frames");
    for (std::size_t i = 0; i < clip.frames.size(); ++i)
        if (clip.frames[i].size() != clip.frameBytes())
            throw EngineError(ErrorCode::InvalidArgument,
                              label + ": frame " + std::to_string(i) + " holds " +
                                  std::to_string(clip.frames[i].size()) + " bytes, expected " +
                                  std::to_string(clip.frameBytes()) + " (" +
                                  std::to_string(clip.width) + "x" + std::to_string(clip.height) +
                                  " RGB)");
}

std::vector<std::uint8_t> fitFrame(const std::vector<std::uint8_t>& rgb,
                                   int width,
                                   int height,
                                   int outWidth,
                                   int outHeight,
                                   FitMode fit,
                                   image::ResampleFilter filter) {
    if (outWidth < 1 || outHeight < 1)
        throw EngineError(ErrorCode::InvalidArgument, "target size " + std::to_string(outWidth) +
                                                          "x" + std::to_string(outHeight) +
                                                          " is not positive");
    if (width == outWidth && height == outHeight)
        return rgb;
    if (fit == FitMode::Stretch)
        return image::resize(rgb, width, height, 3, outWidth, outHeight, filter);
    // Cover the target, then keep the centre.
    const double s = std::max(double(outWidth) / width, double(outHeight) / height);
    const int rw = std::max(outWidth, static_cast<int>(std::lround(width * s)));
    const int rh = std::max(outHeight, static_cast<int>(std::lround(height * s)));
    const auto resized =
        (rw == width && rh == height) ? rgb : image::resize(rgb, width, height, 3, rw, rh, filter);
    const int left = (rw - outWidth) / 2, top = (rh - outHeight) / 2;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(outWidth) * outHeight * 3);
    for (int y = 0; y < outHeight; ++y)
        std::copy_n(resized.data() + (static_cast<std::size_t>(top + y) * rw + left) * 3,
                    outWidth * 3, out.data() + static_cast<std::size_t>(y) * outWidth * 3);
    return out;
}

Clip fitClip(const Clip& clip,
             int outWidth,
             int outHeight,
             FitMode fit,
             image::ResampleFilter filter) {
    if (clip.width == outWidth && clip.height == outHeight)
        return clip;
    Clip out;
    out.width = outWidth;
    out.height = outHeight;
    out.fps = clip.fps;
    out.source = clip.source;
    out.frames.reserve(clip.frames.size());
    for (const auto& f : clip.frames)
        out.frames.push_back(
            fitFrame(f, clip.width, clip.height, outWidth, outHeight, fit, filter));
    return out;
}

Orientation orientationFromMatrix(const std::int32_t m[9]) {
    // Column form: (x, y) -> (a x + c y, b x + d y). A negative determinant is a mirror; the
    // matrix is then "mirror after turn" (FFmpeg's av_display_matrix_flip negates the first
    // row), so undoing the mirror leaves the turn, whose first column is (cos, sin) clockwise.
    const double a = m[0] / 65536.0, b = m[1] / 65536.0, c = m[3] / 65536.0, d = m[4] / 65536.0;
    const double det = a * d - b * c;
    if (!std::isfinite(det) || std::abs(det) < 1e-9)
        return {};
    Orientation o;
    o.mirror = det < 0;
    const double degrees = std::atan2(b, o.mirror ? -a : a) * 180.0 / 3.14159265358979323846;
    const int r = static_cast<int>(std::lround(degrees / 90.0)) * 90;
    o.rotation = ((r % 360) + 360) % 360;
    return o;
}

std::pair<int, int> displaySizeFor(int width, int height, int sarNum, int sarDen) {
    if (sarNum <= 0 || sarDen <= 0 || sarNum == sarDen)
        return {width, height};
    if (sarNum > sarDen)
        return {std::max(1, static_cast<int>(std::lround(double(width) * sarNum / sarDen))),
                height};
    return {width, std::max(1, static_cast<int>(std::lround(double(height) * sarDen / sarNum)))};
}

std::vector<std::uint8_t> orientFrame(const std::vector<std::uint8_t>& rgb,
                                      int width,
                                      int height,
                                      Orientation o) {
    const int r = ((o.rotation % 360) + 360) % 360;
    if (r != 0 && r != 90 && r != 180 && r != 270)
        throw EngineError(
            ErrorCode::InvalidArgument,
            "rotation must be 0, 90, 180 or 270 degrees, not " + std::to_string(o.rotation));
    if (r == 0 && !o.mirror)
        return rgb;
    const bool swap = r == 90 || r == 270;
    const int ow = swap ? height : width;
    std::vector<std::uint8_t> out(rgb.size());
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            // Where stored pixel (x, y) lands after turning the picture clockwise.
            int ox = x, oy = y;
            if (r == 90) {
                ox = height - 1 - y;
                oy = x;
            } else if (r == 180) {
                ox = width - 1 - x;
                oy = height - 1 - y;
            } else if (r == 270) {
                ox = y;
                oy = width - 1 - x;
            }
            if (o.mirror)
                ox = ow - 1 - ox;
            std::copy_n(rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3, 3,
                        out.data() + (static_cast<std::size_t>(oy) * ow + ox) * 3);
        }
    return out;
}

std::vector<std::uint8_t> rotateFrame(const std::vector<std::uint8_t>& rgb,
                                      int width,
                                      int height,
                                      int degreesClockwise) {
    return orientFrame(rgb, width, height, {degreesClockwise, false});
}

}  // namespace mp::video
