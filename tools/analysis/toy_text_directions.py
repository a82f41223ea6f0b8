#!/usr/bin/env python3
"""How far apart does a toy pipeline's text encoder put captions of opposite paths?

docs/toy-world.md, "Why the path did not follow the caption". Encodes "a red square <path> on a
white background" for opposite paths (and two unrelated pairs for scale) with
`motionprobe-cli run-component --component text-encoder`, and prints for each pair the cosine and
relative difference of the pooled (EOS) states, of the caption's token states together, and of the
one token where the two differ most. Pure Python (no numpy, no transformers): the toy vocabulary
has a token for every word of these captions, so tokenizing is a lookup.

    tools/analysis/toy_text_directions.py [MODEL] [CLI]
"""
import json
import math
import os
import subprocess
import sys
import tempfile

from tensor_files import caption_ids, read_safetensors, write_safetensors

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "resources/models/toy/t2v")
CLI = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build/dev/bin/motionprobe-cli")
LENGTH = 77  # the pipeline's padded caption length
PATHS = ["moves from left to right", "moves from right to left", "moves up", "moves down",
         "grows", "shrinks", "moves diagonally up to the right",
         "moves diagonally down to the right"]
PAIRS = [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (0, 6)]  # four opposite, two unrelated


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) *
                                                        sum(y * y for y in b))


def relative(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)) / sum(x * x for x in a))


def main():
    vocab = json.load(open(os.path.join(MODEL, "tokenizer", "vocab.json")))
    captions = [f"a red square {p} on a white background" for p in PATHS]
    ids = [i for caption in captions for i in caption_ids(vocab, caption, LENGTH)]
    with tempfile.TemporaryDirectory() as work:
        inputs, outputs = os.path.join(work, "in.safetensors"), os.path.join(work, "out.safetensors")
        write_safetensors(inputs, {"input_ids": ("I64", [len(captions), LENGTH], ids)})
        subprocess.run([CLI, "run-component", "--model", MODEL, "--component", "text-encoder",
                        "--inputs", inputs, "--out", outputs, "--device", "cpu"],
                       check=True, capture_output=True)
        result = read_safetensors(outputs)
    (_, _, width), states = result["last_hidden_state"]
    (_, pooled_width), pooled = result["pooler_output"]

    def token(i, t):
        return states[(i * LENGTH + t) * width:(i * LENGTH + t + 1) * width]

    print(f"{MODEL}: 'a red square <path> on a white background'")
    for i, j in PAIRS:
        n = min(len(captions[i].split()), len(captions[j].split())) + 2
        pi = pooled[i * pooled_width:(i + 1) * pooled_width]
        pj = pooled[j * pooled_width:(j + 1) * pooled_width]
        both_i = states[i * LENGTH * width:(i * LENGTH + n) * width]
        both_j = states[j * LENGTH * width:(j * LENGTH + n) * width]
        worst = max(range(n), key=lambda t: relative(token(i, t), token(j, t)))
        print(f"  {PATHS[i]!r:36} vs {PATHS[j]!r:38} pooled: cos {cosine(pi, pj):.4f}, "
              f"rel {relative(pi, pj):.3f}; tokens: rel {relative(both_i, both_j):.3f}; "
              f"most different token ({worst}): rel {relative(token(i, worst), token(j, worst)):.3f}")


if __name__ == "__main__":
    main()
