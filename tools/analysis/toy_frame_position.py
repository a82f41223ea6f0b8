#!/usr/bin/env python3
"""Does a toy video model know which frame is which? (docs/toy-world.md, "Why path does not follow")

diffusers' UNet3DConditionModel has no temporal position encoding: its temporal attention is blind
to frame order and only the temporal convolutions' zero padding mark the first and last frames.
This feeds the UNet one noise frame repeated 16 times (through `motionprobe-cli run-component`, so
no PyTorch is needed) and prints, per frame, how far its output strays from the mean over frames,
relative to the output's size: a model that places a subject by frame index must make the frames
differ. It also prints how far apart the text encoder puts two captions that differ only in the
path.

    tools/analysis/toy_frame_position.py [--model resources/models/toy/t2v] [--cli build/dev/bin/motionprobe-cli]
"""

import argparse
import json
import math
import os
import random
import subprocess
import tempfile

from tensor_files import caption_ids, read_safetensors, write_safetensors

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resources/models/toy/t2v")
    ap.add_argument("--cli", default="build/dev/bin/motionprobe-cli")
    ap.add_argument("--timesteps", default="950,500")
    args = ap.parse_args()
    vocab = json.load(open(os.path.join(args.model, "tokenizer", "vocab.json")))

    work = tempfile.mkdtemp()
    run = lambda component, inputs, out: subprocess.run(
        [args.cli, "run-component", "--model", args.model, "--component", component, "--inputs",
         inputs, "--out", out, "--device", "cpu"], check=True, capture_output=True)
    states = {}
    for key, text in [("left to right", "a red circle moves from left to right on a white background"),
                      ("right to left", "a red circle moves from right to left on a white background")]:
        write_safetensors(f"{work}/ids.st", {"input_ids": ("I64", [1, 77], caption_ids(vocab, text))})
        run("text-encoder", f"{work}/ids.st", f"{work}/text.st")
        states[key] = read_safetensors(f"{work}/text.st")["last_hidden_state"]
    a, b = states["left to right"][1], states["right to left"][1]
    report = {"model": args.model,
              "text_state_distance": math.dist(a, b),
              "text_state_norm": math.sqrt(sum(x * x for x in a))}

    rng = random.Random(1)
    frames, channels, size = 16, 4, 16
    frame = [rng.gauss(0, 1) for _ in range(channels * size * size)]
    plane = size * size
    sample = [frame[c * plane + i] for c in range(channels) for _ in range(frames) for i in range(plane)]
    shape, ehs = states["left to right"]
    for t in (int(x) for x in args.timesteps.split(",")):
        write_safetensors(f"{work}/in.st", {"sample": ("F32", [1, channels, frames, size, size], sample),
                                            "timestep": ("I64", [1], [t]),
                                            "encoder_hidden_states": ("F32", shape, list(ehs))})
        run("unet", f"{work}/in.st", f"{work}/out.st")
        out = read_safetensors(f"{work}/out.st")["sample"][1]
        at = lambda c, f, i: out[(c * frames + f) * plane + i]
        mean = [[sum(at(c, f, i) for f in range(frames)) / frames for i in range(plane)] for c in range(channels)]
        deviation = []
        for f in range(frames):
            d = sum((at(c, f, i) - mean[c][i]) ** 2 for c in range(channels) for i in range(plane))
            m = sum(at(c, f, i) ** 2 for c in range(channels) for i in range(plane))
            deviation.append(round(math.sqrt(d / m), 4))
        report[f"t{t}_frame_deviation"] = deviation
    print(json.dumps(report))


if __name__ == "__main__":
    main()
