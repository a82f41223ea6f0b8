#pragma once
// Gradient checkpointing: a piece of a network runs without keeping its activations for the
// backward, which runs it again. Training keeps one piece's activations at a time instead of the
// whole network's, for about one more forward of compute (diffusers' enable_gradient_checkpointing
// does the same per block).

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace mp::nn {

using CheckpointFn = std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

// fn(inputs), with the backward recomputing it. The parameters fn uses get their gradients from
// the recomputation; so do the inputs that require them. fn is called again later, so what it
// captures must still be alive then, and it must compute the same thing: no random draws
// (dropout). CUDA autocast is replayed as it was. Without grad mode, plainly fn(inputs).
at::Tensor checkpoint(const CheckpointFn& fn, const std::vector<at::Tensor>& inputs);

}  // namespace mp::nn
