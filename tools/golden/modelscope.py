#!/usr/bin/env python3
"""Golden tensors for the ModelScope family, produced by diffusers (fp32, CPU).

Writes, under --out (tests/data/golden/modelscope):
  unet3d/<case>/   UNet3DConditionModel folder (config.json + weights) and golden.safetensors
                   with inputs and outputs for several timesteps, batch 2, non-square latents
  vae/<case>/      AutoencoderKL folder and golden.safetensors (encode mean/logvar, decode)
  pipeline/        a whole TextToVideoSDPipeline folder (tokenizer, CLIP text encoder, UNet3D,
                   VAE, scheduler) and golden.safetensors with fixed initial latents, prompt
                   embeddings, final latents and the decoded video for 3 steps

Weights are redrawn (matrices ~ 1.5/sqrt(fan_in), norm gains 1 ± 0.1, biases ± 0.1) so that no
block is an identity (diffusers zero-inits temp_convs.*.conv4) and attention is not uniform. They
are stored as float16 and upcast for the reference run, so the files stay small and the fp32
reference sees exactly the weights our loader reads.

    PYTHONPATH=third_party_ref/src python3 tools/golden/modelscope.py \
        --out tests/data/golden/modelscope --tokenizer tests/data/golden/clip_tokenizer/sd2
"""

import argparse
import json
import math
import os
import shutil

import torch
import diffusers
import transformers
from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

META = {"diffusers_version": diffusers.__version__,
        "transformers_version": transformers.__version__, "torch_version": torch.__version__}

UNET_CASES = {
    # The published layout (3 cross-attention levels + a plain one, 2 layers, up blocks 3) at tiny
    # width; 12x20 latents are not multiples of 8, so the up path forwards the skip sizes.
    "four-level": dict(
        config=dict(sample_size=8, in_channels=4, out_channels=4,
                    block_out_channels=(8, 16, 16, 16), layers_per_block=2,
                    attention_head_dim=8, cross_attention_dim=24, norm_num_groups=4),
        frames=4, latent=(12, 20), context=(7, 24)),
    # Two levels, one layer each, another head size and eps, 8 frames.
    "two-level": dict(
        config=dict(sample_size=8, in_channels=4, out_channels=4,
                    down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
                    up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
                    block_out_channels=(16, 24), layers_per_block=1, attention_head_dim=4,
                    cross_attention_dim=16, norm_num_groups=4, norm_eps=1e-6),
        frames=8, latent=(8, 12), context=(5, 16)),
}

VAE_CASES = {
    # SD-like: three levels, two layers (decoder three), quant convs, mid attention.
    "sd-like": dict(
        config=dict(in_channels=3, out_channels=3, latent_channels=4,
                    down_block_types=("DownEncoderBlock2D",) * 3,
                    up_block_types=("UpDecoderBlock2D",) * 3,
                    block_out_channels=(8, 16, 16), layers_per_block=2, norm_num_groups=4,
                    sample_size=32, scaling_factor=0.18215),
        image=(3, 24, 40)),
    # No quant convs, no mid attention, one layer.
    "plain": dict(
        config=dict(in_channels=3, out_channels=3, latent_channels=4,
                    down_block_types=("DownEncoderBlock2D",) * 2,
                    up_block_types=("UpDecoderBlock2D",) * 2,
                    block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=4,
                    sample_size=16, use_quant_conv=False, use_post_quant_conv=False,
                    mid_block_add_attention=False),
        image=(2, 18, 14)),
}


def redraw(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn_like(p) * 1.5 / math.sqrt(fan_in))
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
            # Round to float16 so the stored fp16 weights are exactly what the reference used.
            p.copy_(p.half().float())
    return model.eval()


def save_half(model, folder, **kwargs):
    shutil.rmtree(folder, ignore_errors=True)
    model.half().save_pretrained(folder, safe_serialization=True, **kwargs)
    model.float()


def unet_goldens(out):
    for case, spec in UNET_CASES.items():
        model = redraw(UNet3DConditionModel(**spec["config"]), 11)
        folder = os.path.join(out, "unet3d", case)
        save_half(model, folder)
        torch.manual_seed(5)
        h, w = spec["latent"]
        sample = torch.randn(2, 4, spec["frames"], h, w)
        context = torch.randn(2, *spec["context"])
        tensors = {"sample": sample, "encoder_hidden_states": context}
        runs = {"t981": torch.tensor([981, 981]), "t500-21": torch.tensor([500, 21]),
                "t1": torch.tensor([1, 1])}
        with torch.no_grad():
            for run, t in runs.items():
                tensors[f"{run}.timestep"] = t
                tensors[f"{run}.out"] = model(sample, t, encoder_hidden_states=context).sample
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"), metadata=META)
        print(f"unet3d/{case}: {sum(p.numel() for p in model.parameters())} parameters")


