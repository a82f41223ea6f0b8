#!/usr/bin/env bash
# Here (Debian 12): download Debian's Qt Core + Qt Test packages (runtime, headers, CMake files,
# moc) into .gpu/debs, so the GPU machine (no Qt, no network) can build and run the engine's Qt Test
# executables. .gpu/ is git-ignored; name it in the device call's `carry`. build-engine.sh unpacks
# the packages there.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu/debs
cd .gpu/debs
apt-get download qt6-base-dev qt6-base-dev-tools libqt6core6 libqt6test6 \
    qmake6 qmake6-bin libglib2.0-0 libicu72 libdouble-conversion3 libb2-1 libpcre2-16-0 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
du -sh . | sed 's/^/staged Qt packages: /'
