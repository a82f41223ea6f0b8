#pragma once
// LoRA adapters on a model's linear layers (the paper's motion customization trains one on the
// temporal attention). A LoRA on a layer with weight W (out × in) adds (α/r)·B·A with A (r × in)
// and B (out × r), so y = W x + (α/r)·B(A dropout(x)), peft's forward. Rank 0 is "direct
// tuning": a full-rank ΔW (out × in) trained in place of B·A, the paper's upper bound.
//
// Two ways to apply one. Merged (the default): while applied, the layer's weight is
// W + scale·(α/r)·B·A — for training a new tensor connected to A and B, for inference a buffer
// rewritten in place (so CUDA graphs see it) — and at scale 0 it holds W's values exactly, so a
// gated schedule (the adapter on while t ≥ τ) costs one rewrite per trajectory and the model
// outside the gate is bit-for-bit the original. Unmerged: the layer keeps W and adds the branch
// in its forward (nn::AdaptableLinear), as peft does; dropout on the branch's input needs it.
// Destruction puts the layers' own weight tensors back and removes any branch.
//
// Files use diffusers/peft naming: `<component>.<module>.lora_A.weight` [r, in] and
// `.lora_B.weight` [out, r], with `lora_adapter_metadata` (`<component>.r`, `.lora_alpha`,
// `.lora_dropout`, `.target_modules`) in the safetensors header; without metadata α = r, as
// diffusers assumes. A direct-tuning file holds the tuned weights themselves,
// `<component>.<module>.weight` (W + ΔW), which diffusers loads with load_state_dict(strict=False).

#include "io/snapshot.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
class LinearImpl;
}  // namespace torch::nn

namespace mp::adapters {

// Which linear layers a preset targets, per family (docs/customization.md); the families are
// io/snapshot.h's.
enum class Preset {
    TemporalVO,    // temporal attention value and output projections (the paper's default)
    TemporalQKVO,  // temporal attention query, key, value and output
    AllAttention,  // every attention's query, key, value and output
};
// The regular expression (ECMAScript, whole name) of the targeted modules' qualified names, as
// diffusers names them: ModelScope's temporal attention is `transformer_in` and every
// `temp_attentions` block; Latte's the `temporal_transformer_blocks`; CogVideoX has no separate
// temporal attention (its attention is joint over text, space and time), so its temporal presets
// take `transformer_blocks.*.attn1` and all-attention is the same Q/K/V/O. Throws
// EngineError(InvalidArgument) for ModelFamily::Unknown.
std::string presetPattern(ModelFamily family, Preset preset);
// "temporal-vo", "temporal-qkvo", "all-attention"; throws EngineError(InvalidArgument) otherwise.
Preset parsePreset(const std::string& name);
std::string presetName(Preset preset);

enum class Application { Merged, Unmerged };

struct LoraOptions {
    std::string pattern;    // qualified module names to adapt (whole match)
    std::int64_t rank = 4;  // 0: direct tuning (a full-rank ΔW)
    double alpha = 4;
    std::uint64_t seed = 0;  // A's initialisation
    double dropout = 0;      // on the branch's input while the model trains (applies unmerged)
};

class LoraAdapter {
public:
    // Adapts every linear layer of `model` whose name matches; A is drawn as peft draws it
    // (Kaiming-uniform, a = √5, from `seed`), B (or ΔW) is zero, so the adapter starts as the
    // identity. With dropout the adapter applies unmerged. Throws EngineError(InvalidArgument)
    // when nothing matches.
    static LoraAdapter inject(torch::nn::Module& model, const LoraOptions& options);
    // Reads a LoRA (or direct-tuning) file for `model`: keys under `component.` (others are
    // ignored, as diffusers does), legacy names mapped; every adapted module must exist, be
    // linear and fit its shapes.
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

    // Switches between merged and unmerged application (at the current scale). Unmerged needs
    // every adapted layer to be an nn::AdaptableLinear (the engine's diffusers models are);
    // dropout > 0 needs unmerged.
    void setApplication(Application application);
    Application application() const { return m_application; }
    // Where dropout draws its masks (a resumed training run passes its own generator); none:
    // the device's default generator.
    void setDropoutGenerator(std::optional<at::Generator> generator);

    bool direct() const { return m_rank == 0; }
    std::int64_t rank() const { return m_rank; }
    double dropout() const { return m_dropout; }
    double alpha() const { return m_alpha; }
    std::vector<std::string> modules() const;
    // A and B of every module, named `<module>.lora_A.weight` / `.lora_B.weight` (direct:
    // `<module>.weight_delta`), trainable.
    std::vector<std::pair<std::string, at::Tensor>> parameters() const;

    // Writes `<component>.`-prefixed keys and the metadata, plus `extra` header entries (the
    // training settings), atomically.
    void save(const std::filesystem::path& file,
              const std::string& component = "unet",
              const std::map<std::string, std::string>& extra = {}) const;

private:
    struct Layer;
    LoraAdapter(std::int64_t rank, double alpha, double dropout);
    void restore() noexcept;  // the layers' own weight tensors back, no branch
    at::Tensor branch(const Layer& layer, const at::Tensor& x, double scale) const;
    std::vector<std::unique_ptr<Layer>> m_layers;
    std::int64_t m_rank;
    double m_alpha;
    double m_dropout;
    double m_scale = 0;
    Application m_application = Application::Merged;
    std::optional<at::Generator> m_dropoutGenerator;
};

}  // namespace mp::adapters
