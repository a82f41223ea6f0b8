#pragma once
// Precompiled for every torch-using engine file: parsing these headers is most of a build on two
// cores (about 21 s per file for <torch/torch.h>, 7 s with this header precompiled).
#include <ATen/ATen.h>
#include <torch/nn.h>
