#!/usr/bin/env python3
"""Golden tensors for the CogVideoX VAE (AutoencoderKLCogVideoX), from diffusers (fp32, CPU).

A tiny random AutoencoderKLCogVideoX with CogVideoX's structure (4 levels: spatial factor 8,
temporal compression 4, width changes so that conv_shortcuts exist, spatial norms in the decoder)
saved as a diffusers folder under --out/vae/, then --out/golden.safetensors with the inputs and
diffusers' outputs of these runs, and --out/runs.json describing them:

  encode runs   <name>.video -> <name>.mean, <name>.logvar   (encode(video).latent_dist)
      enc1         1 frame
      enc9         9 frames, batch 2: one frame batch (the 8 + 1 rule)
      enc17        17 frames: batches [0, 9) and [9, 17), caches carried across
      enc33        33 frames: four batches
      enc-tiled    17 frames, 40x48, tiling on with small tiles: 3x2 tiles blended, the last
                   row one latent high
  decode runs   <name>.latents -> <name>.sample              (decode(latents).sample)
      dec1         1 latent frame
      dec3         3 latent frames, batch 2: one batch of 3 -> 9 frames
      dec4         4 latent frames: batches of 2 and 2 -> 16 frames
      dec5         5 latent frames: batches of 3 and 2 -> 17 frames
      dec-tiled    5 latent frames, 5x6, tiling on: 3x2 tiles blended

Tiling: enable_tiling() with the tile size and overlap factors recorded in runs.json (the test
sets the same), then disable_tiling() for the other runs. Weights are redrawn (normal, spread by
fan-in; norm weights near 1, biases small) so no part of the network is trivially zero.

    PYTHONPATH=/path/to/diffusers/src python3 tools/golden/cogvideox_vae.py \\
        --out tests/data/golden/cogvideox_vae
"""

import argparse
import json
import os
import shutil

import diffusers
import torch
from diffusers import AutoencoderKLCogVideoX
from golden_common import redraw
from safetensors.torch import save_file

CONFIG = dict(
    in_channels=3, out_channels=3,
    down_block_types=("CogVideoXDownBlock3D",) * 4,
    up_block_types=("CogVideoXUpBlock3D",) * 4,
    block_out_channels=(8, 16, 16, 16), latent_channels=4, layers_per_block=1, act_fn="silu",
    norm_eps=1e-6, norm_num_groups=4, temporal_compression_ratio=4,
    sample_height=64, sample_width=64, scaling_factor=0.7, force_upcast=True,
    use_quant_conv=False, use_post_quant_conv=False)

TILING = dict(tile_sample_min_height=32, tile_sample_min_width=32,
              tile_overlap_factor_height=0.5, tile_overlap_factor_width=0.25)

LATENT = CONFIG["latent_channels"]
# name, kind, input shape, tiled
RUNS = [
    ("enc1", "encode", (1, 3, 1, 16, 16), False),
    ("enc9", "encode", (2, 3, 9, 16, 24), False),
    ("enc17", "encode", (1, 3, 17, 16, 16), False),
    ("enc33", "encode", (1, 3, 33, 8, 16), False),
    ("enc-tiled", "encode", (1, 3, 17, 40, 48), True),
    ("dec1", "decode", (1, LATENT, 1, 2, 3), False),
    ("dec3", "decode", (2, LATENT, 3, 3, 2), False),
    ("dec4", "decode", (1, LATENT, 4, 2, 2), False),
    ("dec5", "decode", (1, LATENT, 5, 2, 3), False),
    ("dec-tiled", "decode", (1, LATENT, 5, 5, 6), True),
]



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(4)

    model = redraw(AutoencoderKLCogVideoX(**CONFIG).eval(), 11)
    shutil.rmtree(args.out, ignore_errors=True)
    model.save_pretrained(os.path.join(args.out, "vae"), safe_serialization=True)

    g = torch.Generator().manual_seed(5)
    tensors, runs = {}, []
    with torch.no_grad():
        for name, kind, shape, tiled in RUNS:
            if tiled:
                model.enable_tiling(**TILING)
            else:
                model.disable_tiling()
            x = torch.randn(*shape, generator=g)
            if kind == "encode":
                x = x.clamp(-1, 1)  # a video in [-1, 1]
                dist = model.encode(x).latent_dist
                tensors[f"{name}.video"] = x
                tensors[f"{name}.mean"] = dist.mean
                tensors[f"{name}.logvar"] = dist.logvar
                out = dist.mean
            else:
                out = model.decode(x).sample
                tensors[f"{name}.latents"] = x
                tensors[f"{name}.sample"] = out
            runs.append(dict(name=name, kind=kind, input_shape=list(shape),
                             output_shape=list(out.shape), tiling=TILING if tiled else None))
            print(f"{name}: {tuple(shape)} -> {tuple(out.shape)}, max |out| "
                  f"{out.abs().max():.3f}")
    model.disable_tiling()

    versions = {"diffusers_version": diffusers.__version__, "torch_version": torch.__version__}
    save_file({k: v.contiguous().float() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"),
              metadata=dict(versions, runs=json.dumps(runs)))
    with open(os.path.join(args.out, "runs.json"), "w") as f:
        json.dump(dict(versions, config=CONFIG, runs=runs), f, indent=1)
        f.write("\n")
    total = sum(v.numel() * 4 for v in tensors.values())
    print(f"{sum(p.numel() for p in model.parameters())} parameters, {total / 1e6:.2f} MB of "
          f"golden tensors")


if __name__ == "__main__":
    main()
