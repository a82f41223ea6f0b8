#!/usr/bin/env python3
"""Reference for the prompt-tampering probe: the paper's procedure, written naively with diffusers.

On the tiny random ModelScope pipeline of tests/data/golden/modelscope/pipeline (fp32, CPU):
DDIM-invert fixed random clean latents x0 with the caption c (DDIMInverseScheduler from the
pipeline's scheduler config, no guidance), then, for each run, one full resampling from x̂_T with
DDIMScheduler and classifier-free guidance, switching the prompt per step: c' when
τ_end ≤ t ≤ τ_start, c elsewhere (the reconstruction uses c throughout, the full edit c'). Nothing
is shared between runs. Writes --out/golden.safetensors with x0, x̂_T, the prompt embeddings and
each run's final latents; tst_probe (referenceEquality) runs our probe on the same folder and
latents and compares at fp32.

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/golden/probe.py \
        --model tests/data/golden/modelscope/pipeline --out tests/data/golden/probe
"""

import argparse
import json
import os

import torch
import diffusers
import transformers
from diffusers import (DDIMInverseScheduler, DDIMScheduler, TextToVideoSDPipeline,
                       UNet3DConditionModel)
from safetensors.torch import save_file

CAPTION = "a red circle moves from left to right on a white background"
EDIT = "a blue square moves from left to right on a white background"
STEPS = 10
GUIDANCE = 7.5
FRAMES = 4
# (name, τ_start, τ_end); None: the reconstruction (c only).
RUNS = [
    ("reconstruction", None, None),
    ("full-edit", 1000, 0),
    ("pair-600-0", 600, 0),
    ("pair-800-400", 800, 400),
    ("pair-400-200", 400, 200),
    ("pair-1000-700", 1000, 700),
]


def guided(unet, latents, t, cond, uncond, guidance):
    x = torch.cat([latents, latents])
    ctx = torch.cat([uncond, cond])
    eps = unet(x, t, encoder_hidden_states=ctx).sample
    e_uncond, e_cond = eps.chunk(2)
    return e_uncond + guidance * (e_cond - e_uncond)


def invert(pipe, x0, cond, steps):
    """DDIM inversion of x0 with the caption, no guidance: x̂_T."""
    inverse = DDIMInverseScheduler.from_config(pipe.scheduler.config)
    inverse.set_timesteps(steps)
    latents = x0.clone()
    for t in inverse.timesteps:
        eps = pipe.unet(latents, t, encoder_hidden_states=cond).sample
        latents = inverse.step(eps, t, latents).prev_sample
    return latents


def resample(pipe, noise, cond, edit, uncond, start, end, steps, guidance):
    """One full guided DDIM resampling from x̂_T with the edit for end ≤ t ≤ start and the caption
    elsewhere (start None: the caption throughout)."""
    scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
    scheduler.set_timesteps(steps)
    latents = noise.clone()
    for t in scheduler.timesteps:
        use_edit = start is not None and end <= int(t) <= start
        eps = guided(pipe.unet, latents, t, edit if use_edit else cond, uncond, guidance)
        latents = scheduler.step(eps, t, latents).prev_sample
    return latents


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    # The golden pipeline ships its UNet as the fp16 variant only (tools/golden/modelscope.py).
    variant = "fp16" if os.path.exists(
        os.path.join(args.model, "unet", "diffusion_pytorch_model.fp16.safetensors")) else None
    unet = UNet3DConditionModel.from_pretrained(args.model, subfolder="unet", variant=variant,
                                                torch_dtype=torch.float32)
    pipe = TextToVideoSDPipeline.from_pretrained(args.model, unet=unet, torch_dtype=torch.float32)
    unet = pipe.unet
    size = unet.config.sample_size
    x0 = torch.randn(1, unet.config.in_channels, FRAMES, size, size,
                     generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        cond, uncond = pipe.encode_prompt(CAPTION, "cpu", 1, True, None)
        edit, _ = pipe.encode_prompt(EDIT, "cpu", 1, True, None)

        noise = invert(pipe, x0, cond, STEPS)

        tensors = {"x0": x0, "inverted": noise, "caption_embeds": cond, "edit_embeds": edit,
                   "negative_embeds": uncond}
        for name, start, end in RUNS:
            latents = resample(pipe, noise, cond, edit, uncond, start, end, STEPS, GUIDANCE)
            tensors[f"{name}.final_latents"] = latents
            print(f"{name}: |final| {latents.abs().max():.3f}")
    os.makedirs(args.out, exist_ok=True)
    meta = {"diffusers_version": diffusers.__version__,
            "transformers_version": transformers.__version__,
            "torch_version": torch.__version__,
            "caption": CAPTION, "edit": EDIT, "steps": str(STEPS), "guidance": str(GUIDANCE),
            "runs": json.dumps([{"name": n, "tau_start": s, "tau_end": e} for n, s, e in RUNS])}
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
