#!/usr/bin/env python3
"""Golden tensors for the CogVideoX transformer, pipeline and probe, from diffusers (fp32, CPU).

Writes under --out:

  transformer_sincos/   a tiny CogVideoXTransformer3DModel with 2b's fixed 3-D sin-cos table
  transformer_rope/     the same with 5b's 3-D rotary embedding (use_rotary_positional_embeddings)
  transformer.safetensors
      <model>.<run>.{sample,timestep,encoder_hidden_states,out}: batch 2 with two timesteps at
      the configured size, and another latent size (the sin-cos table recomputed; the rotary
      grid cropped into the base size) with batch 1; the rotary tables are built as
      CogVideoXPipeline._prepare_rotary_positional_embeddings builds them
  pipeline/             a tiny CogVideoXPipeline (our test SentencePiece model as the T5 tokenizer,
                        a 2-layer T5 encoder, the rotary transformer, a 4-level
                        AutoencoderKLCogVideoX, CogVideoXDDIMScheduler with 2b's settings) and its
                        golden.safetensors:
      <run>.latents / .prompt_embeds / .negative_prompt_embeds / .final_latents / .video
          3 steps of CogVideoXPipeline.__call__ from fixed initial latents ((B, F, C, h, w));
          the video as (B, 3, F, H, W) in [0, 1]
      probe.*
          the paper's procedure written naively: DDIM inversion of fixed clean latents with the
          caption and no guidance, on the forward scheduler's alpha-bar table (snr_shift_scale
          applied; the community inversion script would rebuild the table without it), then one
          guided resampling per run from the inverted latents with the edit for
          tau_end <= t <= tau_start and the caption elsewhere

    PYTHONPATH=/path/to/diffusers/src python3 tools/golden/cogvideox.py \
        --tokenizer tests/data/golden/t5_tokenizer --out tests/data/golden/cogvideox
"""

import argparse
import json
import os
import shutil

import diffusers
import torch
import transformers
from diffusers import (AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline,
                       CogVideoXTransformer3DModel, DDIMInverseScheduler)
from diffusers.models.embeddings import get_3d_rotary_pos_embed
from diffusers.pipelines.cogvideo.pipeline_cogvideox import get_resize_crop_region_for_grid
from golden_common import redraw
from safetensors.torch import save_file
from transformers import T5Config, T5EncoderModel, T5Tokenizer

META = {"diffusers_version": diffusers.__version__,
        "transformers_version": transformers.__version__, "torch_version": torch.__version__}

TRANSFORMER = dict(num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4,
                   time_embed_dim=16, text_embed_dim=12, num_layers=2, sample_width=8,
                   sample_height=6, sample_frames=9, patch_size=2, max_text_seq_length=7,
                   attention_bias=True, norm_eps=1e-5, spatial_interpolation_scale=1.875)

FRAMES = 9           # pixel frames: 3 latent frames
HEIGHT, WIDTH = 32, 48  # pixels: 4 x 6 latents at the VAE's factor 8
RUNS = [  # name, prompt, negative, guidance, dynamic cfg, seed
    ("guided", "a red circle moves from left to right on a white background", None, 6.0, False, 1),
    ("negative", "a blue square moves up", "blurry, static, low quality", 4.0, False, 2),
    ("dynamic", "a green triangle bounces", None, 6.0, True, 3),
    ("unguided", "a yellow star", None, 1.0, False, 4),
]
CAPTION = "a red circle moves from left to right on a white background"
EDIT = "a blue square moves up and down"
PROBE_STEPS = 10
PROBE_GUIDANCE = 6.0
PROBE_RUNS = [("reconstruction", None, None), ("full-edit", 1000, 0), ("pair-600-0", 600, 0),
              ("pair-800-400", 800, 400), ("pair-1000-700", 1000, 700)]



