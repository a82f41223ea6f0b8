#!/usr/bin/env bash
# Here (Debian 12): stage what the GPU machine (no FFmpeg, no SQLite headers, no network) needs for
# the video commands, the probe, customize and the dataset benchmarks (bench probe|customize
# --dataset, --shard, --devices): Debian's FFmpeg source package (the version this machine's
# FFmpeg is) into .gpu/src, and the zlib and SQLite development packages into .gpu/debs-video.
# .gpu/ is git-ignored: name it in the device call's `carry`. build-engine.sh unpacks the packages
# and builds a small FFmpeg from the source (tools/gpu/build-ffmpeg.sh) before the engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu/src .gpu/debs-video
apt=/tmp/motionprobe-apt-src
mkdir -p "$apt/parts" "$apt/lists/partial"
cat > "$apt/parts/debian-src.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
o=(-oDir::Etc::SourceList=/dev/null -oDir::Etc::SourceParts="$apt/parts" -oDir::State::Lists="$apt/lists")
apt-get "${o[@]}" update > /dev/null
# This machine's FFmpeg version when its development package is installed, else the newest.
version=$(dpkg-query -W -f='${source:Version}' libavcodec-dev 2>/dev/null || true)
(cd "$apt" && apt-get "${o[@]}" source --download-only "ffmpeg${version:+=$version}" 2>&1 |
    grep -v '^W: Download is performed unsandboxed' || true)
rm -f .gpu/src/ffmpeg_*.orig.tar.*
cp "$apt"/ffmpeg_*.orig.tar.xz .gpu/src/
(cd .gpu/debs-video && apt-get download zlib1g-dev libsqlite3-dev libsqlite3-0 2>&1 |
    grep -v '^W: Download is performed unsandboxed' || true)
du -sh .gpu/src .gpu/debs-video | sed 's/^/staged: /'
