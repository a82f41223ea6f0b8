#pragma once
// Reads a diffusers-format snapshot folder (model_index.json + one folder per component) or a
// single component's folder (config.json), finds the components and their weights, detects the
// model family, and collects every problem instead of stopping at the first. Torch-free: weights
// are only inspected through their safetensors headers.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mp {

enum class ModelFamily { Unknown, ModelScope, Latte, CogVideoX };
const char* familyName(ModelFamily family);  // "modelscope", "latte", "cogvideox", "unknown"

enum class ComponentKind { Denoiser, Vae, TextEncoder, Tokenizer, Scheduler, Scorer, Other };
const char* componentKindName(ComponentKind kind);

struct ComponentInfo {
    std::string name;       // "unet", "text_encoder", ...
    std::string library;    // "diffusers", "transformers"
    std::string className;  // "UNet3DConditionModel", ...
    ComponentKind kind = ComponentKind::Other;
    std::filesystem::path dir;
    bool hasWeights = false;
    std::filesystem::path weightsPath;  // file or index, when hasWeights
    bool sharded = false;
    int fileCount = 0;
    std::string variant;
    std::int64_t tensorCount = 0;
    std::int64_t parameterCount = 0;                  // elements over all tensors
    std::map<std::string, std::int64_t> dtypeCounts;  // "BF16" -> elements
};

enum class Severity { Error, Warning };

struct SnapshotProblem {
    Severity severity = Severity::Error;
    std::string where;  // a file or folder relative to the snapshot root, e.g. "unet/config.json"
    std::string what;
    std::string line() const;  // "error: unet/config.json: ..."
};

struct SnapshotInfo {
    std::filesystem::path root;
    bool isPipeline = false;    // model_index.json present
    std::string pipelineClass;  // model_index.json _class_name
    std::string diffusersVersion;
    ModelFamily family = ModelFamily::Unknown;
    bool isToy = false;         // the embedded toy world's models
    std::string familyVariant;  // e.g. "2b" / "5b" for CogVideoX
    std::vector<ComponentInfo> components;
    std::vector<SnapshotProblem> problems;

    bool hasErrors() const;
    const ComponentInfo* component(const std::string& name) const;
    std::int64_t parameterCount() const;
    std::string familyLabel() const;  // "cogvideox (5b)", "toy (modelscope architecture)"
};

struct InspectOptions {
    std::string variant;  // e.g. "fp16"; empty = plain weights
};

// Never throws for anything about the folder's contents: problems are recorded.
// The folder of one component, as every loader finds it: `dir / component` when `dir` is a
// pipeline folder (it has model_index.json), else `dir` itself (the component's own folder).
// Throws EngineError{NotFound} when a pipeline folder lacks that component's folder.
std::filesystem::path componentFolder(const std::filesystem::path& dir, std::string_view component);

SnapshotInfo inspectSnapshot(const std::filesystem::path& root, const InspectOptions& options = {});

nlohmann::json toJson(const SnapshotInfo& info);

// The key (true) that marks the embedded toy world's pipelines in model_index.json; diffusers
// ignores keys that start with "_", so the folder stays a plain TextToVideoSDPipeline there.
inline constexpr const char* kToyWorldKey = "_motionprobe_toy_world";
// The folder is a toy-world pipeline (its model_index.json carries the key); false for anything
// unreadable.
bool isToyWorldModel(const std::filesystem::path& dir);

}  // namespace mp
