#include "io/snapshot.h"

#include "core/error.h"
#include "io/config.h"
#include "io/json_util.h"
#include "io/weights.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

namespace mp {

namespace fs = std::filesystem;
using nlohmann::json;

const char* familyName(ModelFamily f) {
    switch (f) {
        case ModelFamily::ModelScope:
            return "modelscope";
        case ModelFamily::Latte:
            return "latte";
        case ModelFamily::CogVideoX:
            return "cogvideox";
        case ModelFamily::Unknown:
            return "unknown";
    }
    return "unknown";
}

const char* componentKindName(ComponentKind k) {
    switch (k) {
        case ComponentKind::Denoiser:
            return "denoiser";
        case ComponentKind::Vae:
            return "vae";
        case ComponentKind::TextEncoder:
            return "text-encoder";
        case ComponentKind::Tokenizer:
            return "tokenizer";
        case ComponentKind::Scheduler:
            return "scheduler";
        case ComponentKind::Scorer:
            return "scorer";
        case ComponentKind::Other:
            return "other";
    }
    return "other";
}

std::string SnapshotProblem::line() const {
    return std::string(severity == Severity::Error ? "error: " : "warning: ") +
           (where.empty() ? "" : where + ": ") + what;
}

bool SnapshotInfo::hasErrors() const {
    return std::any_of(problems.begin(), problems.end(),
                       [](const auto& p) { return p.severity == Severity::Error; });
}

const ComponentInfo* SnapshotInfo::component(const std::string& name) const {
    for (const auto& c : components)
        if (c.name == name)
            return &c;
    return nullptr;
}

std::int64_t SnapshotInfo::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& c : components)
        n += c.parameterCount;
    return n;
}

std::string SnapshotInfo::familyLabel() const {
    std::string s = familyName(family);
    if (!familyVariant.empty())
        s += " (" + familyVariant + ")";
    if (isToy)
        s = "toy (" + s + " architecture)";
    return s;
}