def vae_goldens(out):
    for case, spec in VAE_CASES.items():
        model = redraw(AutoencoderKL(**spec["config"]), 12)
        folder = os.path.join(out, "vae", case)
        save_half(model, folder)
        torch.manual_seed(6)
        n, h, w = spec["image"]
        images = torch.rand(n, 3, h, w) * 2 - 1
        with torch.no_grad():
            dist = model.encode(images).latent_dist
            latents = torch.randn(dist.mean.shape)
            decoded = model.decode(latents).sample
        tensors = {"images": images, "latent_mean": dist.mean, "latent_logvar": dist.logvar,
                   "latents": latents, "decoded": decoded}
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"), metadata=META)
        print(f"vae/{case}: {sum(p.numel() for p in model.parameters())} parameters")


PIPELINE_RUNS = [
    # (name, prompt, negative prompt or None, guidance, frames, height, width, seed)
    ("default-negative", "a red circle moves from left to right", None, 9.0, 4, 16, 24, 21),
    ("negative", "a monkey walking on the beach", "blurry, static", 4.5, 3, 24, 16, 22),
]


def pipeline_golden(out, tokenizer_dir):
    folder = os.path.join(out, "pipeline")
    shutil.rmtree(folder, ignore_errors=True)
    tok = CLIPTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(7)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, hidden_act="gelu",
        bos_token_id=tok.bos_token_id, eos_token_id=2, pad_token_id=1,
        projection_dim=32)).eval()
    unet = redraw(UNet3DConditionModel(
        sample_size=8, block_out_channels=(16, 24),
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"), layers_per_block=1,
        attention_head_dim=8, cross_attention_dim=32, norm_num_groups=4), 13)
    vae = redraw(AutoencoderKL(
        block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, layers_per_block=1, norm_num_groups=4,
        latent_channels=4, sample_size=16, scaling_factor=0.18215), 14)
    text_encoder = redraw(text_encoder, 15)
    # text-to-video-ms-1.7b/scheduler/scheduler_config.json
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1,
                              num_train_timesteps=1000, prediction_type="epsilon")
    pipe = TextToVideoSDPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tok, unet=unet,
                                 scheduler=scheduler)
    pipe.set_progress_bar_config(disable=True)
    # The UNet as the fp16 variant (diffusion_pytorch_model.fp16.safetensors), the rest plain:
    # both layouts of a published snapshot.
    pipe.save_pretrained(folder, safe_serialization=True)
    unet_dir = os.path.join(folder, "unet")
    for f in os.listdir(unet_dir):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(unet_dir, f))
    unet.half().save_pretrained(unet_dir, safe_serialization=True, variant="fp16")
    unet.float()

    tensors = {}
    runs = []
    for name, prompt, negative, guidance, frames, height, width, seed in PIPELINE_RUNS:
        torch.manual_seed(seed)
        latents = torch.randn(1, 4, frames, height // 2, width // 2)
        kwargs = dict(prompt=prompt, negative_prompt=negative, num_inference_steps=3,
                      guidance_scale=guidance, num_frames=frames, height=height, width=width,
                      latents=latents.clone())
        with torch.no_grad():
            embeds, negative_embeds = pipe.encode_prompt(prompt, "cpu", 1, True, negative)
            final = pipe(**kwargs, output_type="latent").frames
            video = pipe(**kwargs, output_type="pt").frames
        tensors.update({f"{name}.latents": latents, f"{name}.prompt_embeds": embeds,
                        f"{name}.negative_prompt_embeds": negative_embeds,
                        f"{name}.final_latents": final, f"{name}.video": video})
        runs.append(dict(name=name, prompt=prompt, negative_prompt=negative, guidance=guidance,
                         frames=frames, height=height, width=width, steps=3))
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(folder, "golden.safetensors"),
              metadata=dict(META, runs=json.dumps(runs)))
    print(f"pipeline: {len(runs)} runs; video {tuple(video.shape)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    args = parser.parse_args()
    torch.set_num_threads(8)
    unet_goldens(args.out)
    vae_goldens(args.out)
    pipeline_golden(args.out, args.tokenizer)


if __name__ == "__main__":
    main()
