#!/usr/bin/env bash
# On the GPU machine: train the toy world's models with the engine (docs/toy-world.md).
#
#   tools/gpu/train-toy.sh WORK STAGE...
#
# STAGE is one of
#   probe      steps/s of each recipe (a few dozen steps each, nothing kept)
#   clip+vae   the toy CLIP and the toy VAE, side by side on the one GPU
#   t2v        the toy text-to-video pipeline on WORK/clip and WORK/vae; with PLAN_S set, the
#              first call times 150 steps and fixes the step count to what PLAN_S seconds of
#              training hold (kept in WORK/t2v.steps, so the calls that resume agree); not fewer
#              steps: filling the clip pool and warming CUDA up take the first seconds, and a
#              40-step probe planned 2,800 steps where 4,800 fitted
# Each recipe checkpoints into WORK/checkpoints/<component> and resumes from there, so a stage
# cut short (BUDGET_S seconds, then SIGTERM: the trainer saves and stops) continues on the next
# call. Logs and the JSON reports go to WORK/*.log and WORK/*.json. Settings are the recipes'
# defaults (motionprobe-cli train-toy --help) unless the *_ARGS variables add to them.
set -uo pipefail
cd "$(dirname "$0")/../.."
WORK=${1:?work folder}
shift
CLI=build/engine-gpu/app/motionprobe-cli
[ -x "$CLI" ] || CLI=$(find build/engine-gpu -name motionprobe-cli -type f | head -1)
BUDGET_S=${BUDGET_S:-400}
mkdir -p "$WORK/checkpoints"

train() {  # component, then extra arguments
    local c=$1
    shift
    # --foreground: the SIGTERM goes to the trainer alone, which saves a checkpoint and stops.
    timeout --foreground -s TERM "$BUDGET_S" "$CLI" train-toy --component "$c" --out "$WORK/$c" \
        --checkpoints "$WORK/checkpoints/$c" --checkpoint-every 1000 --progress always \
        --device cuda "$@" >"$WORK/$c.json" 2>"$WORK/$c.log"
    echo "$c: exit $? $(cat "$WORK/$c.json")"
}

for stage in "$@"; do
    case $stage in
    probe)
        P=$(mktemp -d)
        "$CLI" train-toy --component clip --out "$P/clip" --steps 1 --batch 2 --device cuda >/dev/null
        "$CLI" train-toy --component vae --out "$P/vae" --steps 1 --batch 2 --device cuda >/dev/null
        for c in clip vae; do
            "$CLI" train-toy --component $c --out "$P/$c-probe" --steps 60 --warmup 1 \
                --device cuda --progress never
        done
        "$CLI" train-toy --component t2v --clip "$P/clip" --vae "$P/vae" --out "$P/t2v" \
            --steps 60 --warmup 1 --device cuda --progress never
        rm -rf "$P"
        ;;
    clip+vae)
        # shellcheck disable=SC2086
        train clip ${CLIP_ARGS:-} &
        # shellcheck disable=SC2086
        train vae ${VAE_ARGS:-} &
        wait
        ;;
    t2v)
        if [ -n "${PLAN_S:-}" ] && [ ! -f "$WORK/t2v.steps" ]; then
            P=$(mktemp -d)
            # shellcheck disable=SC2086
            "$CLI" train-toy --component t2v --clip "$WORK/clip" --vae "$WORK/vae" --out "$P/t2v" \
                --steps 150 --warmup 1 --device cuda --progress never ${T2V_ARGS:-} >"$P/probe.json"
            rm -rf "$P/t2v"
            python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["training"]
print(int(j["steps"] / j["seconds"] * float(sys.argv[2])) // 100 * 100)' \
                "$P/probe.json" "$PLAN_S" >"$WORK/t2v.steps"
            echo "t2v probe: $(cat "$P/probe.json") -> $(cat "$WORK/t2v.steps") steps"
            rm -rf "$P"
        fi
        STEPS=()
        [ -f "$WORK/t2v.steps" ] && STEPS=(--steps "$(cat "$WORK/t2v.steps")")
        # shellcheck disable=SC2086
        train t2v --clip "$WORK/clip" --vae "$WORK/vae" "${STEPS[@]}" ${T2V_ARGS:-}
        ;;
    *)
        echo "unknown stage $stage" >&2
        exit 2
        ;;
    esac
done
