#pragma once
// A CLIP scorer as a user downloads it from the hub: a transformers CLIPModel folder with its
// tokenizer and preprocessor_config.json (openai/clip-vit-large-patch14,
// laion/CLIP-ViT-H-14-laion2B-s32B-b79K, yuvalkirstain/PickScore_v1, ...). It turns uint8 RGB
// frames and prompts into projected embeddings on the chosen device, in batches; the scores in
// metrics/clip_scores.h take it from there.

#include "core/job.h"
#include "image/clip_preprocess.h"
#include "models/clip/clip_model.h"
#include "runtime/device.h"
#include "text/clip_tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mp::metrics {

// One interleaved uint8 RGB image, width × height × 3 bytes.
struct RgbImage {
    std::span<const std::uint8_t> rgb;
    int width = 0;
    int height = 0;
};

struct ClipScorerOptions {
    DeviceChoice device;
    // Where the tokenizer and preprocessor_config.json come from when not from the model folder
    // (PickScore's reference code takes them from the LAION CLIP-H folder).
    std::filesystem::path processorDir;
    std::string variant;  // weights file variant ("fp16"), as for every model folder
    int batchSize = 16;   // frames per forward
};

class ClipScorer {
public:
    // An error naming the file for a missing or malformed config, tokenizer or weights, and
    // Config when the preprocessor's crop is not the vision tower's image size.
    static Result<ClipScorer> load(const std::filesystem::path& modelDir,
                                   const ClipScorerOptions& options = {},
                                   const JobContext& job = {});

    // (N, D) float32 on the CPU, projected and not normalised. Images may differ in size.
    // Progress: stage "embed", step = images embedded.
    Result<at::Tensor> embedImages(const std::vector<RgbImage>& images,
                                   const JobContext& job = {}) const;
    // (D) float32 on the CPU. The prompt is truncated to the text tower's positions with its
    // EOS kept, and not padded (the causal mask makes padding irrelevant to the pooled output).
    at::Tensor embedPrompt(std::string_view prompt) const;

    double logitScale() const { return m_model->logitScale(); }
    // "openai/clip-vit-large-patch14 (ViT-L/14)": the hub name when the folder sits in a hub
    // cache (models--org--name), else the folder's name, and the architecture.
    const std::string& backbone() const { return m_backbone; }
    // Things the user should know: defaults used for a missing preprocessor_config.json.
    const std::vector<std::string>& notes() const { return m_notes; }

private:
    ClipScorer(models::ClipModel model, text::ClipTokenizer tokenizer);
    static ClipScorer loadImpl(const std::filesystem::path& modelDir,
                               const ClipScorerOptions& options,
                               const JobContext& job);
    at::Tensor embedImagesImpl(const std::vector<RgbImage>& images, const JobContext& job) const;
    mutable models::ClipModel m_model;  // forward is not const in LibTorch
    text::ClipTokenizer m_tokenizer;
    image::ClipPreprocessConfig m_preprocess;
    DeviceChoice m_device;
    int m_batchSize = 16;
    std::string m_backbone;
    std::vector<std::string> m_notes;
};

// "ViT-L/14", "ViT-H/14", "ViT-B/32", "ViT-L/14@336px"; other shapes as "ViT-<layers>x<width>/P".
std::string clipArchitectureName(const models::ClipVisionConfig& vision);
// The hub name of a folder inside a hub cache (…/models--org--name/snapshots/<hash>), else the
// folder's own name.
std::string modelFolderLabel(const std::filesystem::path& dir);

}  // namespace mp::metrics
