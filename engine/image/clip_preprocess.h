#pragma once
// CLIP's image preprocessing, as transformers' PIL-based processor does it (CLIPImageProcessor in
// transformers 4, CLIPImageProcessorPil in transformers 5, where CLIPImageProcessor became the
// torchvision one):
//   1. resize so the shorter side is `shortestEdge`; the longer side becomes
//      int(shortestEdge · long / short) (truncated), with PIL's bicubic on the uint8 image
//      (our resampler is bit-exact with Pillow there);
//   2. centre crop to crop × crop, top = (h − crop) // 2, left = (w − crop) // 2;
//   3. x / 255 computed in double and stored as float32, then (x − mean) / std in float32.
// The torchvision processor resizes with its own antialiasing and differs in the low bits; the
// metrics follow the PIL one, which the metric papers' code used.
// Torch-free: the result is planar float32 (3, crop, crop).

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace mp::image {

struct ClipPreprocessConfig {
    int shortestEdge = 224;
    int cropHeight = 224;
    int cropWidth = 224;
    bool doResize = true;
    bool doCenterCrop = true;
    bool doNormalize = true;
    double rescaleFactor = 1.0 / 255.0;
    std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};  // OpenAI CLIP
    std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};

    // preprocessor_config.json of a CLIP folder. Throws EngineError{Config} naming the key
    // for settings we do not reproduce (a resample other than bicubic, size as height/width).
    static ClipPreprocessConfig fromFile(const std::filesystem::path& path);
};

// `rgb`: interleaved uint8 RGB, width × height. Returns (3, cropHeight, cropWidth) planar.
std::vector<float> clipPreprocess(std::span<const std::uint8_t> rgb,
                                  int width,
                                  int height,
                                  const ClipPreprocessConfig& config);

}  // namespace mp::image
