#!/usr/bin/env bash
# On the GPU machine (PyTorch with CUDA, no Qt): configure and build the engine-gpu preset against
# PyTorch's LibTorch. If tools/gpu/stage-qt.sh staged Debian's Qt Core/Test packages in .gpu/debs
# (carried along), they are unpacked into .gpu/qt and the engine tests are built too and `ctest
# --preset engine-gpu` runs them. If tools/gpu/stage-video.sh staged FFmpeg's source and the zlib
# and SQLite packages (.gpu/src, .gpu/debs-video), a small FFmpeg is built into .gpu/ffmpeg first
# and the build gains the video commands, probe, customize, the experiment store and the dataset
# benchmarks (MP_GPU_WITH_VIDEO=0 leaves them out). MP_BUILD_DIR builds into another folder than
# the preset's build/engine-gpu, so that both variants can live side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
MP_TORCH_PREFIX="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
export MP_TORCH_PREFIX
export MP_QT_PREFIX="" MP_GPU_TESTS=OFF MP_GPU_VIDEO=OFF MP_GPU_DEPS=""
if [ -d .gpu/debs ] && [ ! -d .gpu/qt/usr ]; then
    for d in .gpu/debs/*.deb; do dpkg -x "$d" .gpu/qt; done
fi
if [ -d .gpu/qt/usr ]; then
    export MP_QT_PREFIX="$PWD/.gpu/qt/usr"
    export MP_GPU_TESTS=ON
    export LD_LIBRARY_PATH="$PWD/.gpu/qt/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
source=$(ls .gpu/src/ffmpeg_*.orig.tar.xz 2>/dev/null | tail -1 || true)
if [ -n "$source" ] && [ "${MP_GPU_WITH_VIDEO:-1}" != 0 ]; then
    if [ -d .gpu/debs-video ] && [ ! -d .gpu/deps/usr ]; then
        for d in .gpu/debs-video/*.deb; do dpkg -x "$d" .gpu/deps; done
    fi
    deps="$PWD/.gpu/deps/usr"
    # The SQLite library as the packages hold it: the development link beside the runtime.
    export MP_GPU_DEPS="$deps"
    pc=$(tools/gpu/build-ffmpeg.sh "$source" "$PWD/.gpu/ffmpeg" "$deps")
    export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    export LD_LIBRARY_PATH="$PWD/.gpu/ffmpeg/lib:$deps/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export MP_GPU_VIDEO=ON
fi
dir=${MP_BUILD_DIR:-build/engine-gpu}
cmake --preset engine-gpu -B "$dir" "$@"
cmake --build "$dir" -j"$(nproc)"
