#!/usr/bin/env python3
"""Interoperability golden for a toy Latte or CogVideoX pipeline, produced by diffusers (fp32, CPU).

diffusers loads the folder `motionprobe-cli train-toy --component latte|cogvideox` writes (fp16
weights upcast to fp32; transformers' T5Tokenizer on our spiece.model) unchanged, through the
pipeline class its model_index.json names, and samples from fixed initial noise: torch.randn on a
CPU generator seeded like our `generate --seed`, in the family's latent layout (Latte (1, C, F,
h, w), CogVideoX (1, F, C, h, w)). Writes --out/golden.safetensors with the initial latents, the
prompt embeddings, the final latents and the decoded video of each run, and the token ids
transformers gives for each prompt.

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/golden/toy_family_pipeline.py \
        --model DIR --out tests/data/golden/toy_latte_pipeline
"""

import argparse
import json
import os

import torch
import diffusers
import transformers
from diffusers import DiffusionPipeline
from safetensors.torch import save_file

RUNS = [
    # (name, prompt, negative prompt or None, steps, guidance, seed)
    ("default", "a blue square moves up on a black background", None, 25, 7.5, 0),
    ("negative", "a small red star zigzags from left to right on a checkered background",
     "a green circle", 10, 5.0, 11),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    pipe = DiffusionPipeline.from_pretrained(args.model, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    family = type(pipe).__name__
    assert family in ("LattePipeline", "CogVideoXPipeline"), family
    vae_factor = pipe.vae_scale_factor_spatial if family == "CogVideoXPipeline" \
        else pipe.vae_scale_factor
    cfg = pipe.transformer.config
    tensors, runs = {}, []
    for name, prompt, negative, steps, guidance, seed in RUNS:
        g = torch.Generator().manual_seed(seed)
        if family == "LattePipeline":
            side, frames = cfg.sample_size, cfg.video_length
            latents = torch.randn(1, cfg.in_channels, frames, side, side, generator=g)
            kwargs = dict(video_length=frames, clean_caption=True, mask_feature=True)
            embeds, negative_embeds = pipe.encode_prompt(
                prompt, True, negative_prompt=negative or "", device="cpu", clean_caption=True,
                mask_feature=True)
            text = prompt.lower().strip()
            max_length = 120
        else:
            side, frames = cfg.sample_height, cfg.sample_frames
            latent_frames = (frames - 1) // pipe.vae_scale_factor_temporal + 1
            latents = torch.randn(1, latent_frames, cfg.in_channels, side, cfg.sample_width,
                                  generator=g)
            kwargs = dict(num_frames=frames, max_sequence_length=226)
            embeds, negative_embeds = pipe.encode_prompt(
                prompt, negative or "", True, max_sequence_length=226, device="cpu")
            text = prompt
            max_length = 226
        kwargs.update(prompt=prompt, negative_prompt=negative or "", num_inference_steps=steps,
                      guidance_scale=guidance, height=side * vae_factor,
                      width=side * vae_factor, latents=latents.clone())
        with torch.no_grad():
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames
        ids = pipe.tokenizer(text, max_length=max_length, padding="max_length", truncation=True,
                             add_special_tokens=True).input_ids
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final, f"{name}.video": video,
                        f"{name}.input_ids": torch.tensor(ids, dtype=torch.int64)})
        runs.append(dict(name=name, prompt=prompt, negative_prompt=negative, steps=steps,
                         guidance=guidance, seed=seed))
        print(f"{name}: video {tuple(video.shape)}, latents std {final.std():.3f}")
    os.makedirs(args.out, exist_ok=True)
    meta = {"family": family, "diffusers_version": diffusers.__version__,
            "transformers_version": transformers.__version__, "torch_version": torch.__version__,
            "runs": json.dumps(runs)}
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
