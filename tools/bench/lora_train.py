#!/usr/bin/env python3
"""A customization training step at full ModelScope size on the GPU: diffusers + peft beside
`motionprobe-cli bench --component lora-train`, in the same device run.

Both sides train the same LoRA on the same random UNet3DConditionModel (the published config,
weights redrawn and saved once in bf16 into --work/unet): temporal attention V/O (our
`temporal-vo` preset; the same regular expression as peft's target_modules), rank 4, alpha 4;
batch 1, 16 frames of 32x32 latents (256x256 video), 77 context tokens. The base stays frozen in
bf16, the LoRA weights are float32 (diffusers' training scripts call cast_training_params), the
forward runs under bf16 autocast, the loss is the ε MSE in float32, then backward, gradient
clipping at 1 and AdamW (lr 1e-4, no weight decay). A step is timed from the start of one to the
start of the next, synchronised; the peak is torch's allocator peak over the timed steps.

Rounds alternate (ours, theirs, ours, …; each side warmed up every round), as
../shared/bench/README.md asks; prints one JSON line per round and a summary with medians and the
two ratios the issue asks for: step time (theirs / ours, > 1: ours faster) and peak memory
(ours / theirs).

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/bench/lora_train.py \\
        --cli build/engine-gpu/bin/motionprobe-cli --work /tmp/lora-bench --rounds 3
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import time

import diffusers
import peft
import torch
from diffusers import UNet3DConditionModel
from peft import LoraConfig, inject_adapter_in_model

# engine/adapters/lora.cpp, preset temporal-vo.
TEMPORAL_VO = (r"((.*\.)?temp_attentions\.\d+|transformer_in)\.transformer_blocks\.\d+"
               r"\.attn[12]\.(to_v|to_out\.0)")
SHAPE = (1, 4, 16, 32, 32)


def build(folder):
    if os.path.exists(os.path.join(folder, "config.json")):
        return
    model = UNet3DConditionModel(sample_size=32)  # the published config's
    torch.manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))
    model.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)


def reference_steps(unet, params, optimizer, warmup, reps):
    """diffusers + peft: warm-up steps, then `reps` timed steps; (median ms, peak GiB)."""
    g = torch.Generator(device="cuda").manual_seed(0)
    x0 = torch.randn(SHAPE, generator=g, device="cuda").to(torch.bfloat16)
    ctx = torch.randn(1, 77, unet.config.cross_attention_dim, generator=g, device="cuda").to(
        torch.bfloat16)
    each = []
    for step in range(warmup + reps + 1):
        torch.cuda.synchronize()
        now = time.perf_counter()
        if step > warmup:
            each.append((now - start) * 1000)
        if step == warmup:
            torch.cuda.reset_peak_memory_stats()
        if step == warmup + reps:
            break
        start = now
        t = torch.randint(0, 1000, (1,), generator=g, device="cuda")
        noise = torch.randn(SHAPE, generator=g, device="cuda")
        noisy = (x0.float() * 0.7 + noise * 0.7).to(torch.bfloat16)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            prediction = unet(noisy, t, encoder_hidden_states=ctx).sample
        loss = torch.nn.functional.mse_loss(prediction.float(), noise)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return statistics.median(each), torch.cuda.max_memory_allocated() / 2**30


def ours(args, folder):
    out = subprocess.run([args.cli, "bench", "--component", "lora-train", "--model", folder,
                          "--device", "cuda", "--dtype", "bf16", "--batch", "1", "--frames", "16",
                          "--height", "32", "--width", "32", "--rank", "4",
                          "--warmup", str(args.warmup), "--reps", str(args.reps)]
                         + (["--gradient-checkpointing"] if args.gradient_checkpointing else []),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"motionprobe-cli bench failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", default="/tmp/lora-bench")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=10)
    # Ours recomputes activations in the backward; theirs too where diffusers supports it.
    ap.add_argument("--gradient-checkpointing", action="store_true")
    args = ap.parse_args()
    folder = os.path.join(args.work, "unet")
    os.makedirs(args.work, exist_ok=True)
    build(folder)

    unet = UNet3DConditionModel.from_pretrained(folder, torch_dtype=torch.bfloat16).to("cuda")
    unet.requires_grad_(False)
    unet.train()
    # diffusers' UNet3DConditionModel refuses gradient checkpointing (it does not set
    # _supports_gradient_checkpointing), so theirs runs without it: what its users get.
    theirs_checkpointing = args.gradient_checkpointing and unet._supports_gradient_checkpointing
    if theirs_checkpointing:
        unet.enable_gradient_checkpointing()
    unet = inject_adapter_in_model(LoraConfig(r=4, lora_alpha=4, target_modules=TEMPORAL_VO), unet)
    params = [p for p in unet.parameters() if p.requires_grad]
    for p in params:  # diffusers' cast_training_params: trainable weights in float32
        p.data = p.data.float()
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    adapted = sum(1 for n, _ in unet.named_modules() if n.endswith(".lora_A"))

    theirs, theirs_peak, mine, mine_peak = [], [], [], []
    for r in range(args.rounds):
        o = ours(args, folder)
        mine.append(o["step_ms"])
        mine_peak.append(o["peak_GiB"])
        ms, peak = reference_steps(unet, params, optimizer, args.warmup, args.reps)
        theirs.append(ms)
        theirs_peak.append(peak)
        print(json.dumps({"round": r, "diffusers_peft_ms": ms, "diffusers_peft_peak_GiB": peak,
                          "ours": o}), flush=True)
    print(json.dumps({
        "what": "LoRA temporal-vo rank 4 training step, ModelScope full size (random weights, "
                "bf16 base, fp32 LoRA, bf16 autocast), batch 1, 16x256x256"
                + (", gradient checkpointing: ours on, diffusers "
                   + ("on" if theirs_checkpointing else "unsupported for UNet3D, so off")
                   if args.gradient_checkpointing else ""),
        "gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
        "diffusers": diffusers.__version__, "peft": peft.__version__,
        "adapted_layers": {"diffusers_peft": adapted, "ours": o["adapted_layers"]},
        "diffusers_peft_ms": statistics.median(theirs),
        "diffusers_peft_ms_range": [min(theirs), max(theirs)],
        "ours_ms": statistics.median(mine), "ours_ms_range": [min(mine), max(mine)],
        "speed_theirs_over_ours": statistics.median(theirs) / statistics.median(mine),
        "diffusers_peft_peak_GiB": max(theirs_peak), "ours_peak_GiB": max(mine_peak),
        "memory_ours_over_theirs": max(mine_peak) / max(theirs_peak),
    }), flush=True)


if __name__ == "__main__":
    main()
