#include "adapters/lora.h"

#include "core/error.h"
#include "io/tensor_io.h"
#include "nn/layers.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>

namespace mp::adapters {

namespace fs = std::filesystem;

struct LoraAdapter::Layer {
    std::string name;
    nn::LinearImpl* linear = nullptr;
    nn::AdaptableLinearImpl* adaptable = nullptr;  // null: merged application only
    // The layer stays alive while the adapter does: its destructor writes the original weight
    // back, and the model holding the layer may go first (a pipeline's members end in any order).
    std::shared_ptr<torch::nn::Module> keepAlive;
    at::Tensor original;  // the layer's own weight tensor, put back on destruction
    at::Tensor merged;    // inference: W + s·(α/r)·B·A, updated in place
    at::Tensor a, b;      // LoRA: (r, in), (out, r), trainable
    at::Tensor delta;     // direct tuning: (out, in), trainable

    bool trainable() const { return (delta.defined() ? delta : a).requires_grad(); }
    // s·ΔW, s already holding α/r for a LoRA; connected to the graph when `grad`.
    at::Tensor update(double s, bool grad) const {
        if (delta.defined())
            return (grad ? delta : delta.detach()) * s;
        return at::mm(grad ? b : b.detach(), grad ? a : a.detach()).mul(s);
    }
};

namespace {

// Temporal attention in ModelScope's UNet3D: transformer_in and every temp_attentions block.
constexpr const char* kTemporal =
    R"(((.*\.)?temp_attentions\.\d+|transformer_in)\.transformer_blocks\.\d+\.attn[12]\.)";

std::map<std::string, nn::LinearImpl*> linearsOf(torch::nn::Module& model) {
    std::map<std::string, nn::LinearImpl*> out;
    for (const auto& item : model.named_modules("", /*include_self=*/false))
        if (auto* l = item.value()->as<nn::LinearImpl>())
            out.emplace(item.key(), l);
    return out;
}

// diffusers' legacy attention-processor names → peft's lora_A / lora_B (its UNET_TO_DIFFUSERS
// table, after dropping ".processor." as it always does).
std::string modernName(std::string key) {
    for (auto at = key.find(".processor."); at != std::string::npos; at = key.find(".processor."))
        key.replace(at, 11, ".");
    const std::pair<const char*, const char*> renames[] = {
        {".to_q_lora.down.", ".to_q.lora_A."},
        {".to_q_lora.up.", ".to_q.lora_B."},
        {".to_k_lora.down.", ".to_k.lora_A."},
        {".to_k_lora.up.", ".to_k.lora_B."},
        {".to_v_lora.down.", ".to_v.lora_A."},
        {".to_v_lora.up.", ".to_v.lora_B."},
        {".to_out_lora.down.", ".to_out.0.lora_A."},
        {".to_out_lora.up.", ".to_out.0.lora_B."},
        {".lora.down.", ".lora_A."},
        {".lora.up.", ".lora_B."},
    };
    for (const auto& [from, to] : renames)
        if (const auto at = key.find(from); at != std::string::npos)
            return key.replace(at, std::string(from).size(), to);
    return key;
}

}  // namespace

std::string presetPattern(ModelFamily family, Preset preset) {
    const char* qkvo = R"((to_q|to_k|to_v|to_out\.0))";
    const char* vo = R"((to_v|to_out\.0))";
    const auto projections = preset == Preset::TemporalVO ? vo : qkvo;
    switch (family) {
        case ModelFamily::ModelScope:
            if (preset == Preset::AllAttention)
                return std::string(R"((.*\.)?attn[12]\.)") + qkvo;
            return std::string(kTemporal) + projections;
        case ModelFamily::Latte:
            // The temporal blocks have self-attention only (no cross-attention).
            if (preset == Preset::AllAttention)
                return std::string(R"((temporal_)?transformer_blocks\.\d+\.attn[12]\.)") + qkvo;
            return std::string(R"(temporal_transformer_blocks\.\d+\.attn1\.)") + projections;
        case ModelFamily::CogVideoX:
            return std::string(R"(transformer_blocks\.\d+\.attn1\.)") + projections;
        case ModelFamily::Unknown:
            break;
    }
    throw EngineError(ErrorCode::InvalidArgument,
                      "LoRA presets: the model family is unknown, so no layer names are known");
}

Preset parsePreset(const std::string& name) {
    for (auto p : {Preset::TemporalVO, Preset::TemporalQKVO, Preset::AllAttention})
        if (presetName(p) == name)
            return p;
    throw EngineError(
        ErrorCode::InvalidArgument,
        "LoRA preset: expected temporal-vo, temporal-qkvo or all-attention, got '" + name + "'");
}

std::string presetName(Preset preset) {
    switch (preset) {
        case Preset::TemporalVO:
            return "temporal-vo";
        case Preset::TemporalQKVO:
            return "temporal-qkvo";
        case Preset::AllAttention:
            return "all-attention";
    }
    return {};
}

LoraAdapter::LoraAdapter(std::int64_t rank, double alpha, double dropout)
    : m_rank(rank), m_alpha(alpha), m_dropout(dropout) {}
LoraAdapter::LoraAdapter(LoraAdapter&&) noexcept = default;
LoraAdapter& LoraAdapter::operator=(LoraAdapter&& other) noexcept {
    if (this != &other) {
        restore();
        m_layers = std::move(other.m_layers);
        m_rank = other.m_rank;
        m_alpha = other.m_alpha;
        m_dropout = other.m_dropout;
        m_scale = other.m_scale;
        m_application = other.m_application;
        m_dropoutGenerator = std::move(other.m_dropoutGenerator);
    }
    return *this;
}
LoraAdapter::~LoraAdapter() {
    restore();
}

void LoraAdapter::restore() noexcept {
    for (auto& l : m_layers) {
        if (l && l->linear)
            l->linear->weight = l->original;
        if (l && l->adaptable)
            l->adaptable->branch = nullptr;
    }
}

LoraAdapter LoraAdapter::inject(torch::nn::Module& model, const LoraOptions& o) {
    if (o.rank < 0)
        throw EngineError(ErrorCode::InvalidArgument,
                          "LoRA: rank must be at least 1 (or 0 for direct tuning)");
    if (!(o.dropout >= 0 && o.dropout < 1))
        throw EngineError(ErrorCode::InvalidArgument, "LoRA: dropout must be in [0, 1)");
    std::regex pattern;
    try {
        pattern = std::regex(o.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw EngineError(ErrorCode::InvalidArgument, "LoRA: target pattern '" + o.pattern +
                                                          "' is not a regular expression (" +
                                                          e.what() + ")");
    }
    LoraAdapter adapter(o.rank, o.rank == 0 ? 1.0 : o.alpha, o.dropout);
    auto g = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    for (const auto& [name, linear] : linearsOf(model)) {
        if (!std::regex_match(name, pattern))
            continue;
        auto layer = std::make_unique<Layer>();
        layer->name = name;
        layer->linear = linear;
        layer->keepAlive = linear->shared_from_this();
        layer->adaptable = dynamic_cast<nn::AdaptableLinearImpl*>(linear);
        layer->original = linear->weight;
        const auto out = linear->weight.size(0), in = linear->weight.size(1);
        const auto options = linear->weight.options().requires_grad(false);
        if (o.rank == 0) {
            layer->delta = at::zeros({out, in}, options).set_requires_grad(true);
        } else {
            // peft: kaiming_uniform_(a=√5) on A, whose bound is 1/√in; B starts at zero.
            const double bound = 1.0 / std::sqrt(static_cast<double>(in));
            layer->a = (at::rand({o.rank, in}, g, at::kFloat) * (2 * bound) - bound)
                           .to(options)
                           .set_requires_grad(true);
            layer->b = at::zeros({out, o.rank}, options).set_requires_grad(true);
        }
        adapter.m_layers.push_back(std::move(layer));
    }
    if (adapter.m_layers.empty())
        throw EngineError(ErrorCode::InvalidArgument,
                          "LoRA: no linear layer matches '" + o.pattern + "'");
    if (o.dropout > 0)
        adapter.setApplication(Application::Unmerged);
    return adapter;
}

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() > suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shapeText(const at::Tensor& t) {
    return "[" + std::to_string(t.size(0)) + " x " + std::to_string(t.size(1)) + "]";
}

}  // namespace

LoraAdapter LoraAdapter::load(torch::nn::Module& model,
                              const fs::path& file,
                              const std::string& component) {
    const auto label = file.string();
    const auto meta = loadTensorFileMetadata(file);
    const auto prefix = component + ".";
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> pairs;  // module → (A, B)
    std::map<std::string, at::Tensor> tuned;                         // direct: module → W + ΔW
    for (auto& [rawKey, tensor] : loadTensorFile(file)) {
        if (rawKey.rfind(prefix, 0) != 0)
            continue;  // another component's (text_encoder, ...), as diffusers drops them
        const auto key = modernName(rawKey.substr(prefix.size()));
        if (endsWith(key, ".lora_A.weight"))
            pairs[key.substr(0, key.size() - 14)].first = tensor;
        else if (endsWith(key, ".lora_B.weight"))
            pairs[key.substr(0, key.size() - 14)].second = tensor;
        else if (endsWith(key, ".weight") && key.find("lora") == std::string::npos)
            tuned[key.substr(0, key.size() - 7)] = tensor;
        else
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + rawKey +
                                  "' is not an adapter key (expected <module>.lora_A.weight, "
                                  ".lora_B.weight, or a direct-tuning file's <module>.weight)");
    }
    if (pairs.empty() && tuned.empty())
        throw EngineError(ErrorCode::Weights,
                          label + ": no LoRA weights under '" + prefix + "' (lora_A/lora_B keys)");
    if (!pairs.empty() && !tuned.empty())
        throw EngineError(ErrorCode::Weights, label + ": mixes LoRA keys with plain weights ('" +
                                                  tuned.begin()->first +
                                                  ".weight'); expected one kind");
    const bool direct = !tuned.empty();
    std::int64_t rank = 0;
    if (!direct) {
        rank = -1;
        for (const auto& [name, ab] : pairs) {
            if (!ab.first.defined() || !ab.second.defined())
                throw EngineError(ErrorCode::Weights,
                                  label + ": '" + name + "' has only one of lora_A and lora_B");
            if (ab.first.dim() != 2 || ab.second.dim() != 2 ||
                ab.first.size(0) != ab.second.size(1))
                throw EngineError(
                    ErrorCode::Weights,
                    label + ": '" + name + "': lora_A must be [r, in] and lora_B [out, r]");
            if (rank >= 0 && ab.second.size(1) != rank)
                throw EngineError(ErrorCode::Weights, label + ": '" + name + "' has rank " +
                                                          std::to_string(ab.second.size(1)) +
                                                          ", others " + std::to_string(rank));
            rank = ab.second.size(1);
        }
    }
    double alpha = direct ? 1.0 : static_cast<double>(rank);  // diffusers' α = r by default
    double dropout = 0;
    if (auto it = meta.find("lora_adapter_metadata"); it != meta.end() && !direct) {
        try {
            const auto j = nlohmann::json::parse(it->second);
            const auto number = [&](const std::string& field, double& value) {
                for (const auto& key : {prefix + field, field})
                    if (j.contains(key) && j[key].is_number()) {
                        value = j[key].get<double>();
                        return;
                    }
            };
            number("lora_alpha", alpha);
            number("lora_dropout", dropout);
        } catch (const nlohmann::json::exception& e) {
            throw EngineError(ErrorCode::Format,
                              label + ": lora_adapter_metadata is not JSON (" + e.what() + ")");
        }
    }
    const auto linears = linearsOf(model);
    const auto layerOf = [&](const std::string& name, std::int64_t out, std::int64_t in) {
        const auto it = linears.find(name);
        if (it == linears.end())
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + name + "' is not a linear layer of the model");
        const auto& w = it->second->weight;
        if (w.size(0) != out || w.size(1) != in)
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + name + "' is [" + std::to_string(out) + " x " +
                                  std::to_string(in) + "] but the layer is " + shapeText(w));
        auto layer = std::make_unique<Layer>();
        layer->name = name;
        layer->linear = it->second;
        layer->keepAlive = it->second->shared_from_this();
        layer->adaptable = dynamic_cast<nn::AdaptableLinearImpl*>(it->second);
        layer->original = w;
        return layer;
    };
    LoraAdapter adapter(rank, alpha, dropout);
    for (auto& [name, ab] : pairs) {
        auto layer = layerOf(name, ab.second.size(0), ab.first.size(1));
        layer->a = ab.first.to(layer->original.options()).set_requires_grad(true);
        layer->b = ab.second.to(layer->original.options()).set_requires_grad(true);
        adapter.m_layers.push_back(std::move(layer));
    }
    for (auto& [name, w] : tuned) {
        if (w.dim() != 2)
            throw EngineError(ErrorCode::Weights, label + ": '" + name + ".weight' must be 2-D");
        auto layer = layerOf(name, w.size(0), w.size(1));
        const auto& o = layer->original;
        layer->delta = (w.to(o.device(), at::kFloat) - o.detach().to(at::kFloat))
                           .to(o.scalar_type())
                           .set_requires_grad(true);
        adapter.m_layers.push_back(std::move(layer));
    }
    return adapter;
}

