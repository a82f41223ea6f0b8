#!/usr/bin/env python3
"""The probe at full ModelScope size on the GPU: the paper's procedure written naively with
diffusers, beside `motionprobe-cli bench --component probe`, in the same device run.

1. Builds (once, into --work/pipeline) a full-size ModelScope-architecture TextToVideoSDPipeline
   with random weights in bf16: the published UNet3DConditionModel config (the class defaults),
   the SD VAE, and a CLIPTextModel of the published width (1024, 23 layers) on the toy world's
   tokenizer (the published one cannot be downloaded there; the text encoder's cost is a rounding
   error next to 2,400 UNet evaluations).
2. Times the naive probe with diffusers (bf16, CUDA): DDIMInverseScheduler inversion with the
   caption, then one full guided resampling per (τ_start, τ_end) pair with the prompt switched
   per step; and our CLI's `bench --component probe` (its planned probe) on the same folder,
   alternating the two (A B A B …, each warmed up), as ../shared/bench/README.md asks.
Prints one JSON line per round and a summary with medians, spreads, evaluations and ratios.

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/bench/probe_naive.py \\
        --cli build/engine-gpu/bin/motionprobe-cli --work /tmp/probe-bench --rounds 3
"""

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import time

import torch
import diffusers
import transformers
from diffusers import (AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline,
                       UNet3DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

# The naive procedure and the prompts are the reference golden's, not a second copy.
_spec = importlib.util.spec_from_file_location(
    "golden_probe", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden",
                                 "probe.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
CAPTION, EDIT = golden.CAPTION, golden.EDIT
SD_VAE = dict(in_channels=3, out_channels=3, latent_channels=4,
              down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
              block_out_channels=(128, 256, 512, 512), layers_per_block=2, norm_num_groups=32,
              sample_size=256, scaling_factor=0.18215)
SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                 clip_sample=False, set_alpha_to_one=False, steps_offset=1)


def redraw(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))


def build(folder, tokenizer_dir):
    if os.path.exists(os.path.join(folder, "model_index.json")):
        return
    # Drawn on the GPU: 1.8 billion random weights took minutes on the CPU.
    with torch.device("cuda"):
        unet = UNet3DConditionModel(sample_size=32)  # the published config's; the class has none
        redraw(unet, 1)
        vae = AutoencoderKL(**SD_VAE)
        redraw(vae, 2)
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir)
    with torch.device("cuda"):
        text = CLIPTextModel(CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=1024,
                                            intermediate_size=4096, num_hidden_layers=23,
                                            num_attention_heads=16, max_position_embeddings=77,
                                            hidden_act="gelu", projection_dim=1024,
                                            bos_token_id=tokenizer.bos_token_id,
                                            eos_token_id=tokenizer.eos_token_id,
                                            pad_token_id=tokenizer.pad_token_id))
        redraw(text, 3)
    pipe = TextToVideoSDPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet,
                                 scheduler=DDIMScheduler(**SCHEDULER))
    pipe.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)


def pairs(interval):
    taus = range(0, 1001, interval)
    return [(s, e) for s in sorted(taus, reverse=True) for e in sorted(taus, reverse=True) if s > e]


def naive_probe(pipe, x0, steps, interval, guidance):
    """The reference golden's procedure (tools/golden/probe.py), every pair of the grid."""
    with torch.no_grad():
        cond, uncond = pipe.encode_prompt(CAPTION, "cuda", 1, True, None)
        edit, _ = pipe.encode_prompt(EDIT, "cuda", 1, True, None)
        noise = golden.invert(pipe, x0, cond, steps)
        evaluations = steps
        for start, end in pairs(interval):
            golden.resample(pipe, noise, cond, edit, uncond, start, end, steps, guidance)
            evaluations += steps
    torch.cuda.synchronize()
    return evaluations


def ours(args, folder):
    # The other process gets the memory this one's allocator holds in its cache.
    torch.cuda.empty_cache()
    out = subprocess.run([args.cli, "bench", "--component", "probe", "--model", folder,
                          "--steps", str(args.steps), "--interval", str(args.interval),
                          "--device", "cuda", "--dtype", "bf16", "--warmup", "0", "--reps", "1"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"motionprobe-cli bench failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", default="/tmp/probe-bench")
    ap.add_argument("--tokenizer", default="resources/models/toy/tokenizer")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--interval", type=int, default=100)
    ap.add_argument("--guidance", type=float, default=9.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prepare-only", action="store_true",
                    help="write the random pipeline folder and stop (while ours builds)")
    args = ap.parse_args()
    folder = os.path.join(args.work, "pipeline")
    os.makedirs(args.work, exist_ok=True)
    build(folder, args.tokenizer)
    if args.prepare_only:
        return
    pipe = TextToVideoSDPipeline.from_pretrained(folder, torch_dtype=torch.bfloat16).to("cuda")
    pipe.set_progress_bar_config(disable=True)
    x0 = torch.randn(1, 4, 16, 32, 32, generator=torch.Generator().manual_seed(0)).to(
        "cuda", torch.bfloat16)
    # Warm both sides.
    naive_probe(pipe, x0, 2, 500, args.guidance)
    ours(argparse.Namespace(**{**vars(args), "steps": 2, "interval": 500}), folder)
    theirs, mine = [], []
    for r in range(args.rounds):
        t = time.perf_counter()
        evaluations = naive_probe(pipe, x0, args.steps, args.interval, args.guidance)
        theirs.append((time.perf_counter() - t) * 1000)
        o = ours(args, folder)
        mine.append(o["planned_ms"])
        print(json.dumps({"round": r, "diffusers_naive_ms": theirs[-1], "ours_planned_ms": mine[-1],
                          "ours": o}), flush=True)
    print(json.dumps({
        "what": f"probe, ModelScope full size (random weights, bf16), 16x256x256, {args.steps} "
                f"steps, interval {args.interval}, guidance {args.guidance}",
        "gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
        "diffusers": diffusers.__version__, "transformers": transformers.__version__,
        "diffusers_naive_ms": statistics.median(theirs),
        "diffusers_naive_ms_range": [min(theirs), max(theirs)],
        "diffusers_evaluations": evaluations,
        "ours_planned_ms": statistics.median(mine), "ours_planned_ms_range": [min(mine), max(mine)],
        "ours_evaluations": o["evaluations"],
        "ours_over_diffusers_median": statistics.median(mine) / statistics.median(theirs),
        "ours_over_diffusers_best": statistics.median(mine) / min(theirs),
        "ours_startup_included": "no (bench times the probe in-process after loading)",
    }), flush=True)


if __name__ == "__main__":
    main()
