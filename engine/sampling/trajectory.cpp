#include "sampling/trajectory.h"

#include "core/error.h"
#include "io/json_util.h"
#include "io/safetensors.h"
#include "io/tensor_io.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace mp::sampling {

namespace {
constexpr const char* kKind = "motionprobe.trajectory";
constexpr int kMaxEntries = 100000;

std::string entryName(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "latents.%03zu", i);
    return buf;
}

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& what) {
    throw EngineError(ErrorCode::Format, printable(path.filename().string()) + ": " + what);
}
}  // namespace

const char* toString(Direction d) {
    return d == Direction::Forward ? "forward" : "inverse";
}

const at::Tensor& Trajectory::atLevel(std::int64_t level) const {
    for (std::size_t i = 0; i < levels.size(); ++i)
        if (levels[i] == level)
            return latents[i];
    std::string have;
    for (auto l : levels)
        have += (have.empty() ? "" : ", ") + std::to_string(l);
    throw EngineError(ErrorCode::NotFound, "trajectory has no latent at noise level " +
                                               std::to_string(level) + " (it has " + have + ")");
}

void Trajectory::save(const std::filesystem::path& path) const {
    if (latents.size() != levels.size() || latents.empty())
        throw EngineError(ErrorCode::InvalidArgument,
                          path.string() + ": a trajectory needs one level per latent");
    NamedTensors tensors;
    for (std::size_t i = 0; i < latents.size(); ++i)
        tensors.emplace_back(entryName(i), latents[i]);
    nlohmann::json infoJson = nlohmann::json::object();
    for (const auto& [k, v] : info)
        infoJson[k] = v;
    std::map<std::string, std::string> metadata{
        {"format", "pt"},
        {"motionprobe.kind", kKind},
        {"motionprobe.direction", toString(direction)},
        {"motionprobe.num_inference_steps", std::to_string(numSteps)},
        {"motionprobe.levels", nlohmann::json(levels).dump()},
        {"motionprobe.info",
         infoJson.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)},
    };
    saveTensorFile(path, tensors, metadata);
}

Trajectory Trajectory::load(const std::filesystem::path& path) {
    const auto file = SafetensorsFile::open(path);
    const auto& meta = file.header().metadata;
    auto field = [&](const std::string& key) -> const std::string& {
        auto it = meta.find(key);
        if (it == meta.end())
            bad(path, "metadata field '" + key + "' is missing (not a MotionProbe trajectory?)");
        return it->second;
    };
    if (field("motionprobe.kind") != kKind)
        bad(path, "metadata field 'motionprobe.kind' is '" + printable(field("motionprobe.kind")) +
                      "', expected '" + kKind + "'");
    Trajectory t;
    const auto& dir = field("motionprobe.direction");
    if (dir == "forward")
        t.direction = Direction::Forward;
    else if (dir == "inverse")
        t.direction = Direction::Inverse;
    else
        bad(path, "metadata field 'motionprobe.direction' must be forward or inverse, got '" +
                      printable(dir) + "'");
    try {
        const auto& n = field("motionprobe.num_inference_steps");
        std::size_t used = 0;
        const long v = std::stol(n, &used);
        if (used != n.size() || v < 1 || v > kMaxEntries)
            throw std::invalid_argument("range");
        t.numSteps = static_cast<int>(v);
    } catch (const std::logic_error&) {
        bad(path, "metadata field 'motionprobe.num_inference_steps' must be a positive integer");
    }
    const auto levels = parseJsonStrict(field("motionprobe.levels"), path.filename().string());
    if (!levels.is_array() || levels.empty() || levels.size() > kMaxEntries)
        bad(path, "metadata field 'motionprobe.levels' must be a non-empty list of integers");
    for (const auto& l : levels) {
        if (!l.is_number_integer())
            bad(path, "metadata field 'motionprobe.levels' must hold integers");
        t.levels.push_back(l.get<std::int64_t>());
    }
    for (std::size_t i = 1; i < t.levels.size(); ++i) {
        const bool ordered = t.direction == Direction::Forward ? t.levels[i] < t.levels[i - 1]
                                                               : t.levels[i] > t.levels[i - 1];
        if (!ordered)
            bad(path, std::string("metadata field 'motionprobe.levels' must be strictly ") +
                          (t.direction == Direction::Forward ? "decreasing" : "increasing") +
                          " for a " + toString(t.direction) + " trajectory");
    }
    const auto& entries = file.header().tensors;
    if (entries.size() != t.levels.size())
        bad(path, "has " + std::to_string(entries.size()) + " tensors but " +
                      std::to_string(t.levels.size()) + " levels");
    for (std::size_t i = 0; i < t.levels.size(); ++i) {
        const auto* entry = file.header().find(entryName(i));
        if (!entry)
            bad(path, "tensor '" + entryName(i) + "' is missing");
        auto tensor = viewTensor(file, *entry).clone();
        if (!at::isFloatingType(tensor.scalar_type()))
            bad(path, "tensor '" + entryName(i) + "' is not floating point");
        if (!t.latents.empty() && tensor.sizes() != t.latents.front().sizes())
            bad(path, "tensor '" + entryName(i) + "' has a different shape from latents.000");
        t.latents.push_back(std::move(tensor));
    }
    const auto info = parseJsonStrict(field("motionprobe.info"), path.filename().string());
    if (!info.is_object())
        bad(path, "metadata field 'motionprobe.info' must be a JSON object");
    for (const auto& [k, v] : info.items())
        t.info[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return t;
}

std::string LatentError::toString() const {
    std::ostringstream s;
    s.precision(3);
    s << "max |Δ| " << maxAbs << ", RMS " << rms << ", relative L2 " << relativeL2;
    return s.str();
}

LatentError compareLatents(const at::Tensor& actual, const at::Tensor& expected) {
    if (actual.sizes() != expected.sizes())
        throw EngineError(ErrorCode::InvalidArgument, "compareLatents: shapes differ");
    auto a = actual.detach().to(at::kCPU, at::kDouble);
    auto b = expected.detach().to(at::kCPU, at::kDouble);
    auto d = a - b;
    LatentError e;
    if (d.numel() == 0)
        return e;
    e.maxAbs = d.abs().max().item<double>();
    e.rms = d.pow(2).mean().sqrt().item<double>();
    const double nb = b.norm().item<double>();
    e.relativeL2 = nb > 0 ? d.norm().item<double>() / nb : d.norm().item<double>();
    return e;
}

}  // namespace mp::sampling
