#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer + ASan + UBSan, torch-free) and runs each fuzz target
# for a fixed time, one after the other, from a fresh copy of its seed corpus.
#
#   tools/fuzz/run-fuzzers.sh [-t SECONDS] [--keep] [--no-build] [TARGET...]
#
#   TARGET      safetensors, config, snapshot (default: all three, in that order)
#   -t SECONDS  fuzzing time per target (default 120)
#   --keep      go on from the working corpus of the last run instead of a fresh seed copy
#   --no-build  use the binaries already in build/fuzz/bin
#
# Nothing is written under tests/data. Layout under build/fuzz/:
#   corpus/<target>/   working corpus (seeds + what the run added)
#   crashes/<target>/  crash-*, leak-*, timeout-*, oom-* inputs; *.min next to each is minimized
#   logs/<target>/     fuzz-0.log (libFuzzer's output for -jobs=1), replay-*.log
#   logs/summary.txt   one line per target and run
# Exit status: 0 when no target produced a new crash artifact, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$ROOT/build/fuzz"
SEEDS="$ROOT/tests/data/fuzz"

time_per=120
keep=0
build=1
targets=()
while (($#)); do
    case "$1" in
        -t|--time) time_per="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        safetensors|config|snapshot) targets+=("$1"); shift ;;
        *) echo "run-fuzzers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
((${#targets[@]})) || targets=(safetensors config snapshot)

# Inputs above these sizes are not generated (the seeds fit; bigger inputs only slow a run down).
max_len_for() {
    case "$1" in
        safetensors) echo 16384 ;;
        config) echo 16384 ;;
        snapshot) echo 16384 ;;
    esac
}

if ((build)); then
    (cd "$ROOT" && cmake --preset fuzz >/dev/null && cmake --build --preset fuzz --target fuzzers)
fi

status=0
mkdir -p "$BUILD/logs"
for t in "${targets[@]}"; do
    bin="$BUILD/bin/fuzz_$t"
    work="$BUILD/corpus/$t"
    crashes="$BUILD/crashes/$t"
    logs="$BUILD/logs/$t"
    [[ -x "$bin" ]] || { echo "run-fuzzers.sh: $bin is missing (build the fuzz preset)" >&2; exit 1; }
    mkdir -p "$crashes" "$logs"
    rm -f "$logs"/fuzz-*.log "$logs"/replay-*.log

    # Unfixed findings (bad-found-*) first: each one is run once and reported, never fuzzed from
    # (a crasher in the working corpus would stop the run at once).
    shopt -s nullglob
    for f in "$SEEDS/$t"/bad-found-*; do
        if "$bin" -runs=1 "$f" >"$logs/replay-$(basename "$f").log" 2>&1; then
            echo "[$t] $(basename "$f"): does not crash the harness (fixed, or a wording defect; see docs/fuzzing.md)"
        else
            echo "[$t] $(basename "$f"): still crashes (unfixed finding; log in $logs)"
        fi
    done

    if ((keep == 0)); then
        rm -rf "$work"
    fi
    mkdir -p "$work"
    for f in "$SEEDS/$t"/*; do
        [[ "$(basename "$f")" == bad-found-* ]] || cp -p "$f" "$work/"
    done
    shopt -u nullglob

    marker="$(mktemp)"
    echo "[$t] fuzzing for ${time_per}s from $(ls "$work" | wc -l) inputs"
    started=$(date +%s)
    # -jobs=1: one fuzzing job in a child process whose output goes to $logs/fuzz-0.log.
    (cd "$logs" && "$bin" "$work" \
        -jobs=1 -workers=1 \
        -max_total_time="$time_per" -max_len="$(max_len_for "$t")" \
        -timeout=10 -rss_limit_mb=2048 \
        -dict="$ROOT/tests/fuzz/$t.dict" \
        -artifact_prefix="$crashes/" \
        -print_final_stats=1 >/dev/null 2>&1) || true
    elapsed=$(( $(date +%s) - started ))
    log="$logs/fuzz-0.log"

    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([^ ]+).*/\1/p' <<<"$last")
    execs=$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]*([0-9]+)/\1/p' "$log" | tail -n 1)
    eps=$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]*([0-9]+)/\1/p' "$log" | tail -n 1)
    rss=$(sed -nE 's/^stat::peak_rss_mb:[[:space:]]*([0-9]+)/\1/p' "$log" | tail -n 1)
    found=$(find "$crashes" -maxdepth 1 -type f -newer "$marker" ! -name '*.min' | sort || true)
    rm -f "$marker"

    line="$(date -u +%FT%TZ) $t: ${elapsed}s execs=${execs:-?} exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?} corp=${corp:-?} peak_rss_mb=${rss:-?} crashes=$(grep -c . <<<"$found" || true)"
    echo "$line" | tee -a "$BUILD/logs/summary.txt"

    for f in $found; do
        status=1
        echo "[$t] CRASH: $f"
        grep -E 'ERROR: |SUMMARY: |what\(\): ' "$log" | head -n 5 | sed 's/^/    /'
        # Minimize (bounded); the smallest reproducer lands next to the artifact as *.min.
        (cd "$logs" && "$bin" -minimize_crash=1 -max_total_time=60 -runs=100000 \
            -exact_artifact_path="$f.min" "$f" >"$logs/minimize-$(basename "$f").log" 2>&1) || true
        [[ -f "$f.min" ]] && echo "    minimized: $f.min ($(stat -c %s "$f.min") bytes)"
        echo "    reproduce: $bin $f"
    done
done
exit $status
