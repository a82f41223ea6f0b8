#pragma once
// transformers' CLIPModel in its folder format (config.json with text_config and vision_config,
// model.safetensors): the text tower of text/clip_text, the vision tower (ViT with a class token,
// pre_layrnorm — sic, the checkpoint's name — and post_layernorm on the class token), the two
// projections and logit_scale. Module names equal checkpoint keys. The metrics score frames
// and prompts with it (CLIP text alignment, temporal consistency, PickScore).

#include "models/clip/clip_text.h"

#include <filesystem>
#include <string>

namespace mp::models {

struct ClipVisionConfig : models::ClipTowerShape {
    // transformers' CLIPVisionConfig defaults (ViT-B/32).
    ClipVisionConfig() {
        hiddenSize = 768;
        intermediateSize = 3072;
        numAttentionHeads = 12;
    }
    std::int64_t numChannels = 3;
    std::int64_t imageSize = 224;
    std::int64_t patchSize = 32;

    // The "vision_config" of a CLIPModel config.json, or a CLIPVisionModel's own config.json.
    static ClipVisionConfig fromFile(const std::filesystem::path& path);
    ClipLayerOptions layerOptions() const { return ClipTowerShape::layerOptions(false); }
    std::int64_t numPositions() const;  // patches + the class token
    std::string toString() const;
};

class ClipVisionEmbeddingsImpl : public torch::nn::Module {
public:
    explicit ClipVisionEmbeddingsImpl(const ClipVisionConfig& config);
    at::Tensor forward(const at::Tensor& pixelValues);  // (B, 3, S, S) → (B, 1 + patches, D)
    at::Tensor class_embedding;
    nn::Conv2d patch_embedding{nullptr};
    nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipVisionEmbeddings);

class ClipVisionTransformerImpl : public torch::nn::Module {
public:
    explicit ClipVisionTransformerImpl(const ClipVisionConfig& config);
    // The pooled output: post_layernorm of the class token's last state, (B, D).
    at::Tensor forward(const at::Tensor& pixelValues);
    ClipVisionEmbeddings embeddings{nullptr};
    nn::LayerNorm pre_layrnorm{nullptr}, post_layernorm{nullptr};
    models::ClipEncoder encoder{nullptr};

private:
    ClipVisionConfig m_config;
};
TORCH_MODULE(ClipVisionTransformer);

struct ClipModelConfig {
    models::ClipTextConfig text;
    ClipVisionConfig vision;
    std::int64_t projectionDim = 512;
    static ClipModelConfig fromFile(const std::filesystem::path& path);
};

class ClipModelImpl : public torch::nn::Module {
public:
    explicit ClipModelImpl(const ClipModelConfig& config);
    // Projected, not normalised (transformers' get_image_features / get_text_features).
    at::Tensor imageEmbeds(const at::Tensor& pixelValues);
    at::Tensor textEmbeds(const at::Tensor& inputIds,
                          const std::optional<at::Tensor>& attentionMask = std::nullopt);
    // exp(logit_scale): CLIP's temperature, ≈ 100 for the published models.
    double logitScale() const;
    const ClipModelConfig& config() const { return m_config; }

    models::ClipTextTransformer text_model{nullptr};
    ClipVisionTransformer vision_model{nullptr};
    nn::Linear visual_projection{nullptr}, text_projection{nullptr};
    at::Tensor logit_scale;

private:
    ClipModelConfig m_config;
};
TORCH_MODULE(ClipModel);

// A transformers CLIPModel folder (config.json + model.safetensors, single or sharded). Binds
// strictly; stale position_ids buffers in older checkpoints are accepted.
// Built uninitialised and bound onto target's device and dtype, as loadUNet3D.
ClipModel loadClipModel(const std::filesystem::path& dir,
                        const std::string& variant = {},
                        const DeviceChoice& target = {});

}  // namespace mp::models
