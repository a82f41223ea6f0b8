#!/usr/bin/env python3
"""Golden ids for the toy world's tokenizer (resources/models/toy/tokenizer), produced by
transformers' CLIPTokenizer and CLIPTokenizerFast loading the folder as it ships: proof that the
folder is a real CLIP tokenizer. Captions: every caption and edit caption of
resources/examples/toy-tgve plus a few texts from outside the world.
tests/engine/tst_toy_world.cpp (transformersAgree) compares our ids with these.

    python3 tools/golden/toy_tokenizer.py --out tests/data/golden/toy_tokenizer
"""

import argparse
import csv
import json
import os

import transformers
from transformers import CLIPTokenizer, CLIPTokenizerFast


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default="resources/models/toy/tokenizer")
    ap.add_argument("--examples", default="resources/examples/toy-tgve/LOVEU-TGVE-2023_Dataset.csv")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    texts = []
    with open(args.examples, newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[2:]:  # the header and the group row
        texts.extend(row[1:])
    texts += ["a cat jumps over the moon", "Ünïcode & 42 stars!", "", "A  RED   circle, up."]

    slow = CLIPTokenizer.from_pretrained(args.tokenizer)
    fast = CLIPTokenizerFast.from_pretrained(args.tokenizer)
    cases = []
    for t in texts:
        ids_slow = slow(t, padding="max_length", max_length=77, truncation=True)["input_ids"]
        ids_fast = fast(t, padding="max_length", max_length=77, truncation=True)["input_ids"]
        cases.append({"text": t, "ids": ids_slow, "fast_ids": ids_fast})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "cases": cases}, f, indent=1)
    same = sum(c["ids"] == c["fast_ids"] for c in cases)
    print(f"{len(cases)} texts; slow and fast agree on {same}")


if __name__ == "__main__":
    main()
