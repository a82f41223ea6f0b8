#!/usr/bin/env python3
"""Golden ids for the toy world's tokenizer (resources/models/toy/tokenizer), produced by
transformers' CLIPTokenizer and CLIPTokenizerFast loading the folder as it ships, and by the
tokenizers library reading its tokenizer.json alone: proof that the folder is a real CLIP
tokenizer. Captions: every caption and edit caption of
resources/examples/toy-tgve plus a few texts from outside the world.
tests/engine/tst_toy_world.cpp (transformersAgree) compares our ids with these.

    python3 tools/golden/toy_tokenizer.py --out tests/data/golden/toy_tokenizer
"""

import argparse
import csv
import json
import os

import tokenizers
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
    texts += ["a cat jumps over the moon", "Ünïcode & 42 stars!", "", "A  RED   circle, up.",
              "a red circle " * 30]  # the last is cut to 77 tokens

    slow = CLIPTokenizer.from_pretrained(args.tokenizer)
    fast = CLIPTokenizerFast.from_pretrained(args.tokenizer)
    alone = tokenizers.Tokenizer.from_file(os.path.join(args.tokenizer, "tokenizer.json"))
    eos = alone.token_to_id("<|endoftext|>")
    alone.enable_truncation(max_length=77)
    alone.enable_padding(length=77, pad_id=eos, pad_token="<|endoftext|>")
    cases = []
    for t in texts:
        ids_slow = slow(t, padding="max_length", max_length=77, truncation=True)["input_ids"]
        ids_fast = fast(t, padding="max_length", max_length=77, truncation=True)["input_ids"]
        ids_json = alone.encode(t).ids
        cases.append({"text": t, "ids": ids_slow, "fast_ids": ids_fast, "json_ids": ids_json})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                   "cases": cases}, f, indent=1)
    same = sum(c["ids"] == c["fast_ids"] == c["json_ids"] for c in cases)
    print(f"{len(cases)} texts; slow, fast and tokenizer.json alone agree on {same}")


if __name__ == "__main__":
    main()
