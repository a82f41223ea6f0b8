#!/usr/bin/env bash
# On the GPU machine (PyTorch with CUDA, no Qt): configure and build the engine-gpu preset against
# PyTorch's LibTorch. If tools/gpu/stage-qt.sh staged Debian's Qt Core/Test packages in .gpu/debs
# (carried along), they are unpacked into .gpu/qt and the engine tests are built too and `ctest --preset engine-gpu` runs them.
set -euo pipefail
cd "$(dirname "$0")/../.."
MP_TORCH_PREFIX="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
export MP_TORCH_PREFIX
export MP_QT_PREFIX="" MP_GPU_TESTS=OFF
if [ -d .gpu/debs ] && [ ! -d .gpu/qt/usr ]; then
    for d in .gpu/debs/*.deb; do dpkg -x "$d" .gpu/qt; done
fi
if [ -d .gpu/qt/usr ]; then
    export MP_QT_PREFIX="$PWD/.gpu/qt/usr"
    export MP_GPU_TESTS=ON
    export LD_LIBRARY_PATH="$PWD/.gpu/qt/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
cmake --preset engine-gpu "$@"
cmake --build --preset engine-gpu -j"$(nproc)"
