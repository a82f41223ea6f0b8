#!/usr/bin/env python3
"""The toy evidence for one-shot motion customization (docs/customization-findings.md).

For each chosen example of the shipped toy TGVE set, runs `motionprobe-cli customize` on its
video and caption with the example's object edit and background edit as prompts (the τ-LoRA, the
unconstrained one, and the base model; --samples seeds each), then reads every report.json and
prints a markdown table per variant: the oracle's motion verdicts against the reference (same
path, motion similarity), the paper's metrics (flow similarity to the reference, CLIP text
alignment with the prompt), how often the prompt's appearance shows, and how often the
reference's appearance leaks in its place.

    python3 tools/analysis/customize_evidence.py --cli build/dev/bin/motionprobe-cli \\
        --out /tmp/evidence --examples 0 1 2 3 4 7 8 9 -- --tau 700 --steps 400 --samples 2

Arguments after `--` go to every customize run. An example whose output folder exists is not run
again (the table is made from what is there), so an interrupted sweep continues; `--report-only`
makes the tables from the finished examples without running any. Samples whose report has no
temporal consistency (customize before it recorded one) get it from their MP4 through `score`.

Besides the table per variant, it prints paired comparisons (each LoRA against the base model,
and the τ-LoRA against the unconstrained one, on the same example, prompt and seed): the mean
difference of the oracle's motion similarity, the flow similarity and "same path", with a 95%
bootstrap interval and an exact sign test, and a per-example breakdown.
"""

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys

DATASET = "resources/examples/toy-tgve"
OBJECT, BACKGROUND = 3, 4  # the CSV's edit columns


def rows(dataset):
    with open(os.path.join(dataset, "LOVEU-TGVE-2023_Dataset.csv"), newline="") as f:
        return [r for r in csv.reader(f) if r and r[0] and os.path.isdir(
            os.path.join(dataset, "480p_frames", r[0]))]


def run(cli, dataset, row, out, extra):
    if os.path.isdir(out):
        return
    cmd = [cli, "customize", "--video", os.path.join(dataset, "480p_frames", row[0]),
           "--caption", row[1], "--prompt", row[OBJECT], "--prompt", row[BACKGROUND],
           "--out", out, "--progress", "never"] + extra
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"customize failed on {row[0]} ({done.returncode}):\n{done.stderr}")
    print(done.stdout.strip(), flush=True)


def fraction(values):
    known = [v for v in values if v is not None]
    return f"{sum(1 for v in known if v)}/{len(known)}" if known else "–"


def mean(values, digits=2):
    known = [v for v in values if v is not None]
    return f"{statistics.mean(known):.{digits}f}" if known else "–"


def wilson(k, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half, centre + half)


