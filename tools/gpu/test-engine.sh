#!/usr/bin/env bash
# On the GPU machine, after tools/gpu/build-engine.sh: run the engine tests (all labels, gpu
# included) with the staged Qt libraries on the loader path.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -d .gpu/qt/usr ]; then
    export LD_LIBRARY_PATH="$PWD/.gpu/qt/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
exec ctest --preset engine-gpu "$@"
