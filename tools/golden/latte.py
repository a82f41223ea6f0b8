#!/usr/bin/env python3
"""Golden tensors for the Latte transformer, from diffusers.

A tiny random LatteTransformer3DModel (Latte-1's structure: ada_norm_single blocks without affine
norms, tanh-GELU feed-forwards, attention biases, learned-sigma output channels, caption
projection) saved as a diffusers folder under tests/data/golden/latte/transformer/, and
golden.safetensors beside it with the inputs and diffusers' outputs in float32 on the CPU:

  main.*      batch 2, video_length frames at the configured size, two different timesteps
  size.*      another latent size (the 2-D table recomputed), batch 1, a scalar timestep
  single.*    one frame (no temporal table)
  spatial.*   enable_temporal_attentions=False

Weights are redrawn with a larger spread than the default init (the zero-initialised ones too)
so that every part of the forward shows in the outputs.

    PYTHONPATH=/path/to/diffusers/src python3 tools/golden/latte.py --out tests/data/golden/latte
"""

import argparse
import os
import shutil

import diffusers
import torch
from diffusers import LatteTransformer3DModel
from safetensors.torch import save_file

CONFIG = dict(num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=8,
              num_layers=2, cross_attention_dim=16, attention_bias=True, sample_size=8,
              patch_size=2, activation_fn="gelu-approximate", num_embeds_ada_norm=1000,
              norm_type="ada_norm_single", norm_elementwise_affine=False, norm_eps=1e-6,
              caption_channels=12, video_length=4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.manual_seed(2024)
    model = LatteTransformer3DModel(**CONFIG).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(0.3 * torch.randn_like(p))
    folder = os.path.join(args.out, "transformer")
    shutil.rmtree(args.out, ignore_errors=True)
    model.save_pretrained(folder, safe_serialization=True)

    g = torch.Generator().manual_seed(7)
    F, S, C = CONFIG["video_length"], CONFIG["sample_size"], CONFIG["in_channels"]
    runs = {
        "main": dict(x=torch.randn(2, C, F, S, S, generator=g), t=torch.tensor([999, 37]),
                     ctx=torch.randn(2, 7, CONFIG["caption_channels"], generator=g)),
        "size": dict(x=torch.randn(1, C, F, 12, 6, generator=g), t=torch.tensor([501]),
                     ctx=torch.randn(1, 5, CONFIG["caption_channels"], generator=g)),
        "single": dict(x=torch.randn(2, C, 1, S, S, generator=g), t=torch.tensor([10, 900]),
                       ctx=torch.randn(2, 3, CONFIG["caption_channels"], generator=g)),
        "spatial": dict(x=torch.randn(1, C, F, S, S, generator=g), t=torch.tensor([250]),
                        ctx=torch.randn(1, 4, CONFIG["caption_channels"], generator=g),
                        temporal=False),
    }
    tensors = {}
    with torch.no_grad():
        for name, r in runs.items():
            out = model(r["x"], timestep=r["t"], encoder_hidden_states=r["ctx"],
                        enable_temporal_attentions=r.get("temporal", True),
                        return_dict=False)[0]
            tensors[f"{name}.sample"] = r["x"]
            tensors[f"{name}.timestep"] = r["t"]
            tensors[f"{name}.encoder_hidden_states"] = r["ctx"]
            tensors[f"{name}.out"] = out
            print(f"{name}: {tuple(out.shape)} max {out.abs().max():.3f}")
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"),
              metadata={"diffusers_version": diffusers.__version__,
                        "torch_version": torch.__version__})
    print(f"{sum(p.numel() for p in model.parameters())} parameters")


if __name__ == "__main__":
    main()