def rotary(config, frames, h, w):
    """CogVideoXPipeline._prepare_rotary_positional_embeddings for a latent (frames, h, w)."""
    p = config.patch_size
    grid_h, grid_w = h // p, w // p
    crops = get_resize_crop_region_for_grid((grid_h, grid_w), config.sample_width // p,
                                            config.sample_height // p)
    return get_3d_rotary_pos_embed(embed_dim=config.attention_head_dim, crops_coords=crops,
                                   grid_size=(grid_h, grid_w), temporal_size=frames,
                                   device=torch.device("cpu"))


def transformer_goldens(out):
    tensors = {}
    g = torch.Generator().manual_seed(7)
    C, D_text = TRANSFORMER["in_channels"], TRANSFORMER["text_embed_dim"]
    for name, rope in (("sincos", False), ("rope", True)):
        torch.manual_seed(11)
        model = redraw(CogVideoXTransformer3DModel(
            **TRANSFORMER, use_rotary_positional_embeddings=rope).eval(), 12 if rope else 13)
        model.save_pretrained(os.path.join(out, f"transformer_{name}"), safe_serialization=True)
        L = TRANSFORMER["max_text_seq_length"]
        runs = {
            "main": dict(x=torch.randn(2, 3, C, 6, 8, generator=g), t=torch.tensor([999, 37]),
                         ctx=torch.randn(2, L, D_text, generator=g)),
            # sin-cos: the table recomputed; rotary: a taller grid cropped into the base size
            "size": dict(x=torch.randn(1, 2, C, 10, 4, generator=g), t=torch.tensor([501]),
                         ctx=torch.randn(1, L if not rope else 5, D_text, generator=g)),
        }
        with torch.no_grad():
            for run, r in runs.items():
                emb = rotary(model.config, *r["x"].shape[1:2], *r["x"].shape[3:]) if rope else None
                out_ = model(r["x"], encoder_hidden_states=r["ctx"], timestep=r["t"],
                             image_rotary_emb=emb, return_dict=False)[0]
                key = f"{name}.{run}"
                tensors.update({f"{key}.sample": r["x"], f"{key}.timestep": r["t"],
                                f"{key}.encoder_hidden_states": r["ctx"], f"{key}.out": out_})
                if emb is not None:
                    tensors[f"{key}.rope_cos"], tensors[f"{key}.rope_sin"] = emb
                print(f"transformer {key}: {tuple(out_.shape)} max {out_.abs().max():.3f}")
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(out, "transformer.safetensors"), metadata=META)


def build_pipeline(folder, tokenizer_dir):
    tok = T5Tokenizer.from_pretrained(tokenizer_dir)
    text_encoder = redraw(T5EncoderModel(T5Config(
        vocab_size=len(tok), d_model=24, d_kv=6, d_ff=40, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, relative_attention_max_distance=20,
        feed_forward_proj="gated-gelu", dropout_rate=0.0, pad_token_id=0,
        eos_token_id=1)).eval(), 5)
    transformer = redraw(CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4,
        time_embed_dim=16, text_embed_dim=24, num_layers=2, sample_width=WIDTH // 8,
        sample_height=HEIGHT // 8, sample_frames=FRAMES, patch_size=2, max_text_seq_length=226,
        use_rotary_positional_embeddings=True).eval(), 6)
    vae = redraw(AutoencoderKLCogVideoX(
        block_out_channels=(8, 16, 16, 16), latent_channels=4, layers_per_block=1,
        norm_num_groups=4, sample_height=HEIGHT, sample_width=WIDTH, scaling_factor=0.7,
        temporal_compression_ratio=4).eval(), 7, spread=1.0)
    # CogVideoX-2b's scheduler settings (the conversion script's).
    scheduler = CogVideoXDDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
        set_alpha_to_one=True, steps_offset=0, prediction_type="v_prediction",
        rescale_betas_zero_snr=True, timestep_spacing="trailing", snr_shift_scale=3.0)
    pipe = CogVideoXPipeline(tokenizer=tok, text_encoder=text_encoder, vae=vae,
                             transformer=transformer, scheduler=scheduler)
    pipe.set_progress_bar_config(disable=True)
    shutil.rmtree(folder, ignore_errors=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    tok_dir = os.path.join(folder, "tokenizer")
    written = sorted(os.listdir(tok_dir))
    for f in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
        if not os.path.exists(os.path.join(tok_dir, f)):
            shutil.copy(os.path.join(tokenizer_dir, f), tok_dir)
    print(f"tokenizer files written by transformers: {written}")
    return pipe, written


def pipeline_runs(pipe):
    tensors, runs = {}, []
    latent_frames = (FRAMES - 1) // 4 + 1
    for name, prompt, negative, guidance, dynamic, seed in RUNS:
        latents = torch.randn(1, latent_frames, 4, HEIGHT // 8, WIDTH // 8,
                              generator=torch.Generator().manual_seed(seed))
        kwargs = dict(prompt=prompt, negative_prompt=negative, num_inference_steps=3,
                      guidance_scale=guidance, use_dynamic_cfg=dynamic, num_frames=FRAMES,
                      height=HEIGHT, width=WIDTH, latents=latents.clone())
        with torch.no_grad():
            embeds, negative_embeds = pipe.encode_prompt(prompt, negative, True, device="cpu")
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames  # (B, F, C, H, W) in [0, 1]
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final,
                        f"{name}.video": video.permute(0, 2, 1, 3, 4)})
        runs.append(dict(name=name, prompt=prompt, negative_prompt=negative, guidance=guidance,
                         dynamic_cfg=dynamic, frames=FRAMES, height=HEIGHT, width=WIDTH, steps=3))
        print(f"{name}: embeds {tuple(embeds.shape)}, |final| {final.abs().max():.3f}, "
              f"video {tuple(video.shape)}")
    return tensors, runs


