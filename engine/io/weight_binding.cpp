#include "io/weight_binding.h"

#include "core/error.h"
#include "core/strings.h"
#include "io/tensor_io.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <map>
#include <sstream>

namespace mp {

namespace {

std::map<std::string, at::Tensor> moduleTensors(const torch::nn::Module& module,
                                                const BindOptions& options) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : module.named_parameters(/*recurse=*/true))
        if (!options.notInCheckpoint.count(p.key()))
            out.emplace(p.key(), p.value());
    for (const auto& b : module.named_buffers(/*recurse=*/true))
        if (!options.notInCheckpoint.count(b.key()))
            out.emplace(b.key(), b.value());
    return out;
}

}  // namespace

bool BindReport::ok(const BindOptions& options) const {
    return mismatched.empty() && (options.allowMissing || missing.empty()) &&
           (options.allowUnexpected || unexpected.empty());
}

std::string BindReport::describe(std::size_t maxLines) const {
    std::ostringstream out;
    auto group = [&](const char* title, const std::vector<std::string>& keys) {
        if (keys.empty())
            return;
        out << keys.size() << " " << title << ":\n";
        for (std::size_t i = 0; i < keys.size() && i < maxLines; ++i)
            out << "  " << keys[i] << "\n";
        if (keys.size() > maxLines)
            out << "  ... and " << keys.size() - maxLines << " more\n";
    };
    group("missing key(s) (the model needs them, the checkpoint lacks them)", missing);
    group("unexpected key(s) (in the checkpoint, not in the model)", unexpected);
    group("key(s) with the wrong shape or dtype", mismatched);
    return out.str();
}

namespace {

std::string moduleKey(const std::string& checkpointKey, const BindOptions& options) {
    auto local = checkpointKey.substr(options.prefix.size());
    return options.rename ? options.rename(local) : local;
}

BindReport compare(const std::map<std::string, at::Tensor>& tensors,
                   const WeightSet& weights,
                   const BindOptions& options) {
    BindReport report;
    std::set<std::string> seen;
    for (const auto& key : weights.keys()) {
        if (key.rfind(options.prefix, 0) != 0) {
            report.unexpected.push_back(key);
            continue;
        }
        if (options.tiedCopies.count(key.substr(options.prefix.size())))
            continue;
        const std::string local = moduleKey(key, options);
        auto it = tensors.find(local);
        if (it == tensors.end()) {
            report.unexpected.push_back(key);
            continue;
        }
        if (!seen.insert(local).second) {
            report.mismatched.push_back(key + ": fills " + local + ", which another key filled");
            continue;
        }
        const auto& entry = weights.entry(key);
        const auto& target = it->second;
        const bool shapeOk = c10::IntArrayRef(entry.shape) == target.sizes();
        // Float weights convert freely (bf16 file -> fp32 module); integers never become floats.
        const bool kindOk = isFloating(entry.dtype) == at::isFloatingType(target.scalar_type());
        if (!shapeOk || !kindOk)
            report.mismatched.push_back(key + ": checkpoint " + str::shape(entry.shape) + " " +
                                        dtypeName(entry.dtype) + " vs model " +
                                        str::shape(target.sizes().vec()) + " " +
                                        c10::toString(target.scalar_type()));
        else
            ++report.bound;
    }
    for (const auto& [key, _] : tensors)
        if (!seen.count(key))
            report.missing.push_back(options.prefix + key);
    return report;
}

}  // namespace

BindReport checkBinding(const torch::nn::Module& module,
                        const WeightSet& weights,
                        const BindOptions& options) {
    return compare(moduleTensors(module, options), weights, options);
}

BindReport bindWeights(torch::nn::Module& module,
                       const WeightSet& weights,
                       const BindOptions& options) {
    auto tensors = moduleTensors(module, options);
    auto report = compare(tensors, weights, options);
    if (!report.ok(options))
        throw EngineError(
            ErrorCode::Weights,
            weights.describe() + ": weights do not match the model\n" + report.describe());
    torch::NoGradGuard noGrad;
    for (const auto& key : weights.keys()) {
        if (key.rfind(options.prefix, 0) != 0 ||
            options.tiedCopies.count(key.substr(options.prefix.size())))
            continue;
        auto it = tensors.find(moduleKey(key, options));
        if (it == tensors.end())
            continue;
        const auto stored = viewTensor(weights, key);
        if (options.device) {
            // copy = true: the stored tensor views the read-only mapping of the file.
            const auto type =
                it->second.is_floating_point() ? options.dtype : it->second.scalar_type();
            it->second.set_data(stored.to(*options.device, type, /*non_blocking=*/false,
                                          /*copy=*/true));
        } else {
            it->second.copy_(stored);
        }
    }
    return report;
}

}  // namespace mp
