#pragma once
// The latents a denoise or inversion run passed through, one per noise level, so that a later
// run can restart from any x̂_t without recomputing the prefix (DenoiseRequest slices). Saved as one
// safetensors file (latents.000, latents.001, ... plus the levels and provenance in the metadata),
// written atomically.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mp::sampling {

enum class Direction { Forward, Inverse };
const char* toString(Direction d);

// Noise level of a clean latent (x0): below every timestep.
inline constexpr std::int64_t kCleanLevel = -1;

struct Trajectory {
    Direction direction = Direction::Forward;
    int numSteps = 0;  // the run's number of inference steps (fixes the stride)
    // levels[i] is the timestep whose noise level latents[i] holds (kCleanLevel for x0). Forward
    // runs go down, inversions up.
    std::vector<std::int64_t> levels;
    std::vector<at::Tensor> latents;
    std::map<std::string, std::string> info;  // provenance: scheduler, condition, seed, ...

    bool empty() const { return latents.empty(); }
    // Throws EngineError{NotFound} listing the levels there are.
    const at::Tensor& atLevel(std::int64_t level) const;

    // Copies to CPU and writes atomically. Throws EngineError{Io|InvalidArgument}.
    void save(const std::filesystem::path& path) const;
    // Throws EngineError{NotFound|Format} naming the file and what is wrong.
    static Trajectory load(const std::filesystem::path& path);
};

// How far one latent is from another: max |a−b|, RMS of a−b, and ‖a−b‖/‖b‖.
struct LatentError {
    double maxAbs = 0;
    double rms = 0;
    double relativeL2 = 0;
    std::string toString() const;
};
LatentError compareLatents(const at::Tensor& actual, const at::Tensor& expected);

}  // namespace mp::sampling
