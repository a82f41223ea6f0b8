#include "adapters/lora.h"

#include "core/error.h"
#include "io/tensor_io.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>

namespace mp::adapters {

namespace fs = std::filesystem;

struct LoraAdapter::Layer {
    std::string name;
    torch::nn::LinearImpl* linear = nullptr;
    at::Tensor original;  // the layer's own weight tensor, put back on destruction
    at::Tensor merged;    // inference: W + s·(α/r)·B·A, updated in place
    at::Tensor a, b;      // (r, in), (out, r), trainable
};

namespace {

// Temporal attention in ModelScope's UNet3D: transformer_in and every temp_attentions block.
constexpr const char* kTemporal =
    R"(((.*\.)?temp_attentions\.\d+|transformer_in)\.transformer_blocks\.\d+\.attn[12]\.)";

std::map<std::string, torch::nn::LinearImpl*> linearsOf(torch::nn::Module& model) {
    std::map<std::string, torch::nn::LinearImpl*> out;
    for (const auto& item : model.named_modules("", /*include_self=*/false))
        if (auto* l = item.value()->as<torch::nn::LinearImpl>())
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

std::string presetPattern(Family family, Preset preset) {
    switch (family) {
        case Family::ModelScope:
            switch (preset) {
                case Preset::TemporalVO:
                    return std::string(kTemporal) + R"((to_v|to_out\.0))";
                case Preset::TemporalQKVO:
                    return std::string(kTemporal) + R"((to_q|to_k|to_v|to_out\.0))";
                case Preset::AllAttention:
                    return R"((.*\.)?attn[12]\.(to_q|to_k|to_v|to_out\.0))";
            }
    }
    throw EngineError(ErrorCode::Internal, "LoRA: unknown preset");
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

LoraAdapter::LoraAdapter(std::int64_t rank, double alpha) : m_rank(rank), m_alpha(alpha) {}
LoraAdapter::LoraAdapter(LoraAdapter&&) noexcept = default;
LoraAdapter& LoraAdapter::operator=(LoraAdapter&& other) noexcept {
    if (this != &other) {
        restore();
        m_layers = std::move(other.m_layers);
        m_rank = other.m_rank;
        m_alpha = other.m_alpha;
        m_scale = other.m_scale;
    }
    return *this;
}
LoraAdapter::~LoraAdapter() {
    restore();
}

void LoraAdapter::restore() noexcept {
    for (auto& l : m_layers)
        if (l && l->linear)
            l->linear->weight = l->original;
}

LoraAdapter LoraAdapter::inject(torch::nn::Module& model, const LoraOptions& o) {
    if (o.rank < 1)
        throw EngineError(ErrorCode::InvalidArgument, "LoRA: rank must be at least 1");
    std::regex pattern;
    try {
        pattern = std::regex(o.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw EngineError(ErrorCode::InvalidArgument, "LoRA: target pattern '" + o.pattern +
                                                          "' is not a regular expression (" +
                                                          e.what() + ")");
    }
    LoraAdapter adapter(o.rank, o.alpha);
    auto g = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    for (const auto& [name, linear] : linearsOf(model)) {
        if (!std::regex_match(name, pattern))
            continue;
        auto layer = std::make_unique<Layer>();
        layer->name = name;
        layer->linear = linear;
        layer->original = linear->weight;
        const auto out = linear->weight.size(0), in = linear->weight.size(1);
        // peft: kaiming_uniform_(a=√5) on A, whose bound is 1/√in; B starts at zero.
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        const auto options = linear->weight.options().requires_grad(false);
        layer->a = (at::rand({o.rank, in}, g, at::kFloat) * (2 * bound) - bound)
                       .to(options)
                       .set_requires_grad(true);
        layer->b = at::zeros({out, o.rank}, options).set_requires_grad(true);
        adapter.m_layers.push_back(std::move(layer));
    }
    if (adapter.m_layers.empty())
        throw EngineError(ErrorCode::InvalidArgument,
                          "LoRA: no linear layer matches '" + o.pattern + "'");
    return adapter;
}

LoraAdapter LoraAdapter::load(torch::nn::Module& model,
                              const fs::path& file,
                              const std::string& component) {
    const auto label = file.string();
    const auto meta = loadTensorFileMetadata(file);
    const auto prefix = component + ".";
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> pairs;  // module → (A, B)
    for (auto& [rawKey, tensor] : loadTensorFile(file)) {
        if (rawKey.rfind(prefix, 0) != 0)
            continue;  // another component's (text_encoder, ...), as diffusers drops them
        const auto key = modernName(rawKey.substr(prefix.size()));
        bool known = false;
        for (const std::string suffix : {".lora_A.weight", ".lora_B.weight"}) {
            if (key.size() > suffix.size() &&
                key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
                auto& slot = pairs[key.substr(0, key.size() - suffix.size())];
                (suffix == ".lora_A.weight" ? slot.first : slot.second) = tensor;
                known = true;
            }
        }
        if (!known)
            throw EngineError(ErrorCode::Weights, label + ": '" + rawKey +
                                                      "' is not a LoRA key (expected "
                                                      "<module>.lora_A.weight or .lora_B.weight)");
    }
    if (pairs.empty())
        throw EngineError(ErrorCode::Weights,
                          label + ": no LoRA weights under '" + prefix + "' (lora_A/lora_B keys)");
    std::int64_t rank = -1;
    for (const auto& [name, ab] : pairs) {
        if (!ab.first.defined() || !ab.second.defined())
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + name + "' has only one of lora_A and lora_B");
        if (ab.first.dim() != 2 || ab.second.dim() != 2 || ab.first.size(0) != ab.second.size(1))
            throw EngineError(
                ErrorCode::Weights,
                label + ": '" + name + "': lora_A must be [r, in] and lora_B [out, r]");
        if (rank >= 0 && ab.second.size(1) != rank)
            throw EngineError(ErrorCode::Weights, label + ": '" + name + "' has rank " +
                                                      std::to_string(ab.second.size(1)) +
                                                      ", others " + std::to_string(rank));
        rank = ab.second.size(1);
    }
    double alpha = static_cast<double>(rank);  // diffusers' assumption without metadata
    if (auto it = meta.find("lora_adapter_metadata"); it != meta.end()) {
        try {
            const auto j = nlohmann::json::parse(it->second);
            for (const auto& key : {prefix + "lora_alpha", std::string("lora_alpha")})
                if (j.contains(key) && j[key].is_number()) {
                    alpha = j[key].get<double>();
                    break;
                }
        } catch (const nlohmann::json::exception& e) {
            throw EngineError(ErrorCode::Format,
                              label + ": lora_adapter_metadata is not JSON (" + e.what() + ")");
        }
    }
    const auto linears = linearsOf(model);
    LoraAdapter adapter(rank, alpha);
    for (auto& [name, ab] : pairs) {
        const auto it = linears.find(name);
        if (it == linears.end())
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + name + "' is not a linear layer of the model");
        auto* linear = it->second;
        const auto& w = linear->weight;
        if (ab.first.size(1) != w.size(1) || ab.second.size(0) != w.size(0))
            throw EngineError(ErrorCode::Weights,
                              label + ": '" + name + "' is [" + std::to_string(ab.second.size(0)) +
                                  " x " + std::to_string(ab.first.size(1)) +
                                  "] but the layer is [" + std::to_string(w.size(0)) + " x " +
                                  std::to_string(w.size(1)) + "]");
        auto layer = std::make_unique<Layer>();
        layer->name = name;
        layer->linear = linear;
        layer->original = w;
        layer->a = ab.first.to(w.options()).set_requires_grad(true);
        layer->b = ab.second.to(w.options()).set_requires_grad(true);
        adapter.m_layers.push_back(std::move(layer));
    }
    return adapter;
}

void LoraAdapter::apply(double scale) {
    m_scale = scale;
    const double s = scale * m_alpha / static_cast<double>(m_rank);
    for (auto& l : m_layers) {
        if (at::GradMode::is_enabled() && l->a.requires_grad()) {
            // Training: a new weight tensor, a node of the graph over A and B.
            l->linear->weight = scale == 0
                                    ? l->original
                                    : l->original.detach() +
                                          at::mm(l->b, l->a).mul(s).to(l->original.scalar_type());
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
            l->merged.copy_(
                l->original.detach() +
                at::mm(l->b.detach(), l->a.detach()).mul(s).to(l->merged.scalar_type()));
    }
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
        tensors.emplace_back(component + "." + l->name + ".lora_A.weight",
                             l->a.detach().to(at::kCPU, at::kFloat));
        tensors.emplace_back(component + "." + l->name + ".lora_B.weight",
                             l->b.detach().to(at::kCPU, at::kFloat));
        targets.push_back(l->name);
    }
    nlohmann::json meta;
    meta[component + ".r"] = m_rank;
    meta[component + ".lora_alpha"] = m_alpha;
    meta[component + ".target_modules"] = targets;
    auto header = extra;
    header["format"] = "pt";
    header["lora_adapter_metadata"] = meta.dump();
    saveTensorFile(file, tensors, header);
}

}  // namespace mp::adapters