namespace {

struct ClassRow {
    const char* className;
    ComponentKind kind;
    ModelFamily family;  // for denoisers: the family they define
};

// The classes MotionProbe knows. Anything else is reported and left alone.
constexpr ClassRow kClasses[] = {
    {"UNet3DConditionModel", ComponentKind::Denoiser, ModelFamily::ModelScope},
    {"LatteTransformer3DModel", ComponentKind::Denoiser, ModelFamily::Latte},
    {"CogVideoXTransformer3DModel", ComponentKind::Denoiser, ModelFamily::CogVideoX},
    {"AutoencoderKL", ComponentKind::Vae, ModelFamily::Unknown},
    {"AutoencoderKLCogVideoX", ComponentKind::Vae, ModelFamily::Unknown},
    {"AutoencoderKLTemporalDecoder", ComponentKind::Vae, ModelFamily::Unknown},
    {"CLIPTextModel", ComponentKind::TextEncoder, ModelFamily::Unknown},
    {"CLIPTextModelWithProjection", ComponentKind::TextEncoder, ModelFamily::Unknown},
    {"T5EncoderModel", ComponentKind::TextEncoder, ModelFamily::Unknown},
    {"CLIPModel", ComponentKind::Scorer, ModelFamily::Unknown},
    {"CLIPTokenizer", ComponentKind::Tokenizer, ModelFamily::Unknown},
    {"CLIPTokenizerFast", ComponentKind::Tokenizer, ModelFamily::Unknown},
    {"T5Tokenizer", ComponentKind::Tokenizer, ModelFamily::Unknown},
    {"T5TokenizerFast", ComponentKind::Tokenizer, ModelFamily::Unknown},
};

struct PipelineRow {
    const char* className;
    ModelFamily family;
};
constexpr PipelineRow kPipelines[] = {
    {"TextToVideoSDPipeline", ModelFamily::ModelScope},
    {"VideoToVideoSDPipeline", ModelFamily::ModelScope},
    {"LattePipeline", ModelFamily::Latte},
    {"CogVideoXPipeline", ModelFamily::CogVideoX},
    {"CogVideoXVideoToVideoPipeline", ModelFamily::CogVideoX},
};

const ClassRow* findClass(const std::string& name) {
    for (const auto& r : kClasses)
        if (name == r.className)
            return &r;
    return nullptr;
}

ComponentKind kindOf(const std::string& className) {
    if (const auto* r = findClass(className))
        return r->kind;
    if (className.find("Scheduler") != std::string::npos)
        return ComponentKind::Scheduler;
    return ComponentKind::Other;
}

// Component names become folder names: letters, digits and '_' only, and not absurdly long.
bool isPlainComponentName(const std::string& name) {
    if (name.empty() || name.size() > 128)
        return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

bool isModelKind(ComponentKind k) {
    return k == ComponentKind::Denoiser || k == ComponentKind::Vae ||
           k == ComponentKind::TextEncoder || k == ComponentKind::Scorer;
}

class Inspector {
public:
    Inspector(const fs::path& root, const InspectOptions& options) : m_options(options) {
        m_info.root = root;
    }

    SnapshotInfo run() {
        // The contract is "never throws for folder content": anything a check forgot to catch
        // still becomes a reported problem.
        try {
            inspect();
        } catch (const EngineError& e) {
            errorFrom(e, "");
        } catch (const std::exception& e) {
            error("", std::string("internal error while reading the folder: ") + e.what());
        }
        return std::move(m_info);
    }

private:
    void inspect() {
        const fs::path& root = m_info.root;
        std::error_code ec;
        if (!fs::exists(root, ec)) {
            error("", root.string() + " does not exist");
            return;
        }
        if (!fs::is_directory(root, ec)) {
            error("", root.string() + " is not a folder (give the snapshot folder, not a file)");
            return;
        }
        if (fs::is_regular_file(root / "model_index.json", ec))
            inspectPipeline();
        else if (fs::is_regular_file(root / "config.json", ec) ||
                 fs::is_regular_file(root / "scheduler_config.json", ec))
            inspectSingleComponent();
        else
            error("",
                  "neither model_index.json (a pipeline folder) nor config.json (a component "
                  "folder) found in " +
                      root.string());
    }

    void error(std::string where, std::string what) {
        m_info.problems.push_back({Severity::Error, std::move(where), std::move(what)});
    }
    void warning(std::string where, std::string what) {
        m_info.problems.push_back({Severity::Warning, std::move(where), std::move(what)});
    }
    // Turns "<abs root>/unet/config.json: msg" into where="unet/config.json", what="msg".
    void errorFrom(const EngineError& e, const std::string& fallbackWhere) {
        std::string msg = e.message();
        const std::string prefix = m_info.root.string() + "/";
        std::string where = fallbackWhere;
        if (msg.rfind(prefix, 0) == 0) {
            auto colon = msg.find(": ", prefix.size());
            if (colon != std::string::npos) {
                where = msg.substr(prefix.size(), colon - prefix.size());
                msg = msg.substr(colon + 2);
                std::error_code ec;
                if (fs::is_directory(m_info.root / where, ec))
                    where += "/";  // folders read "unet/", files "unet/config.json"
            }
        }
        error(where, msg);
    }

    void inspectPipeline() {
        m_info.isPipeline = true;
        std::optional<JsonConfig> index;
        try {
            index = JsonConfig::load(m_info.root / "model_index.json");
        } catch (const EngineError& e) {
            errorFrom(e, "model_index.json");
            return;
        }
        try {
            m_info.pipelineClass = index->requireString("_class_name");
        } catch (const EngineError& e) {
            errorFrom(e, "model_index.json");
        }
        m_info.isToy = index->raw(kToyWorldKey) == true;
        try {
            m_info.diffusersVersion = index->getString("_diffusers_version", "");
        } catch (const EngineError&) {
            warning("model_index.json", "key '_diffusers_version' is not a string; ignored");
        }

        for (const auto& [name, value] : index->json().items()) {
            if (name.empty() || name[0] == '_')
                continue;
            if (!value.is_array() || value.size() != 2) {
                // Pipelines keep plain settings here too (e.g. "requires_safety_checker": true).
                if (!value.is_array())
                    continue;
                error("model_index.json",
                      "key '" + printable(name) + "' expected [library, class], got " +
                          printable(value.dump(-1, ' ', false, json::error_handler_t::replace)));
                continue;
            }
            if (value[0].is_null() && value[1].is_null())
                continue;  // an optional component the pipeline was saved without
            if (!value[0].is_string() || !value[1].is_string()) {
                error("model_index.json",
                      "key '" + printable(name) + "' expected [library, class] strings, got " +
                          printable(value.dump(-1, ' ', false, json::error_handler_t::replace)));
                continue;
            }
            if (!isPlainComponentName(name)) {
                error("model_index.json",
                      "component name '" + printable(name) + "' is not a plain folder name");
                continue;
            }
            inspectComponent(name, value[0].get<std::string>(), value[1].get<std::string>(),
                             m_info.root / name);
        }
        detectFamily();
    }

    void inspectSingleComponent() {
        std::error_code ec;
        const bool isScheduler = !fs::is_regular_file(m_info.root / "config.json", ec);
        const fs::path cfgPath =
            m_info.root / (isScheduler ? "scheduler_config.json" : "config.json");
        std::string className, library = "diffusers";
        try {
            const auto cfg = JsonConfig::load(cfgPath);
            if (cfg.has("_class_name")) {
                className = cfg.requireString("_class_name");
            } else if (cfg.has("architectures")) {
                const auto arch = cfg.requireStringList("architectures");
                if (!arch.empty())
                    className = arch.front();
                library = "transformers";
            } else {
                error(cfgPath.filename().string(),
                      "has neither '_class_name' (diffusers) nor 'architectures' (transformers)");
                return;
            }
        } catch (const EngineError& e) {
            errorFrom(e, cfgPath.filename().string());
            return;
        }
        const auto kind = kindOf(className);
        std::string name = kind == ComponentKind::Denoiser
                               ? (className == "UNet3DConditionModel" ? "unet" : "transformer")
                           : kind == ComponentKind::Vae         ? "vae"
                           : kind == ComponentKind::TextEncoder ? "text_encoder"
                           : kind == ComponentKind::Scheduler   ? "scheduler"
                           : kind == ComponentKind::Scorer      ? "scorer"
                                                                : "model";
        inspectComponent(name, library, className, m_info.root, /*relative=*/"");
        detectFamily();
    }

    void inspectComponent(const std::string& name,
                          const std::string& library,
                          const std::string& className,
                          const fs::path& dir,
                          std::optional<std::string> relative = std::nullopt) {
        const std::string rel = relative ? *relative : name;
        auto where = [&](const std::string& file) { return rel.empty() ? file : rel + "/" + file; };
        ComponentInfo c;
        c.name = name;
        c.library = library;
        c.className = className;
        c.kind = kindOf(className);
        c.dir = dir;
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            error(rel + "/", "folder missing (model_index.json lists '" + name + "' as " +
                                 printable(library) + "/" + printable(className) + ")");
            m_info.components.push_back(std::move(c));
            return;
        }
        if (c.kind == ComponentKind::Other)
            warning(rel.empty() ? "config.json" : rel + "/",
                    "class '" + printable(className) + "' is not one MotionProbe uses; ignored");

        if (c.kind == ComponentKind::Scheduler) {
            try {
                JsonConfig::load(dir / "scheduler_config.json");
            } catch (const EngineError& e) {
                errorFrom(e, where("scheduler_config.json"));
            }
        } else if (c.kind == ComponentKind::Tokenizer) {
            checkTokenizer(c, where);
        } else if (isModelKind(c.kind)) {
            try {
                const auto cfg = JsonConfig::load(dir / "config.json");
                const std::string declared =
                    cfg.has("_class_name")
                        ? cfg.getString("_class_name", "")
                        : (cfg.has("architectures") && cfg.raw("architectures").is_array() &&
                                   !cfg.raw("architectures").empty() &&
                                   cfg.raw("architectures")[0].is_string()
                               ? cfg.raw("architectures")[0].get<std::string>()
                               : "");
                if (!declared.empty() && declared != className)
                    warning(where("config.json"), "declares class '" + printable(declared) +
                                                      "' but model_index.json says '" +
                                                      printable(className) + "'");
                if (c.kind == ComponentKind::Denoiser)
                    m_denoiserConfig.emplace(cfg.json());
            } catch (const EngineError& e) {
                errorFrom(e, where("config.json"));
            }
            try {
                const auto lookup = locateWeights(dir, m_options.variant);
                for (const auto& n : lookup.notes)
                    warning(rel.empty() ? "." : rel + "/", n);
                const auto weights = WeightSet::open(lookup);
                c.hasWeights = true;
                c.weightsPath = lookup.path;
                c.sharded = lookup.sharded;
                c.variant = lookup.variant;
                c.fileCount = static_cast<int>(weights.files().size());
                c.tensorCount = static_cast<std::int64_t>(weights.size());
                c.parameterCount = weights.elementCount();
                for (const auto& [dtype, n] : weights.elementsByDType())
                    c.dtypeCounts[dtypeName(dtype)] = n;
            } catch (const EngineError& e) {
                errorFrom(e, rel.empty() ? "." : rel + "/");
            }
        }
        m_info.components.push_back(std::move(c));
    }

    template <class Where>
    void checkTokenizer(const ComponentInfo& c, Where where) {
        std::error_code ec;
        auto has = [&](const char* f) { return fs::is_regular_file(c.dir / f, ec); };
        if (has("tokenizer.json"))
            return;
        if (c.className.rfind("CLIPTokenizer", 0) == 0) {
            for (const char* f : {"vocab.json", "merges.txt"})
                if (!has(f))
                    error(where(f), "missing (CLIPTokenizer needs vocab.json and merges.txt)");
        } else if (c.className.rfind("T5Tokenizer", 0) == 0) {
            if (!has("spiece.model"))
                error(where("spiece.model"), "missing (T5Tokenizer needs its SentencePiece model)");
        }
    }

    void detectFamily() {
        ModelFamily fromPipeline = ModelFamily::Unknown;
        for (const auto& p : kPipelines)
            if (m_info.pipelineClass == p.className)
                fromPipeline = p.family;

        ModelFamily fromDenoiser = ModelFamily::Unknown;
        const ComponentInfo* denoiser = nullptr;
        for (const auto& c : m_info.components) {
            if (c.kind != ComponentKind::Denoiser)
                continue;
            denoiser = &c;
            fromDenoiser = findClass(c.className)->family;
        }
        if (fromPipeline != ModelFamily::Unknown && fromDenoiser != ModelFamily::Unknown &&
            fromPipeline != fromDenoiser)
            error("model_index.json",
                  "pipeline '" + printable(m_info.pipelineClass) + "' is a " +
                      familyName(fromPipeline) + " pipeline but its denoiser '" +
                      printable(denoiser->className) + "' is " + familyName(fromDenoiser));
        m_info.family = fromDenoiser != ModelFamily::Unknown ? fromDenoiser : fromPipeline;

        if (m_info.isPipeline && m_info.family == ModelFamily::Unknown && !m_info.isToy)
            error("model_index.json", "pipeline '" + printable(m_info.pipelineClass) +
                                          "' is not a ModelScope, Latte or CogVideoX pipeline and "
                                          "no known denoiser was found");
        if (m_info.isPipeline && m_info.family != ModelFamily::Unknown)
            checkRequiredComponents();
        if (m_info.family == ModelFamily::CogVideoX && m_denoiserConfig)
            m_info.familyVariant = cogVideoXVariant(*m_denoiserConfig);
    }

    void checkRequiredComponents() {
        const std::string denoiser =
            m_info.family == ModelFamily::ModelScope ? "unet" : "transformer";
        for (const std::string& name : {denoiser, std::string("vae"), std::string("text_encoder"),
                                        std::string("tokenizer"), std::string("scheduler")})
            if (!m_info.component(name))
                error("model_index.json", std::string("the ") + familyName(m_info.family) +
                                              " pipeline needs a '" + name + "' component");
    }

    static std::string cogVideoXVariant(const json& cfg) {
        auto intOr = [&](const char* k, int fallback) {
            return cfg.contains(k) && cfg[k].is_number_integer() ? cfg[k].get<int>() : fallback;
        };
        // Class defaults are the 2b shapes; 5b raises heads/layers and adds RoPE.
        const int heads = intOr("num_attention_heads", 30);
        const int layers = intOr("num_layers", 30);
        if (heads == 30 && layers == 30)
            return "2b";
        if (heads == 48 && layers == 42)
            return "5b";
        return "custom: " + std::to_string(heads) + " heads, " + std::to_string(layers) + " layers";
    }

    InspectOptions m_options;
    SnapshotInfo m_info;
    std::optional<json> m_denoiserConfig;
};

}  // namespace

