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
again (the table is made from what is there), so an interrupted sweep continues.
"""

import argparse
import csv
import json
import os
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


def mean(values):
    known = [v for v in values if v is not None]
    return f"{statistics.mean(known):.2f}" if known else "–"


def table(outs):
    samples, settings = {}, None
    for out in outs:
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
        settings = settings or report["training"]
        for s in report["samples"]:
            samples.setdefault(s["variant"], []).append(s)
    lines = ["| variant | samples | same path | motion sim. | flow sim. | CLIP text | colour "
             "follows | shape follows | background follows | colour leak | shape leak | "
             "background leak |", "|" + "---|" * 12]
    for variant, ss in samples.items():
        o = [s.get("oracle", {}) for s in ss]
        leak = [x.get("leak", {}) for x in o]
        lines.append("| " + " | ".join([
            variant, str(len(ss)), fraction([x.get("same_path") for x in o]),
            mean([x.get("motion_similarity") for x in o]),
            mean([s.get("flow_similarity") for s in ss]), mean([s.get("clip_text") for s in ss]),
            fraction([x.get("colour") for x in o]), fraction([x.get("shape") for x in o]),
            fraction([x.get("background") for x in o]), fraction([x.get("colour") for x in leak]),
            fraction([x.get("shape") for x in leak]), fraction([x.get("background") for x in leak]),
        ]) + " |")
    return settings, "\n".join(lines)


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
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    data = rows(args.dataset)
    outs = []
    for i in args.examples:
        out = os.path.join(args.out, data[i][0])
        run(args.cli, args.dataset, data[i], out, extra)
        outs.append(out)
    settings, text = table(outs)
    print(json.dumps(settings))
    print(text)


if __name__ == "__main__":
    main()
