#pragma once
// The run-component registry: one forward of a named model component on tensors from a file, with
// names that follow the reference's forward arguments (docs/cli.md, run-component). Families
// register their components in registerBuiltinComponents().

#include "core/error.h"
#include "io/tensor_io.h"
#include "runtime/device.h"

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mp {

using TensorMap = std::map<std::string, at::Tensor>;

struct ComponentCall {
    std::filesystem::path modelDir;  // a pipeline folder or the component's own folder
    TensorMap inputs;                // already on the device; floats in the run's dtype
    DeviceChoice device;
};

struct ComponentSpec {
    std::string name;     // "unet", "text-encoder", ...
    std::string summary;  // one line for --help
    std::vector<std::string> requiredInputs;
    std::vector<std::string> optionalInputs;
    std::vector<std::string> outputs;
    std::function<TensorMap(const ComponentCall&)> run;
};

void registerComponent(ComponentSpec spec);
const ComponentSpec* findComponent(const std::string& name);
std::vector<const ComponentSpec*> registeredComponents();
// Registers every family's components once. Defined in pipelines/builtin_components.cpp, the one
// place that knows every family (runtime/ stays below the families).
void registerBuiltinComponents();

struct RunComponentRequest {
    std::filesystem::path modelDir;
    std::string component;
    std::filesystem::path inputsPath;
    std::filesystem::path outputPath;
    std::string device = "auto";
    std::string dtype = "auto";
};

struct RunComponentReport {
    std::string component;
    std::string device;  // "cuda:0 bf16"
    std::vector<std::string> outputs;
    double milliseconds = 0;
};

// Validates the request (component known, inputs named as the spec says, integer inputs I64),
// runs it and writes the outputs atomically. Never throws.
Result<RunComponentReport> runComponent(const RunComponentRequest& request);

}  // namespace mp
