#include "image/clip_preprocess.h"

#include "core/error.h"
#include "image/resample.h"
#include "io/config.h"

#include <algorithm>

namespace mp::image {

ClipPreprocessConfig ClipPreprocessConfig::fromFile(const std::filesystem::path& path) {
    const auto json = JsonConfig::load(path);
    ClipPreprocessConfig c;
    c.doResize = json.getBool("do_resize", c.doResize);
    c.doCenterCrop = json.getBool("do_center_crop", c.doCenterCrop);
    c.doNormalize = json.getBool("do_normalize", c.doNormalize);
    c.rescaleFactor = json.getDouble("rescale_factor", c.rescaleFactor);
    if (!json.getBool("do_rescale", true))
        json.fail("do_rescale", "false is not supported (CLIP rescales to [0, 1])");
    if (json.getInt("resample", 3) != 3)
        json.fail("resample", "only 3 (bicubic) is supported");
    const auto& size = json.raw("size");
    if (size.is_number_integer())
        c.shortestEdge = size.get<int>();
    else if (size.is_object() && size.contains("shortest_edge") &&
             size["shortest_edge"].is_number_integer())
        c.shortestEdge = size["shortest_edge"].get<int>();
    else if (!size.is_null())
        json.fail("size", "expected {\"shortest_edge\": N} or N");
    const auto& crop = json.raw("crop_size");
    if (crop.is_number_integer()) {
        c.cropHeight = c.cropWidth = crop.get<int>();
    } else if (crop.is_object() && crop.contains("height") && crop.contains("width") &&
               crop["height"].is_number_integer() && crop["width"].is_number_integer()) {
        c.cropHeight = crop["height"].get<int>();
        c.cropWidth = crop["width"].get<int>();
    } else if (!crop.is_null()) {
        json.fail("crop_size", "expected {\"height\": H, \"width\": W} or N");
    }
    for (const char* key : {"image_mean", "image_std"}) {
        const auto& v = json.raw(key);
        if (v.is_null())
            continue;
        if (!v.is_array() || v.size() != 3)
            json.fail(key, "expected three numbers");
        auto& target = std::string_view(key) == "image_mean" ? c.mean : c.std;
        for (std::size_t i = 0; i < 3; ++i) {
            if (!v[i].is_number())
                json.fail(key, "expected three numbers");
            target[i] = v[i].get<float>();
        }
    }
    json.checkRange("size", c.shortestEdge, 1, 8192);
    json.checkRange("crop_size", std::min(c.cropHeight, c.cropWidth), 1, 8192);
    return c;
}

std::vector<float> clipPreprocess(std::span<const std::uint8_t> rgb,
                                  int width,
                                  int height,
                                  const ClipPreprocessConfig& c) {
    if (width < 1 || height < 1 || rgb.size() != std::size_t(width) * height * 3)
        throw EngineError(ErrorCode::InvalidArgument, "CLIP preprocessing: expected " +
                                                          std::to_string(width) + "×" +
                                                          std::to_string(height) + " RGB bytes");
    std::vector<std::uint8_t> img(rgb.begin(), rgb.end());
    int w = width, h = height;
    if (c.doResize) {
        // transformers' get_resize_output_image_size(default_to_square=False).
        const bool wide = w >= h;
        const int shortSide = wide ? h : w, longSide = wide ? w : h;
        const int newLong =
            static_cast<int>(static_cast<double>(c.shortestEdge) * longSide / shortSide);
        const int outW = wide ? newLong : c.shortestEdge;
        const int outH = wide ? c.shortestEdge : newLong;
        if (outW != w || outH != h)
            img = resize(img, w, h, 3, outW, outH, ResampleFilter::Bicubic);
        w = outW;
        h = outH;
    }
    int top = 0, left = 0, outH = h, outW = w;
    if (c.doCenterCrop) {
        if (c.cropHeight > h || c.cropWidth > w)
            throw EngineError(ErrorCode::InvalidArgument,
                              "CLIP preprocessing: a " + std::to_string(w) + "×" +
                                  std::to_string(h) + " image is smaller than the crop");
        top = (h - c.cropHeight) / 2;
        left = (w - c.cropWidth) / 2;
        outH = c.cropHeight;
        outW = c.cropWidth;
    }
    std::vector<float> out(std::size_t(3) * outH * outW);
    for (int ch = 0; ch < 3; ++ch)
        for (int y = 0; y < outH; ++y)
            for (int x = 0; x < outW; ++x) {
                const auto v = img[(std::size_t(top + y) * w + (left + x)) * 3 + ch];
                auto f = static_cast<float>(static_cast<double>(v) * c.rescaleFactor);
                if (c.doNormalize)
                    f = (f - c.mean[ch]) / c.std[ch];
                out[(std::size_t(ch) * outH + y) * outW + x] = f;
            }
    return out;
}

}  // namespace mp::image
