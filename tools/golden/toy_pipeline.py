#!/usr/bin/env python3
"""Interoperability golden for the shipped toy pipeline, produced by diffusers (fp32, CPU).

diffusers' TextToVideoSDPipeline loads resources/models/toy/t2v unchanged (fp16 weights, upcast
to fp32) and samples from fixed initial noise: torch.randn on a CPU generator seeded like our
`generate --seed` (so ours draws the same noise itself). Writes --out/golden.safetensors with the
initial latents, prompt embeddings, final latents and the decoded video of each run; the parity
test (tst_modelscope toyPipeline) runs ours on the same folder and compares at fp32.

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/golden/toy_pipeline.py \
        --model resources/models/toy/t2v --out tests/data/golden/toy_pipeline
"""

import argparse
import json
import os

import torch
import diffusers
import transformers
from diffusers import TextToVideoSDPipeline
from safetensors.torch import save_file

RUNS = [
    # (name, prompt, negative prompt or None, steps, guidance, seed)
    ("default", "a blue square moves up on a black background", None, 25, 9.0, 0),
    ("negative", "a small red star zigzags from left to right on a checkered background",
     "a green circle", 10, 7.5, 11),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    # The cores this process may use (a taskset or a batch slot), not all the machine has.
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    pipe = TextToVideoSDPipeline.from_pretrained(args.model, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    assert type(pipe.unet).__name__ == "UNet3DConditionModel"
    size = pipe.unet.config.sample_size * pipe.vae_scale_factor
    tensors, runs = {}, []
    for name, prompt, negative, steps, guidance, seed in RUNS:
        latents = torch.randn(1, 4, 16, size // pipe.vae_scale_factor,
                              size // pipe.vae_scale_factor,
                              generator=torch.Generator().manual_seed(seed))
        kwargs = dict(prompt=prompt, negative_prompt=negative, num_inference_steps=steps,
                      guidance_scale=guidance, num_frames=16, height=size, width=size,
                      latents=latents.clone())
        with torch.no_grad():
            embeds, negative_embeds = pipe.encode_prompt(prompt, "cpu", 1, True, negative)
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final, f"{name}.video": video})
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