fs::path componentFolder(const fs::path& dir, std::string_view component) {
    std::error_code ec;
    if (!fs::exists(dir / "model_index.json", ec))
        return dir;
    const auto sub = dir / component;
    if (!fs::is_directory(sub, ec))
        throw EngineError(ErrorCode::NotFound, dir.string() + ": the pipeline has no '" +
                                                   std::string(component) + "' folder");
    return sub;
}

SnapshotInfo inspectSnapshot(const fs::path& root, const InspectOptions& options) {
    fs::path normal = root.lexically_normal();
    if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path())
        normal = normal.parent_path();  // "dir/" -> "dir", so messages read "dir/unet/..."
    return Inspector(normal, options).run();
}

json toJson(const SnapshotInfo& info) {
    json j;
    j["root"] = info.root.string();
    j["layout"] = info.isPipeline ? "pipeline" : "component";
    j["pipeline_class"] = info.pipelineClass;
    j["family"] = familyName(info.family);
    j["family_variant"] = info.familyVariant;
    j["toy"] = info.isToy;
    j["parameter_count"] = info.parameterCount();
    j["components"] = json::array();
    for (const auto& c : info.components) {
        json cj = {{"name", c.name},
                   {"library", c.library},
                   {"class", c.className},
                   {"kind", componentKindName(c.kind)},
                   {"has_weights", c.hasWeights},
                   {"parameter_count", c.parameterCount},
                   {"tensor_count", c.tensorCount},
                   {"dtypes", c.dtypeCounts}};
        if (c.hasWeights) {
            cj["weights"] = fs::relative(c.weightsPath, info.root).string();
            cj["sharded"] = c.sharded;
            cj["files"] = c.fileCount;
            cj["variant"] = c.variant;
        }
        j["components"].push_back(cj);
    }
    j["problems"] = json::array();
    for (const auto& p : info.problems)
        j["problems"].push_back({{"severity", p.severity == Severity::Error ? "error" : "warning"},
                                 {"where", p.where},
                                 {"what", p.what}});
    j["ok"] = !info.hasErrors();
    return j;
}

bool isToyWorldModel(const std::filesystem::path& dir) {
    std::ifstream in(dir / "model_index.json");
    if (!in)
        return false;
    const auto j = nlohmann::json::parse(in, nullptr, false);
    return j.is_object() && j.value(kToyWorldKey, false);
}

}  // namespace mp
