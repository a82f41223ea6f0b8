#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running workbench or a passing test suite:
#   tools/bootstrap.sh run    install what is missing, build, launch the workbench
#   tools/bootstrap.sh test   install what is missing, build, run the tests (not gpu/slow)
#   tools/bootstrap.sh build  install and build only
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libgl-dev
    libqcustomplot-dev qt6-svg-dev libopencv-dev
    libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libavutil-dev
    libtorch-dev nlohmann-json3-dev libsqlite3-dev
    libopenblas0-pthread
    # The reference SentencePiece library: tst_toy_world checks our toy T5 tokenizer against it.
    libsentencepiece-dev
    # Validate the packaged desktop file and metainfo in install_and_run (skipped without them).
    desktop-file-utils appstream
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake --preset dev
cmake --build --preset dev -j"$(nproc)"

case "$mode" in
    run)
        exec build/dev/bin/motionprobe "${@:2}"
        ;;
    test)
        ctest --preset dev
        ;;
    build) ;;
    *)
        echo "usage: tools/bootstrap.sh run|test|build" >&2
        exit 2
        ;;
esac
