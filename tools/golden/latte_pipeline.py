#!/usr/bin/env python3
"""Golden tensors for the Latte pipeline and the probe on it, from diffusers (fp32, CPU).

Builds a tiny random LattePipeline (our test SentencePiece model as the T5 tokenizer, a 2-layer
gated-GELU T5 encoder, a 2-layer Latte transformer with learned-sigma channels, a 2-level SD-style
VAE, Latte-1's DDIM settings) and saves it under --out/pipeline/ with golden.safetensors:

  <run>.latents / .prompt_embeds / .negative_prompt_embeds / .final_latents / .video
      3 steps of LattePipeline.__call__ from fixed initial latents (video as (B, 3, F, H, W)),
      with clean_caption=False, which is the lower().strip() path diffusers also takes when bs4 or
      ftfy is missing; the embeddings are encode_prompt's (mask_feature: cut to the caption)
  probe.*
      the paper's procedure written naively on the same pipeline: DDIM inversion of fixed clean
      latents with the caption (no guidance), then one guided resampling per run from x̂_T with
      the edit for tau_end <= t <= tau_start and the caption elsewhere; every call with batch 1,
      so each prompt keeps its own length as LattePipeline gives it

    PYTHONPATH=/path/to/diffusers/src python3 tools/golden/latte_pipeline.py \
        --tokenizer tests/data/golden/t5_tokenizer --out tests/data/golden/latte_pipeline
"""

import argparse
import json
import os
import shutil

import diffusers
import torch
import transformers
from diffusers import (AutoencoderKL, DDIMInverseScheduler, DDIMScheduler, LattePipeline,
                       LatteTransformer3DModel)
from golden_common import redraw
from safetensors.torch import save_file
from transformers import T5Config, T5EncoderModel, T5Tokenizer

META = {"diffusers_version": diffusers.__version__,
        "transformers_version": transformers.__version__, "torch_version": torch.__version__}

FRAMES = 4
SIZE = 16  # pixels: sample_size 8 latents at the VAE's factor 2
# name, prompt, negative, guidance, frames, seed
RUNS = [
    ("guided", "  A Red Circle moves from left to right on a white background. ", None, 7.5,
     FRAMES, 1),
    ("negative", "a blue square moves up", "blurry, static, low quality", 4.0, FRAMES, 2),
    ("unguided", "a green triangle bounces", None, 1.0, FRAMES, 3),
    ("single-frame", "a yellow star", None, 7.5, 1, 4),
]
CAPTION = "a red circle moves from left to right on a white background"
EDIT = "a blue square moves up and down"
PROBE_STEPS = 10
PROBE_GUIDANCE = 6.0
PROBE_RUNS = [("reconstruction", None, None), ("full-edit", 1000, 0), ("pair-600-0", 600, 0),
              ("pair-800-400", 800, 400), ("pair-1000-700", 1000, 700)]



def build(folder, tokenizer_dir):
    tok = T5Tokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(3)
    text_encoder = redraw(T5EncoderModel(T5Config(
        vocab_size=len(tok), d_model=24, d_kv=6, d_ff=40, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, relative_attention_max_distance=20,
        feed_forward_proj="gated-gelu", dropout_rate=0.0, pad_token_id=0,
        eos_token_id=1)).eval(), 5, spread=1.0)
    transformer = redraw(LatteTransformer3DModel(
        num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=8,
        num_layers=2, cross_attention_dim=16, attention_bias=True, sample_size=8, patch_size=2,
        activation_fn="gelu-approximate", num_embeds_ada_norm=1000, norm_type="ada_norm_single",
        norm_elementwise_affine=False, norm_eps=1e-6, caption_channels=24,
        video_length=FRAMES).eval(), 6, spread=1.0)
    vae = redraw(AutoencoderKL(
        block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, layers_per_block=1, norm_num_groups=4,
        latent_channels=4, sample_size=SIZE, scaling_factor=0.18215).eval(), 7, spread=1.5)
    # Latte-1's DDIM settings (linear 1e-4 -> 0.02, leading spacing, no offset).
    scheduler = DDIMScheduler(beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                              clip_sample=False, set_alpha_to_one=True, steps_offset=0,
                              timestep_spacing="leading", num_train_timesteps=1000,
                              prediction_type="epsilon")
    pipe = LattePipeline(tokenizer=tok, text_encoder=text_encoder, vae=vae,
                         transformer=transformer, scheduler=scheduler)
    pipe.set_progress_bar_config(disable=True)
    shutil.rmtree(folder, ignore_errors=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    # What transformers wrote for the tokenizer (5.x may write tokenizer.json only); the
    # SentencePiece model is added where it is missing, as a Latte-1 snapshot has it.
    tok_dir = os.path.join(folder, "tokenizer")
    written = sorted(os.listdir(tok_dir))
    for f in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
        if not os.path.exists(os.path.join(tok_dir, f)):
            shutil.copy(os.path.join(tokenizer_dir, f), tok_dir)
    print(f"tokenizer files written by transformers: {written}")
    return pipe, written


def pipeline_runs(pipe):
    tensors, runs = {}, []
    for name, prompt, negative, guidance, frames, seed in RUNS:
        latents = torch.randn(1, 4, frames, SIZE // 2, SIZE // 2,
                              generator=torch.Generator().manual_seed(seed))
        kwargs = dict(prompt=prompt, negative_prompt=negative if negative is not None else "",
                      num_inference_steps=3, guidance_scale=guidance, video_length=frames,
                      height=SIZE, width=SIZE, latents=latents.clone(), clean_caption=False)
        with torch.no_grad():
            embeds, negative_embeds = pipe.encode_prompt(
                prompt, True, negative_prompt=kwargs["negative_prompt"], device="cpu",
                clean_caption=False)
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames  # (B, F, C, H, W) in [0, 1]
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final,
                        f"{name}.video": video.permute(0, 2, 1, 3, 4)})
        runs.append(dict(name=name, prompt=prompt, negative_prompt=negative, guidance=guidance,
                         frames=frames, height=SIZE, width=SIZE, steps=3))
        print(f"{name}: embeds {tuple(embeds.shape)}, |final| {final.abs().max():.3f}")
    return tensors, runs


