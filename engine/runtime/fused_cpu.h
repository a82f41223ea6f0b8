#pragma once
// Fused CPU kernels for inference, where the toy models spend their time on data the size of a
// core's cache. GroupNorm followed by SiLU: the statistics of each group in two passes over it,
// then one pass that normalises, applies the affine and the SiLU and writes the output (ATen
// takes two passes for the norm and one more for the activation; 50 such pairs a toy UNet
// forward). GEGLU's gate: value · GELU(gate) in one pass instead of two.

#include "runtime/torch_shim.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace mp::shim {

// Whether groupNormSilu takes x: float32 on the CPU, at least (N, C), C divisible by `groups`,
// weight and bias float32 of C values (or undefined), and no autograd recording.
bool groupNormSiluApplies(const at::Tensor& x,
                          std::int64_t groups,
                          const at::Tensor& weight,
                          const at::Tensor& bias);

// silu(group_norm(x, groups, weight, bias, eps)) for x (N, C, *); the output is contiguous.
at::Tensor groupNormSilu(const at::Tensor& x,
                         std::int64_t groups,
                         const at::Tensor& weight,
                         const at::Tensor& bias,
                         double eps,
                         CpuKernel kernel = CpuKernel::Best);

// Whether geluGateInPlace takes (value, gate): float32 CPU tensors of one shape, value
// contiguous, and no autograd recording.
bool geluGateApplies(const at::Tensor& value, const at::Tensor& gate);

// value ← value · gelu(gate), GELU exact (erf), as ATen's CPU kernel computes it; returns value.
at::Tensor& geluGateInPlace(at::Tensor& value,
                            const at::Tensor& gate,
                            CpuKernel kernel = CpuKernel::Best);

}  // namespace mp::shim
