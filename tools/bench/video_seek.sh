#!/usr/bin/env bash
# Seeking benchmark (issue 21). Makes a 10-minute 1280x720 30 fps H.264 file with our own libav
# writer (video/synthetic.h: x264 veryfast, crf 23, 250-frame keyframe interval, B-frames; about
# 6 minutes on 2 cores, kept for later runs), then times, with the given CLI:
#   video-info FILE
#   video-info FILE --count-frames          (skipped for CLIs without the option)
#   video-to-tensor --video FILE --frames 16 --select uniform --out T.safetensors
# and the engine calls in-process (bench_video_seek time: probe, uniform 16, 16 thumbnails).
#
# Usage: tools/bench/video_seek.sh [BUILD_DIR] [CLI]
#   BUILD_DIR holds bin/bench_video_seek (default build/dev); CLI defaults to
#   BUILD_DIR/bin/motionprobe-cli; pass an older CLI to time "before".
#   VIDEO_SEEK_FILE overrides the file (default /tmp/motionprobe-bench/long720.mp4).
set -euo pipefail
build=${1:-build/dev}
cli=${2:-$build/bin/motionprobe-cli}
file=${VIDEO_SEEK_FILE:-/tmp/motionprobe-bench/long720.mp4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$(dirname "$file")"
[ -f "$file" ] || "$build/bin/bench_video_seek" make "$file" 600 1280x720 30

seconds() {  # wall time of a command, its output discarded
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}

echo "file: $file ($(du -h "$file" | cut -f1)); cli: $cli; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "video-info:                 $(seconds "$cli" video-info "$file") s"
if "$cli" video-info -h 2>/dev/null | grep -q -- --count-frames; then
    echo "video-info --count-frames:  $(seconds "$cli" video-info "$file" --count-frames) s"
fi
echo "video-to-tensor uniform 16: $(seconds "$cli" video-to-tensor --video "$file" --frames 16 \
    --select uniform --out "$out/t.safetensors") s"
if [ -x "$build/bin/bench_video_seek" ]; then
    "$build/bin/bench_video_seek" time "$file" 16
fi
