#include "video/video_layout.h"

#include "core/error.h"
#include "core/strings.h"

#include <array>
#include <string>

namespace mp::video {

TensorLayout parseLayout(std::string_view text) {
    const auto t = str::toLower(text);
    if (t == "bcfhw" || t == "modelscope" || t == "latte")
        return TensorLayout::BCFHW;
    if (t == "bfchw" || t == "cogvideox")
        return TensorLayout::BFCHW;
    throw EngineError(
        ErrorCode::InvalidArgument,
        "layout '" + std::string(text) + "' is not bcfhw (modelscope, latte) or bfchw (cogvideox)");
}

const char* layoutName(TensorLayout layout) {
    return layout == TensorLayout::BCFHW ? "bcfhw" : "bfchw";
}

ValueRange parseRange(std::string_view text) {
    if (text == "-1,1")
        return ValueRange::MinusOneToOne;
    if (text == "0,1")
        return ValueRange::ZeroToOne;
    throw EngineError(ErrorCode::InvalidArgument,
                      "value range '" + std::string(text) + "' is not -1,1 or 0,1");
}

const char* rangeName(ValueRange range) {
    return range == ValueRange::MinusOneToOne ? "-1,1" : "0,1";
}

FloatVideo clipToFloats(const Clip& clip, TensorLayout layout, ValueRange range) {
    validateClip(clip, "clipToFloats");
    const std::int64_t f = clip.frameCount(), h = clip.height, w = clip.width, plane = h * w;
    // One table for the 256 byte values: the same float for a byte wherever it appears.
    std::array<float, 256> value{};
    for (int v = 0; v < 256; ++v)
        value[static_cast<std::size_t>(v)] = range == ValueRange::MinusOneToOne
                                                 ? static_cast<float>(v) / 127.5f - 1.0f
                                                 : static_cast<float>(v) / 255.0f;
    FloatVideo out;
    out.shape = layout == TensorLayout::BCFHW ? std::vector<std::int64_t>{1, 3, f, h, w}
                                              : std::vector<std::int64_t>{1, f, 3, h, w};
    out.values.resize(static_cast<std::size_t>(3 * f * plane));
    for (std::int64_t i = 0; i < f; ++i) {
        const std::uint8_t* src = clip.frames[static_cast<std::size_t>(i)].data();
        for (std::int64_t c = 0; c < 3; ++c) {
            // Where channel c of frame i starts in either layout.
            const std::int64_t base =
                layout == TensorLayout::BCFHW ? (c * f + i) * plane : (i * 3 + c) * plane;
            float* dst = out.values.data() + base;
            for (std::int64_t p = 0; p < plane; ++p)
                dst[p] = value[src[p * 3 + c]];
        }
    }
    return out;
}

}  // namespace mp::video
