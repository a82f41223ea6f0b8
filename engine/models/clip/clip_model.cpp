#include "models/clip/clip_model.h"

#include "core/error.h"
#include "io/config.h"
#include "io/weight_binding.h"
#include "io/weights.h"
#include "nn/layers.h"

#include <ATen/ATen.h>

#include <sstream>

namespace mp::models {

ClipVisionConfig ClipVisionConfig::fromFile(const std::filesystem::path& path) {
    const auto json = models::clipTowerConfig(path, "vision_config");
    ClipVisionConfig c;
    c.readShape(json);
    c.numChannels = json.getInt("num_channels", c.numChannels);
    c.imageSize = json.getInt("image_size", c.imageSize);
    c.patchSize = json.getInt("patch_size", c.patchSize);
    json.checkRange("num_channels", c.numChannels, 1, 16);
    json.checkRange("image_size", c.imageSize, 1, 8192);
    json.checkRange("patch_size", c.patchSize, 1, c.imageSize);
    return c;
}

std::int64_t ClipVisionConfig::numPositions() const {
    const auto side = imageSize / patchSize;
    return side * side + 1;
}

std::string ClipVisionConfig::toString() const {
    std::ostringstream s;
    s << "CLIP vision: " << numHiddenLayers << " layers, width " << hiddenSize << ", "
      << numAttentionHeads << " heads, MLP " << intermediateSize << ", " << hiddenActName << ", "
      << imageSize << " px in patches of " << patchSize;
    return s.str();
}

ClipVisionEmbeddingsImpl::ClipVisionEmbeddingsImpl(const ClipVisionConfig& c) {
    class_embedding = register_parameter("class_embedding", at::zeros({c.hiddenSize}));
    patch_embedding = register_module(
        "patch_embedding",
        nn::Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, /*bias=*/false));
    position_embedding =
        register_module("position_embedding", nn::Embedding(c.numPositions(), c.hiddenSize));
    register_buffer("position_ids", at::arange(c.numPositions()).unsqueeze(0));
}

at::Tensor ClipVisionEmbeddingsImpl::forward(const at::Tensor& pixelValues) {
    const auto B = pixelValues.size(0);
    auto patches = patch_embedding(pixelValues.to(patch_embedding->weight.scalar_type()))
                       .flatten(2)
                       .transpose(1, 2);
    auto cls = class_embedding.view({1, 1, -1}).expand({B, 1, class_embedding.size(0)});
    return at::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipVisionConfig& c) : m_config(c) {
    embeddings = register_module("embeddings", ClipVisionEmbeddings(c));
    pre_layrnorm = register_module("pre_layrnorm", nn::layerNorm(c.hiddenSize, c.layerNormEps));
    encoder = register_module("encoder", models::ClipEncoder(c.layerOptions()));
    post_layernorm = register_module("post_layernorm", nn::layerNorm(c.hiddenSize, c.layerNormEps));
}

at::Tensor ClipVisionTransformerImpl::forward(const at::Tensor& pixelValues) {
    const auto S = m_config.imageSize;
    if (pixelValues.dim() != 4 || pixelValues.size(1) != m_config.numChannels ||
        pixelValues.size(2) != S || pixelValues.size(3) != S)
        throw EngineError(ErrorCode::InvalidArgument,
                          "CLIP vision: pixel_values must be (batch, " +
                              std::to_string(m_config.numChannels) + ", " + std::to_string(S) +
                              ", " + std::to_string(S) + ") — preprocess the images first");
    auto h = encoder->forward(pre_layrnorm(embeddings(pixelValues)));
    return post_layernorm(h.select(1, 0));
}

ClipModelConfig ClipModelConfig::fromFile(const std::filesystem::path& path) {
    const auto file = JsonConfig::load(path);
    if (!file.has("text_config") || !file.has("vision_config"))
        file.fail("vision_config",
                  "a CLIPModel config needs text_config and vision_config (is this a "
                  "CLIPTextModel or CLIPVisionModel folder?)");
    ClipModelConfig c;
    c.text = models::ClipTextConfig::fromFile(path);
    c.vision = ClipVisionConfig::fromFile(path);
    c.projectionDim = file.getInt("projection_dim", c.projectionDim);
    file.checkRange("projection_dim", c.projectionDim, 1, 65536);
    return c;
}

ClipModelImpl::ClipModelImpl(const ClipModelConfig& c) : m_config(c) {
    text_model = register_module("text_model", models::ClipTextTransformer(c.text));
    vision_model = register_module("vision_model", ClipVisionTransformer(c.vision));
    visual_projection = register_module(
        "visual_projection", nn::Linear(c.vision.hiddenSize, c.projectionDim, /*bias=*/false));
    text_projection = register_module(
        "text_projection", nn::Linear(c.text.hiddenSize, c.projectionDim, /*bias=*/false));
    logit_scale = register_parameter("logit_scale", at::zeros({}));
}

at::Tensor ClipModelImpl::imageEmbeds(const at::Tensor& pixelValues) {
    return visual_projection(vision_model->forward(pixelValues));
}

at::Tensor ClipModelImpl::textEmbeds(const at::Tensor& inputIds,
                                     const std::optional<at::Tensor>& attentionMask) {
    return text_projection(text_model->forward(inputIds, attentionMask).pooled);
}

double ClipModelImpl::logitScale() const {
    return std::exp(logit_scale.to(at::kDouble).item<double>());
}

ClipModel loadClipModel(const std::filesystem::path& dir,
                        const std::string& variant,
                        const DeviceChoice& target) {
    const auto config = ClipModelConfig::fromFile(dir / "config.json");
    const auto weights = WeightSet::openComponent(dir, variant);
    auto model = nn::buildUninitialised<ClipModel>(config);
    auto options = BindOptions::onto(target.device, target.dtype);
    // transformers stopped saving these buffers; older checkpoints have them.
    for (const char* key :
         {"text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"})
        if (!weights.contains(key))
            options.notInCheckpoint.insert(key);
    bindWeights(*model, weights, options);
    model->eval();
    return model;
}

}  // namespace mp::models