def guided(pipe, latents, t, cond, uncond, guidance, rope):
    x = torch.cat([latents, latents])
    ctx = torch.cat([uncond, cond])
    out = pipe.transformer(x, encoder_hidden_states=ctx, timestep=t.reshape(1).expand(2),
                           image_rotary_emb=rope, return_dict=False)[0].float()
    v_uncond, v_cond = out.chunk(2)
    return v_uncond + guidance * (v_cond - v_uncond)


def probe_runs(pipe):
    latent_frames = (FRAMES - 1) // 4 + 1
    x0 = torch.randn(1, latent_frames, 4, HEIGHT // 8, WIDTH // 8,
                     generator=torch.Generator().manual_seed(9))
    rope = rotary(pipe.transformer.config, latent_frames, HEIGHT // 8, WIDTH // 8)
    with torch.no_grad():
        cond, uncond = pipe.encode_prompt(CAPTION, "", True, device="cpu")
        edit, edit_uncond = pipe.encode_prompt(EDIT, "", True, device="cpu")
        inverse = DDIMInverseScheduler.from_config(pipe.scheduler.config)
        # The forward scheduler's table (snr_shift_scale applied), as the engine inverts.
        inverse.alphas_cumprod = pipe.scheduler.alphas_cumprod.clone()
        inverse.set_timesteps(PROBE_STEPS)
        latents = x0.clone()
        for t in inverse.timesteps:
            out = pipe.transformer(latents, encoder_hidden_states=cond, timestep=t.reshape(1),
                                   image_rotary_emb=rope, return_dict=False)[0]
            latents = inverse.step(out, t, latents).prev_sample
        noise = latents
        tensors = {"probe.x0": x0, "probe.inverted": noise}
        for name, start, end in PROBE_RUNS:
            scheduler = CogVideoXDDIMScheduler.from_config(pipe.scheduler.config)
            scheduler.set_timesteps(PROBE_STEPS)
            latents = noise.clone()
            for t in scheduler.timesteps:
                use_edit = start is not None and end <= int(t) <= start
                c, u = (edit, edit_uncond) if use_edit else (cond, uncond)
                v = guided(pipe, latents, t, c, u, PROBE_GUIDANCE, rope)
                latents = scheduler.step(v, t, latents).prev_sample
            tensors[f"probe.{name}.final_latents"] = latents
            print(f"probe {name}: |final| {latents.abs().max():.3f}")
    meta = {"probe_caption": CAPTION, "probe_edit": EDIT, "probe_steps": str(PROBE_STEPS),
            "probe_guidance": str(PROBE_GUIDANCE),
            "probe_timesteps": json.dumps([int(t) for t in inverse.timesteps]),
            "probe_runs": json.dumps([{"name": n, "tau_start": s, "tau_end": e}
                                      for n, s, e in PROBE_RUNS])}
    return tensors, meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    args = parser.parse_args()
    torch.set_num_threads(8)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    transformer_goldens(args.out)
    folder = os.path.join(args.out, "pipeline")
    pipe, tokenizer_files = build_pipeline(folder, args.tokenizer)
    tensors, runs = pipeline_runs(pipe)
    probe_tensors, probe_meta = probe_runs(pipe)
    tensors.update(probe_tensors)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(folder, "golden.safetensors"),
              metadata=dict(META, runs=json.dumps(runs), **probe_meta,
                            tokenizer_files_written=json.dumps(tokenizer_files)))


if __name__ == "__main__":
    main()
