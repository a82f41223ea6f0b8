#pragma once
// Strict, by-name binding of checkpoint tensors into a torch module: module names equal checkpoint
// keys, so nothing is matched by position. Every missing, unexpected, wrong-shape and
// wrong-dtype key is reported at once.

#include "io/weights.h"

#include <torch/nn/module.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mp {

struct BindOptions {
    std::string prefix;  // checkpoint keys start with this (e.g. "unet." in a combined file)
    std::set<std::string> notInCheckpoint;  // module keys computed at load, not stored
    // Maps a checkpoint key (prefix removed) to the module key it fills, for older layouts of
    // the same model (the SD VAE's query/key/value/proj_attn). Identity when empty.
    std::function<std::string(const std::string&)> rename;
    // Checkpoint keys (prefix removed) left unbound: stored copies of a tied tensor that another
    // key fills (T5's encoder.embed_tokens.weight beside shared.weight).
    std::set<std::string> tiedCopies;
    bool allowMissing = false;
    bool allowUnexpected = false;
    // With a device, each bound tensor is replaced by the checkpoint's, converted once onto that
    // device (floating-point tensors in `dtype`, others as stored), instead of being copied into
    // the module's own storage: a module built in an nn::UninitialisedScope is then never
    // written on the host, and no fp32 copy of bf16 weights bound for a GPU is made.
    std::optional<c10::Device> device;
    c10::ScalarType dtype = c10::kFloat;

    // Replacing onto `device` in `dtype` (above).
    static BindOptions onto(c10::Device device, c10::ScalarType dtype) {
        BindOptions o;
        o.device = device;
        o.dtype = dtype;
        return o;
    }
};

struct BindReport {
    std::vector<std::string> missing;     // module keys the checkpoint lacks
    std::vector<std::string> unexpected;  // checkpoint keys the module lacks
    std::vector<std::string> mismatched;  // "key: checkpoint [a, b] F16 vs module [c, d]"
    int bound = 0;

    bool ok(const BindOptions& options = {}) const;
    // Every problem, one per line, at most `maxLines` lines per group.
    std::string describe(std::size_t maxLines = 20) const;
};

// Compares names, shapes and dtype kinds without copying anything.
BindReport checkBinding(const torch::nn::Module& module,
                        const WeightSet& weights,
                        const BindOptions& options = {});

// Copies every tensor into the module's parameters and buffers (converting dtype, onto the
// module's device), or with options.device replaces them (above). Throws EngineError{Weights}
// naming the weights and every problem.
BindReport bindWeights(torch::nn::Module& module,
                       const WeightSet& weights,
                       const BindOptions& options = {});

}  // namespace mp
