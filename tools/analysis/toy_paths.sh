#!/usr/bin/env bash
# Does the toy video model follow the caption's path, and its direction? (docs/toy-world.md,
# "Why the path did not follow the caption".) For each of the world's 11 paths, samples
# "a red square <path> on a white background" at seeds 1-3 and prints the path the oracle reads.
# With STEPS=1 the sample is the model's x̂0 from pure noise: it also prints the subject's
# per-frame x, which must run opposite ways for opposite captions if the model knows the sign.
#
#   [STEPS=50] tools/analysis/toy_paths.sh [MODEL] [CLI]
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-resources/models/toy/t2v}
CLI=${2:-build/dev/bin/motionprobe-cli}
STEPS=${STEPS:-50}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PATHS=("moves from left to right" "moves from right to left" "moves up" "moves down"
    "moves diagonally up to the right" "moves diagonally down to the right" "moves in a circle"
    "bounces up and down" "zigzags from left to right" "grows" "shrinks")
for path in "${PATHS[@]}"; do
    for seed in 1 2 3; do
        "$CLI" generate --model "$MODEL" --prompt "a red square $path on a white background" \
            --seed "$seed" --steps "$STEPS" --out "$WORK/clip.mp4" --quiet >/dev/null
        "$CLI" toy-oracle --video "$WORK/clip.mp4" --json | python3 -c '
import json, sys
subjects = json.load(sys.stdin)["subjects"]
read = subjects[0]["path"] if subjects else "none"
xs = [round(p[0]) for p in subjects[0]["track"] if p] if subjects and sys.argv[3] == "1" else ""
print(f"{sys.argv[1]} | seed {sys.argv[2]} | {read} {xs}")' "$path" "$seed" "$STEPS"
    done
done
