#!/usr/bin/env python3
"""Interoperability golden for the toy Latte pipeline, produced by diffusers (fp32, CPU).

diffusers' LattePipeline loads the folder `motionprobe-cli train-toy --component latte` writes
(fp16 weights upcast to fp32; transformers' T5Tokenizer on our spiece.model) unchanged, and
samples from fixed initial noise: torch.randn on a CPU generator seeded like our `generate
--seed`. Writes --out/golden.safetensors with the initial latents, the prompt embeddings (cut
to the caption's tokens, mask_feature), the final latents and the decoded video of each run,
and the token ids transformers gives for each prompt.

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/golden/toy_latte_pipeline.py \
        --model resources/models/toy/latte --out tests/data/golden/toy_latte_pipeline
"""

import argparse
import json
import os

import torch
import diffusers
import transformers
from diffusers import LattePipeline
from safetensors.torch import save_file

RUNS = [
    # (name, prompt, negative prompt or None, steps, guidance, seed)
    ("default", "a blue square moves up on a black background", None, 25, 7.5, 0),
    ("negative", "A small red star zigzags from left to right on a checkered background",
     "a green circle", 10, 5.0, 11),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    pipe = LattePipeline.from_pretrained(args.model, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    assert type(pipe.transformer).__name__ == "LatteTransformer3DModel"
    factor = pipe.vae_scale_factor
    side = pipe.transformer.config.sample_size
    frames = pipe.transformer.config.video_length
    tensors, runs = {}, []
    for name, prompt, negative, steps, guidance, seed in RUNS:
        latents = torch.randn(1, 4, frames, side, side,
                              generator=torch.Generator().manual_seed(seed))
        kwargs = dict(prompt=prompt, negative_prompt=negative or "", num_inference_steps=steps,
                      guidance_scale=guidance, video_length=frames, height=side * factor,
                      width=side * factor, latents=latents.clone(), clean_caption=True,
                      mask_feature=True)
        with torch.no_grad():
            embeds, negative_embeds = pipe.encode_prompt(
                prompt, True, negative_prompt=negative or "", device="cpu",
                clean_caption=True, mask_feature=True)
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames
        ids = pipe.tokenizer(prompt.lower().strip(), max_length=120, padding="max_length",
                             truncation=True, add_special_tokens=True).input_ids
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final, f"{name}.video": video,
                        f"{name}.input_ids": torch.tensor(ids, dtype=torch.int64)})
        runs.append(dict(name=name, prompt=prompt, negative_prompt=negative, steps=steps,
                         guidance=guidance, seed=seed))
        print(f"{name}: video {tuple(video.shape)}, latents std {final.std():.3f}")
    os.makedirs(args.out, exist_ok=True)
    meta = {"diffusers_version": diffusers.__version__,
            "transformers_version": transformers.__version__, "torch_version": torch.__version__,
            "runs": json.dumps(runs)}
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