at::Tensor LoraAdapter::branch(const Layer& l, const at::Tensor& x, double s) const {
    auto in = x;
    if (m_dropout > 0 && l.adaptable->is_training()) {
        // Inverted dropout, as torch.nn.Dropout: kept inputs scaled by 1/(1 − p).
        const c10::optional<at::Generator> g =
            m_dropoutGenerator ? c10::optional<at::Generator>(*m_dropoutGenerator) : c10::nullopt;
        auto keep = at::empty_like(x).bernoulli_(1 - m_dropout, g);
        in = x * keep.div_(1 - m_dropout);
    }
    const bool grad = at::GradMode::is_enabled();
    const auto dtype = x.scalar_type();
    if (l.delta.defined())
        return at::linear(in, (grad ? l.delta : l.delta.detach()).to(dtype)).mul(s);
    const auto a = (grad ? l.a : l.a.detach()).to(dtype);
    const auto b = (grad ? l.b : l.b.detach()).to(dtype);
    return at::linear(at::linear(in, a), b).mul(s);
}

void LoraAdapter::apply(double scale) {
    m_scale = scale;
    const double s = direct() ? scale : scale * m_alpha / static_cast<double>(m_rank);
    for (auto& l : m_layers) {
        if (m_application == Application::Unmerged) {
            l->linear->weight = l->original;
            if (scale == 0)
                l->adaptable->branch = nullptr;
            else
                l->adaptable->branch = [this, layer = l.get(), s](const at::Tensor& x) {
                    return branch(*layer, x, s);
                };
            continue;
        }
        if (at::GradMode::is_enabled() && l->trainable()) {
            // Training: a new weight tensor, a node of the graph over A and B (or ΔW).
            l->linear->weight = scale == 0
                                    ? l->original
                                    : l->original.detach() +
                                          l->update(s, /*grad=*/true).to(l->original.scalar_type());
            continue;
        }
        // Inference: one buffer per layer, rewritten in place, so a captured CUDA graph (which
        // reads the weight's memory) sees every change of scale.
        if (!l->merged.defined())
            l->merged = l->original.detach().clone();
        l->linear->weight = l->merged;
        if (scale == 0)
            l->merged.copy_(l->original.detach());
        else
            l->merged.copy_(l->original.detach() +
                            l->update(s, /*grad=*/false).to(l->merged.scalar_type()));
    }
}

