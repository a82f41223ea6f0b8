#include "metrics/clip_scorer.h"

#include "core/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

namespace mp::metrics {

namespace fs = std::filesystem;

std::string clipArchitectureName(const models::ClipVisionConfig& v) {
    std::string size;
    if (v.hiddenSize == 768 && v.numHiddenLayers == 12)
        size = "B";
    else if (v.hiddenSize == 1024 && v.numHiddenLayers == 24)
        size = "L";
    else if (v.hiddenSize == 1280 && v.numHiddenLayers == 32)
        size = "H";
    else if (v.hiddenSize == 1408 && v.numHiddenLayers == 40)
        size = "g";
    else if (v.hiddenSize == 1664 && v.numHiddenLayers == 48)
        size = "bigG";
    else
        size = std::to_string(v.numHiddenLayers) + "x" + std::to_string(v.hiddenSize);
    auto name = "ViT-" + size + "/" + std::to_string(v.patchSize);
    if (v.imageSize != 224)
        name += "@" + std::to_string(v.imageSize) + "px";
    return name;
}

std::string modelFolderLabel(const fs::path& dir) {
    const auto clean = dir.lexically_normal();
    for (const auto& part : clean) {
        const auto s = part.string();
        if (s.rfind("models--", 0) == 0) {
            // models--org--name: the hub cache's spelling of org/name.
            auto name = s.substr(8);
            if (const auto sep = name.find("--"); sep != std::string::npos)
                name.replace(sep, 2, "/");
            return name;
        }
    }
    auto name = clean.filename().string();
    if (name.empty() || name == ".")
        name = clean.parent_path().filename().string();
    return name.empty() ? clean.string() : name;
}

ClipScorer::ClipScorer(models::ClipModel model, text::ClipTokenizer tokenizer)
    : m_model(std::move(model)), m_tokenizer(std::move(tokenizer)) {}

Result<ClipScorer> ClipScorer::load(const fs::path& modelDir,
                                    const ClipScorerOptions& options,
                                    const JobContext& job) {
    return capture([&] { return loadImpl(modelDir, options, job); });
}

ClipScorer ClipScorer::loadImpl(const fs::path& modelDir,
                                const ClipScorerOptions& options,
                                const JobContext& job) {
    job.report("load", 0, 1);
    const fs::path processorDir = options.processorDir.empty() ? modelDir : options.processorDir;
    auto model = models::loadClipModel(modelDir, options.variant, options.device);
    auto tokenizer = text::ClipTokenizer::fromFolder(processorDir);
    ClipScorer scorer(std::move(model), std::move(tokenizer));
    const auto& vision = scorer.m_model->config().vision;
    std::error_code ec;
    const auto preprocessorPath = processorDir / "preprocessor_config.json";
    if (fs::exists(preprocessorPath, ec)) {
        scorer.m_preprocess = image::ClipPreprocessConfig::fromFile(preprocessorPath);
    } else {
        // CLIP's own recipe at the tower's size: what every published CLIP folder writes.
        auto& p = scorer.m_preprocess;
        p.shortestEdge = p.cropHeight = p.cropWidth = static_cast<int>(vision.imageSize);
        scorer.m_notes.push_back(processorDir.string() +
                                 ": no preprocessor_config.json; using CLIP's defaults (shortest "
                                 "edge and crop " +
                                 std::to_string(vision.imageSize) + ", OpenAI mean/std)");
    }
    const auto& p = scorer.m_preprocess;
    if (p.cropHeight != vision.imageSize || p.cropWidth != vision.imageSize)
        throw EngineError(ErrorCode::Config, preprocessorPath.string() + ": crop_size " +
                                                 std::to_string(p.cropHeight) + "x" +
                                                 std::to_string(p.cropWidth) +
                                                 " does not match the vision tower's image_size " +
                                                 std::to_string(vision.imageSize));
    if (options.batchSize < 1)
        throw EngineError(ErrorCode::InvalidArgument, "CLIP scorer: batch size must be ≥ 1");
    scorer.m_device = options.device;
    scorer.m_batchSize = options.batchSize;
    scorer.m_model->to(options.device.device, options.device.dtype);
    scorer.m_backbone = modelFolderLabel(modelDir) + " (" + clipArchitectureName(vision) + ")";
    job.report("load", 1, 1);
    return scorer;
}

Result<at::Tensor> ClipScorer::embedImages(const std::vector<RgbImage>& images,
                                           const JobContext& job) const {
    return capture([&] { return embedImagesImpl(images, job); });
}

at::Tensor ClipScorer::embedImagesImpl(const std::vector<RgbImage>& images,
                                       const JobContext& job) const {
    const auto& p = m_preprocess;
    for (std::size_t i = 0; i < images.size(); ++i) {
        const auto& im = images[i];
        if (im.width < 1 || im.height < 1 ||
            im.rgb.size() != static_cast<std::size_t>(im.width) * im.height * 3)
            throw EngineError(ErrorCode::InvalidArgument, "CLIP scorer: image " +
                                                              std::to_string(i) + " is not " +
                                                              std::to_string(im.width) + "x" +
                                                              std::to_string(im.height) + " RGB");
    }
    torch::NoGradGuard noGrad;
    const auto n = static_cast<std::int64_t>(images.size());
    std::vector<at::Tensor> out;
    for (std::int64_t begin = 0; begin < n; begin += m_batchSize) {
        job.report("embed", static_cast<int>(begin), static_cast<int>(n));
        const auto end = std::min<std::int64_t>(n, begin + m_batchSize);
        auto pixels = at::empty({end - begin, 3, p.cropHeight, p.cropWidth}, at::kFloat);
        // The resize is the costly part on the CPU; frames are independent.
        at::parallel_for(begin, end, 1, [&](std::int64_t lo, std::int64_t hi) {
            for (auto i = lo; i < hi; ++i) {
                const auto& im = images[static_cast<std::size_t>(i)];
                const auto planar = image::clipPreprocess(im.rgb, im.width, im.height, p);
                std::copy(planar.begin(), planar.end(), pixels[i - begin].data_ptr<float>());
            }
        });
        out.push_back(m_model->imageEmbeds(pixels.to(m_device.device, m_device.dtype))
                          .to(at::kCPU, at::kFloat));
    }
    job.report("embed", static_cast<int>(n), static_cast<int>(n));
    return n ? at::cat(out) : at::empty({0, m_model->config().projectionDim}, at::kFloat);
}

at::Tensor ClipScorer::embedPrompt(std::string_view prompt) const {
    torch::NoGradGuard noGrad;
    const auto t = m_tokenizer.encode(prompt, m_model->config().text.maxPositionEmbeddings,
                                      /*padToMax=*/false, /*truncate=*/true);
    const auto ids = at::tensor(t.ids, at::kLong).unsqueeze(0).to(m_device.device);
    return m_model->textEmbeds(ids)[0].to(at::kCPU, at::kFloat);
}

}  // namespace mp::metrics
