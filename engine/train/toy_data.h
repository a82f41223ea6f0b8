#pragma once
// Batches of the toy world for training and evaluating its models. The renderer is the CPU side
// of a GPU training step, so clips and frames are drawn in parallel (one task per item) into
// uint8 tensors, which travel to the device before they become floats.

#include "io/tensor_io.h"
#include "toy/world.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace mp::train {

// Training clips use seeds below this; held-out evaluation seeds start above it.
inline constexpr std::int64_t kToyTrainingSeeds = 1'000'000'000;
inline constexpr std::uint64_t kToyHeldOutSeed = 1'000'000'007ull;

// Frame frames[i] of specs[i]: (N, H, W, 3) uint8. All specs share one size.
at::Tensor renderToyFrames(const std::vector<toy::ClipSpec>& specs, const std::vector<int>& frames);
// Whole clips: (N, F, H, W, 3) uint8. All specs share one size and length.
at::Tensor renderToyClips(const std::vector<toy::ClipSpec>& specs);
// uint8 with channels last → float in [−1, 1] on `device`, channels first: frames (N, H, W, 3)
// → (N, 3, H, W); clips (N, F, H, W, 3) → (N, 3, F, H, W), the video models' layout.
at::Tensor toSignedUnit(const at::Tensor& rgb, const c10::Device& device);

// A module's parameters as the shipped folders store them: fp16 on the CPU, keys with `prefix`.
NamedTensors fp16Weights(const torch::nn::Module& module, const std::string& prefix = {});

}  // namespace mp::train
