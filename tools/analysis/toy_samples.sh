#!/usr/bin/env bash
# The toy video model's sample grid in docs/toy-world.md: six prompts at generate's defaults
# (50 steps, guidance 9, seed 0), one row of 16 frames each, through our own generate and compose.
#
#   tools/analysis/toy_samples.sh [CLI] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=${1:-build/dev/bin/motionprobe-cli}
OUT=${2:-docs/images/toy-samples.png}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PROMPTS=("a blue square moves up on a black background"
    "a red circle moves from left to right on a white background"
    "a green star moves down on a gray background"
    "a yellow triangle moves in a circle on a checkered background"
    "a purple cross bounces on a beige background"
    "an orange diamond moves diagonally down to the right on a gradient background")
cells=()
for i in "${!PROMPTS[@]}"; do
    "$CLI" generate --prompt "${PROMPTS[$i]}" --seed 0 --out "$WORK/row$i/" --quiet >/dev/null
    for f in "$WORK/row$i"/*.png; do cells+=(--video "$f"); done
done
"$CLI" compose "${cells[@]}" --columns 16 --gap 2 --out "$WORK/grid/" >/dev/null
cp "$WORK/grid/00000.png" "$OUT"
echo "wrote $OUT"