def guided(pipe, latents, t, cond, uncond, guidance):
    x = torch.cat([latents, latents])
    ctx = torch.cat([uncond, cond])
    out = pipe.transformer(x, timestep=t.reshape(1).expand(2), encoder_hidden_states=ctx,
                           return_dict=False)[0]
    eps = out.chunk(2, dim=1)[0]
    e_uncond, e_cond = eps.chunk(2)
    return e_uncond + guidance * (e_cond - e_uncond)


def probe_runs(pipe):
    x0 = torch.randn(1, 4, FRAMES, SIZE // 2, SIZE // 2, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        cond, uncond = pipe.encode_prompt(CAPTION, True, negative_prompt="", device="cpu",
                                          clean_caption=False)
        edit, edit_uncond = pipe.encode_prompt(EDIT, True, negative_prompt="", device="cpu",
                                               clean_caption=False)
        inverse = DDIMInverseScheduler.from_config(pipe.scheduler.config)
        inverse.set_timesteps(PROBE_STEPS)
        latents = x0.clone()
        for t in inverse.timesteps:
            out = pipe.transformer(latents, timestep=t.reshape(1), encoder_hidden_states=cond,
                                   return_dict=False)[0]
            latents = inverse.step(out.chunk(2, dim=1)[0], t, latents).prev_sample
        noise = latents
        tensors = {"probe.x0": x0, "probe.inverted": noise}
        for name, start, end in PROBE_RUNS:
            scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
            scheduler.set_timesteps(PROBE_STEPS)
            latents = noise.clone()
            for t in scheduler.timesteps:
                use_edit = start is not None and end <= int(t) <= start
                c, u = (edit, edit_uncond) if use_edit else (cond, uncond)
                eps = guided(pipe, latents, t, c, u, PROBE_GUIDANCE)
                latents = scheduler.step(eps, t, latents).prev_sample
            tensors[f"probe.{name}.final_latents"] = latents
            print(f"probe {name}: |final| {latents.abs().max():.3f}")
    meta = {"probe_caption": CAPTION, "probe_edit": EDIT, "probe_steps": str(PROBE_STEPS),
            "probe_guidance": str(PROBE_GUIDANCE),
            "probe_runs": json.dumps([{"name": n, "tau_start": s, "tau_end": e}
                                      for n, s, e in PROBE_RUNS])}
    return tensors, meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    args = parser.parse_args()
    torch.set_num_threads(8)
    folder = os.path.join(args.out, "pipeline")
    pipe, tokenizer_files = build(folder, args.tokenizer)
    tensors, runs = pipeline_runs(pipe)
    probe_tensors, probe_meta = probe_runs(pipe)
    tensors.update(probe_tensors)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(folder, "golden.safetensors"),
              metadata=dict(META, runs=json.dumps(runs), **probe_meta,
                            tokenizer_files_written=json.dumps(tokenizer_files)))


if __name__ == "__main__":
    main()