def sign_test(wins, losses):
    """Two-sided exact binomial p-value of wins against losses (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def pvalue(p):
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def bootstrap_mean(values, rounds=10000, seed=0):
    """The mean and its 95% percentile-bootstrap interval (fixed seed: the same table each run)."""
    rng = random.Random(seed)
    means = sorted(statistics.mean(rng.choices(values, k=len(values))) for _ in range(rounds))
    return statistics.mean(values), means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def consistency_from_videos(cli, out, report):
    """Temporal consistency of each sample that its report lacks (reports written before
    customize recorded it), from the sample's MP4 with `score`; kept in consistency.json."""
    cache_file = os.path.join(out, "consistency.json")
    cache = {}
    if os.path.isfile(cache_file):
        with open(cache_file) as f:
            cache = json.load(f)
    scorer = report.get("scorer", {}).get("folder")
    missing = [s for s in report["samples"]
               if "temporal_consistency" not in s and s["video"] not in cache]
    if missing and scorer:
        for s in missing:
            done = subprocess.run([cli, "score", "--video", os.path.join(out, s["video"]),
                                   "--prompt", s["prompt"], "--scorer", scorer, "--select", "all",
                                   "--json", "--progress", "never"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"score failed on {s['video']} ({done.returncode}):\n{done.stderr}")
            scores = json.loads(done.stdout)["scores"]
            cache[s["video"]] = next(x["value"] for x in scores
                                     if x["metric"] == "temporal_consistency")
        with open(cache_file, "w") as f:
            json.dump(cache, f, indent=1)
    return cache


def load(outs, cli=None):
    """{variant: [sample]} over every output folder, each sample tagged with its example."""
    samples, settings = {}, None
    for out in outs:
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
        settings = settings or report["training"]
        filled = consistency_from_videos(cli, out, report) if cli else {}
        for s in report["samples"]:
            s = dict(s, example=os.path.basename(out), reference=report["caption"])
            if "temporal_consistency" not in s and s["video"] in filled:
                s["temporal_consistency"] = filled[s["video"]]
            samples.setdefault(s["variant"], []).append(s)
    return settings, samples


def paired(samples, metric):
    """Each LoRA variant against the base model (and τ against unconstrained) on the same
    example, prompt and seed: the mean difference of `metric` with its bootstrap interval, and
    how many pairs it raises and lowers (exact sign test)."""
    def key(s):
        return (s["example"], s["prompt"], s["seed"])

    by = {v: {key(s): metric(s) for s in ss} for v, ss in samples.items()}
    variants = [v for v in samples if v != "base"]
    pairs = [(v, "base") for v in variants]
    tau = [v for v in variants if v.startswith("tau")]
    if tau and "unconstrained" in by:
        pairs.append((tau[0], "unconstrained"))
    lines = ["| comparison | pairs | mean difference (95% bootstrap) | higher | lower | sign test p |",
             "|---|---|---|---|---|---|"]
    for a, b in pairs:
        common = [k for k in by[a] if k in by.get(b, {})
                  and by[a][k] is not None and by[b][k] is not None]
        diffs = [by[a][k] - by[b][k] for k in common]
        if not diffs:
            continue
        mean, lo, hi = bootstrap_mean(diffs)
        wins = sum(1 for d in diffs if d > 1e-9)
        losses = sum(1 for d in diffs if d < -1e-9)
        lines.append(f"| {a} − {b} | {len(diffs)} | {mean:+.3f} ({lo:+.3f} to {hi:+.3f}) | "
                     f"{wins} | {losses} | {pvalue(sign_test(wins, losses))} |")
    return "\n".join(lines)


def per_example(samples):
    """Same path and mean motion similarity per example and variant."""
    variants = list(samples)
    examples = []
    for s in samples[variants[0]]:
        if s["example"] not in examples:
            examples.append(s["example"])
    head = "| example | reference caption | " + " | ".join(
        f"{v}: same path, motion sim." for v in variants) + " |"
    lines = [head, "|" + "---|" * (2 + len(variants))]
    for e in examples:
        cells = []
        caption = next(s["reference"] for s in samples[variants[0]] if s["example"] == e)
        for v in variants:
            o = [s.get("oracle", {}) for s in samples[v] if s["example"] == e]
            cells.append(f"{fraction([x.get('same_path') for x in o])}, "
                         f"{mean([x.get('motion_similarity') for x in o])}")
        lines.append(f"| {e} | {caption} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(samples):
    lines = ["| variant | samples | same path | motion sim. | flow sim. | CLIP text | temporal "
             "consistency | colour follows | shape follows | background follows | colour leak | "
             "shape leak | background leak |", "|" + "---|" * 13]
    for variant, ss in samples.items():
        o = [s.get("oracle", {}) for s in ss]
        leak = [x.get("leak", {}) for x in o]
        lines.append("| " + " | ".join([
            variant, str(len(ss)), fraction([x.get("same_path") for x in o]),
            mean([x.get("motion_similarity") for x in o]),
            mean([s.get("flow_similarity") for s in ss]), mean([s.get("clip_text") for s in ss]),
            mean([s.get("temporal_consistency") for s in ss], 3),
            fraction([x.get("colour") for x in o]), fraction([x.get("shape") for x in o]),
            fraction([x.get("background") for x in o]), fraction([x.get("colour") for x in leak]),
            fraction([x.get("shape") for x in leak]), fraction([x.get("background") for x in leak]),
        ]) + " |")
    lines.append("")
    for variant, ss in samples.items():
        known = [s.get("oracle", {}).get("same_path") for s in ss]
        known = [v for v in known if v is not None]
        lo, hi = wilson(sum(known), len(known))
        lines.append(f"- {variant}: same path 95% Wilson interval {lo:.2f}–{hi:.2f}")
    return "\n".join(lines)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dataset", default=DATASET)
    ap.add_argument("--examples", type=int, nargs="+", default=[0, 1, 2, 3, 4, 7, 8, 9])
    ap.add_argument("--report-only", action="store_true",
                    help="make the tables from the examples already run; run none")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    data = rows(args.dataset)
    outs = []
    for i in args.examples:
        out = os.path.join(args.out, data[i][0])
        if args.report_only:
            if os.path.isfile(os.path.join(out, "report.json")):
                outs.append(out)
            continue
        run(args.cli, args.dataset, data[i], out, extra)
        outs.append(out)
    if not outs:
        sys.exit(f"no finished example under {args.out}")
    settings, samples = load(outs, args.cli)
    print(json.dumps(settings))
    print(table(samples))
    print("\nMotion similarity (oracle), paired on example, prompt and seed:\n")
    print(paired(samples, lambda s: s.get("oracle", {}).get("motion_similarity")))
    print("\nFlow similarity (the paper's motion metric), paired:\n")
    print(paired(samples, lambda s: s.get("flow_similarity")))
    print("\nSame path (1 or 0), paired:\n")
    print(paired(samples, lambda s: None if s.get("oracle", {}).get("same_path") is None
                 else float(s["oracle"]["same_path"])))
    print("\nPer example:\n")
    print(per_example(samples))


if __name__ == "__main__":
    main()