void LoraAdapter::setApplication(Application application) {
    if (application == Application::Unmerged)
        for (const auto& l : m_layers)
            if (!l->adaptable)
                throw EngineError(ErrorCode::Unsupported,
                                  "LoRA: '" + l->name +
                                      "' cannot take an unmerged adapter (not an "
                                      "AdaptableLinear); apply it merged, without dropout");
    if (application == Application::Merged && m_dropout > 0)
        throw EngineError(ErrorCode::Unsupported,
                          "LoRA: dropout acts on the branch's input, so it needs unmerged "
                          "application");
    const double scale = m_scale;
    restore();
    m_application = application;
    m_scale = 0;
    if (scale != 0)
        apply(scale);
}

void LoraAdapter::setDropoutGenerator(std::optional<at::Generator> generator) {
    m_dropoutGenerator = std::move(generator);
}

std::vector<std::string> LoraAdapter::modules() const {
    std::vector<std::string> out;
    for (const auto& l : m_layers)
        out.push_back(l->name);
    return out;
}

std::vector<std::pair<std::string, at::Tensor>> LoraAdapter::parameters() const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& l : m_layers) {
        if (l->delta.defined()) {
            out.emplace_back(l->name + ".weight_delta", l->delta);
            continue;
        }
        out.emplace_back(l->name + ".lora_A.weight", l->a);
        out.emplace_back(l->name + ".lora_B.weight", l->b);
    }
    return out;
}

void LoraAdapter::save(const fs::path& file,
                       const std::string& component,
                       const std::map<std::string, std::string>& extra) const {
    NamedTensors tensors;
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& l : m_layers) {
        const auto key = component + "." + l->name;
        if (l->delta.defined()) {
            tensors.emplace_back(key + ".weight", (l->original.detach().to(at::kFloat) +
                                                   l->delta.detach().to(at::kFloat))
                                                      .to(at::kCPU));
        } else {
            tensors.emplace_back(key + ".lora_A.weight", l->a.detach().to(at::kCPU, at::kFloat));
            tensors.emplace_back(key + ".lora_B.weight", l->b.detach().to(at::kCPU, at::kFloat));
        }
        targets.push_back(l->name);
    }
    auto header = extra;
    header["format"] = "pt";
    if (direct()) {
        header["motionprobe.adapter"] = "direct";
    } else {
        nlohmann::json meta;
        meta[component + ".r"] = m_rank;
        meta[component + ".lora_alpha"] = m_alpha;
        meta[component + ".lora_dropout"] = m_dropout;
        meta[component + ".target_modules"] = targets;
        header["lora_adapter_metadata"] = meta.dump();
    }
    saveTensorFile(file, tensors, header);
}

}  // namespace mp::adapters
