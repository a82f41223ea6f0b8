#pragma once
// LoRA adapters on a model's linear layers (the paper's motion customization trains one on the
// temporal attention). A LoRA on a layer with weight W (out × in) adds (α/r)·B·A with A (r × in)
// and B (out × r), so y = W x + (α/r)·B(A x), peft's forward. Ours acts through the weight: while
// applied, the layer's weight is W + scale·(α/r)·B·A — for training a new tensor connected to A
// and B, for inference a buffer rewritten in place (so CUDA graphs see it) — and at scale 0 it
// holds W's values exactly, so a gated schedule (the adapter on while t ≥ τ) costs one rewrite
// per trajectory and the model outside the gate is bit-for-bit the original. Destruction puts the
// layers' own weight tensors back.
//
// Files use diffusers/peft naming: `<component>.<module>.lora_A.weight` [r, in] and
// `.lora_B.weight` [out, r], with `lora_adapter_metadata` (`<component>.r`, `.lora_alpha`,
// `.target_modules`) in the safetensors header; without metadata α = r, as diffusers assumes.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
class LinearImpl;
}  // namespace torch::nn

namespace mp::adapters {

// Which linear layers a preset targets, per family (docs/customization.md).
enum class Family { ModelScope };
enum class Preset {
    TemporalVO,    // temporal attention value and output projections (the paper's default)
    TemporalQKVO,  // temporal attention query, key, value and output
    AllAttention,  // every attention's query, key, value and output
};
// The regular expression (ECMAScript, whole name) of the targeted modules' qualified names.
std::string presetPattern(Family family, Preset preset);
// "temporal-vo", "temporal-qkvo", "all-attention"; throws EngineError(InvalidArgument) otherwise.
Preset parsePreset(const std::string& name);
std::string presetName(Preset preset);

struct LoraOptions {
    std::string pattern;  // qualified module names to adapt (whole match)
    std::int64_t rank = 4;
    double alpha = 4;
    std::uint64_t seed = 0;  // A's initialisation
};

class LoraAdapter {
public:
    // Adapts every linear layer of `model` whose name matches; A is drawn as peft draws it
    // (Kaiming-uniform, a = √5, from `seed`), B is zero, so the adapter starts as the identity.
    // Throws EngineError(InvalidArgument) when nothing matches.
    static LoraAdapter inject(torch::nn::Module& model, const LoraOptions& options);
    // Reads a LoRA file for `model`: keys under `component.` (others are ignored, as diffusers
    // does), legacy names mapped; every adapted module must exist, be linear and fit its shapes.
    static LoraAdapter load(torch::nn::Module& model,
                            const std::filesystem::path& file,
                            const std::string& component = "unet");

    LoraAdapter(LoraAdapter&&) noexcept;
    LoraAdapter& operator=(LoraAdapter&&) noexcept;
    ~LoraAdapter();  // puts every original weight back

    // The weights become W + scale·(α/r)·B·A; 0 restores W's values exactly. Under grad mode
    // (with A and B trainable) the new weights stay connected to A and B, so training calls it
    // inside the loss every step; otherwise the weights are rewritten in place.
    void apply(double scale = 1.0);
    void remove() { apply(0.0); }
    double scale() const { return m_scale; }

    std::int64_t rank() const { return m_rank; }
    double alpha() const { return m_alpha; }
    std::vector<std::string> modules() const;
    // A and B of every module, named `<module>.lora_A.weight` / `.lora_B.weight` (trainable).
    std::vector<std::pair<std::string, at::Tensor>> parameters() const;

    // Writes `<component>.`-prefixed keys and the metadata, plus `extra` header entries (the
    // training settings), atomically.
    void save(const std::filesystem::path& file,
              const std::string& component = "unet",
              const std::map<std::string, std::string>& extra = {}) const;

private:
    struct Layer;
    LoraAdapter(std::int64_t rank, double alpha);
    void restore() noexcept;  // the layers' own weight tensors back
    std::vector<std::unique_ptr<Layer>> m_layers;
    std::int64_t m_rank;
    double m_alpha;
    double m_scale = 0;
};

}  // namespace mp::adapters
