#include "pipelines/components.h"

#include "core/log.h"
#include "core/stopwatch.h"
#include "core/strings.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace mp {

namespace {

std::mutex& registryMutex() {
    static std::mutex m;
    return m;
}
std::map<std::string, ComponentSpec>& registry() {
    static std::map<std::string, ComponentSpec> r;
    return r;
}

}  // namespace

void registerComponent(ComponentSpec spec) {
    std::lock_guard lock(registryMutex());
    registry()[spec.name] = std::move(spec);
}

const ComponentSpec* findComponent(const std::string& name) {
    std::lock_guard lock(registryMutex());
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}

std::vector<const ComponentSpec*> registeredComponents() {
    std::lock_guard lock(registryMutex());
    std::vector<const ComponentSpec*> out;
    for (const auto& [_, spec] : registry())
        out.push_back(&spec);
    return out;
}

Result<RunComponentReport> runComponent(const RunComponentRequest& request) {
    return capture([&] {
        registerBuiltinComponents();
        const ComponentSpec* spec = findComponent(request.component);
        if (!spec) {
            std::vector<std::string> names;
            for (const auto* s : registeredComponents())
                names.push_back(s->name);
            throw EngineError(ErrorCode::NotFound,
                              "component '" + request.component +
                                  "' is not available in this build (available: " +
                                  (names.empty() ? std::string("(none)") : str::join(names)) + ")");
        }
        std::error_code ec;
        if (!std::filesystem::is_directory(request.modelDir, ec))
            throw EngineError(ErrorCode::NotFound,
                              request.modelDir.string() + ": model folder not found");
        const auto device = resolveDevice(request.device, request.dtype);

        ComponentCall call{request.modelDir, {}, device};
        const std::string label = request.inputsPath.string();
        for (auto& [name, tensor] : loadTensorFile(request.inputsPath)) {
            const bool known =
                std::count(spec->requiredInputs.begin(), spec->requiredInputs.end(), name) ||
                std::count(spec->optionalInputs.begin(), spec->optionalInputs.end(), name);
            if (!known)
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": tensor '" + name + "' is not an input of '" +
                                      spec->name + "' (inputs: " + str::join(spec->requiredInputs) +
                                      "; optional: " + str::join(spec->optionalInputs) + ")");
            if (at::isFloatingType(tensor.scalar_type())) {
                tensor = tensor.to(device.device, device.dtype);
            } else if (tensor.scalar_type() == at::kLong) {
                tensor = tensor.to(device.device);
            } else {
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": tensor '" + name + "' is " +
                                      c10::toString(tensor.scalar_type()) +
                                      "; integer inputs must be I64 and the rest F32/BF16/F16");
            }
            call.inputs.emplace(name, std::move(tensor));
        }
        for (const auto& name : spec->requiredInputs)
            if (!call.inputs.count(name))
                throw EngineError(ErrorCode::InvalidArgument,
                                  label + ": input '" + name + "' is missing (" + spec->name +
                                      " needs: " + str::join(spec->requiredInputs) + ")");

        torch::NoGradGuard noGrad;
        const Stopwatch watch;
        TensorMap outputs = spec->run(call);
        NamedTensors toWrite;
        for (auto& [name, t] : outputs)
            toWrite.emplace_back(name, t.to(at::kCPU));  // also waits for the device
        const auto ms = watch.milliseconds();
        saveTensorFile(request.outputPath, toWrite,
                       {{"component", spec->name}, {"device", device.describe()}});
        RunComponentReport report{spec->name, device.describe(), {}, ms};
        for (const auto& [name, _] : toWrite)
            report.outputs.push_back(name);
        return report;
    });
}

}  // namespace mp
