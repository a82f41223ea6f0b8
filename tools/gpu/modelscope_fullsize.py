#!/usr/bin/env python3
"""Full-size ModelScope check on the GPU, diffusers vs motionprobe in the same run.

1. Parity: the published UNet3DConditionModel config (= class defaults) and the SD VAE config with
   random weights (redrawn so no block is an identity, rounded to bf16 and saved as bf16), run by
   `motionprobe-cli run-component` in bf16 on CUDA and by diffusers in bf16 and fp32 (TF32 off).
   Relative L2 errors against the fp32 run are printed for both bf16 runs.
2. Speed: diffusers' eager UNet forward (as ../shared/bench/diffusers_anchor.py times it: bf16,
   batch 2, 16x32x32 latents, 3 warm-up + 10 timed) and `motionprobe-cli bench` on the same weights
   and shapes, one after the other on the same GPU. FLOPs from torch's FlopCounterMode.

    PYTHONPATH=third_party_ref/src python3 tools/gpu/modelscope_fullsize.py \
        --cli build/engine-gpu/bin/motionprobe-cli --work /tmp/ms
Prints one JSON line per result.
"""

import argparse
import json
import math
import os
import subprocess
import time

import torch
from diffusers import AutoencoderKL, UNet3DConditionModel
from safetensors.torch import load_file, save_file
from torch.utils.flop_counter import FlopCounterMode

SD_VAE = dict(in_channels=3, out_channels=3, latent_channels=4,
              down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
              block_out_channels=(128, 256, 512, 512), layers_per_block=2, norm_num_groups=32,
              sample_size=256, scaling_factor=0.18215)


def redraw(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.05 * torch.randn_like(p))
            p.copy_(p.bfloat16().float())
    return model.eval()


def rel(a, b):
    a, b = a.double().cpu(), b.double().cpu()
    return float((a - b).norm() / b.norm())


def cli(args, *argv):
    t0 = time.perf_counter()
    r = subprocess.run([args.cli, *argv], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}: {r.stderr.strip()[-2000:]}")
    return r.stdout, time.perf_counter() - t0


def run_component(args, folder, component, inputs):
    save_file({k: v.contiguous().cpu() for k, v in inputs.items()}, f"{args.work}/in.safetensors")
    _, secs = cli(args, "run-component", "--model", folder, "--component", component, "--inputs",
                  f"{args.work}/in.safetensors", "--out", f"{args.work}/out.safetensors",
                  "--device", "cuda", "--dtype", "bf16")
    return load_file(f"{args.work}/out.safetensors"), secs


def parity(args, name, model, component, inputs, call, outputs):
    folder = f"{args.work}/{name}"
    model.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)
    ours, secs = run_component(args, folder, component, inputs)
    with torch.no_grad():
        ref16 = call(model.cuda(), {k: v.cuda() for k, v in inputs.items()}, torch.bfloat16)
        ref32 = call(model.float(), {k: v.cuda() for k, v in inputs.items()}, torch.float32)
    model.cpu()
    torch.cuda.empty_cache()
    for key, ref_key in outputs.items():
        print(json.dumps(dict(case=f"{name}_{key}_parity", ours_vs_fp32=rel(ours[key], ref32[ref_key]),
                              diffusers_bf16_vs_fp32=rel(ref16[ref_key], ref32[ref_key]),
                              ours_vs_diffusers_bf16=rel(ours[key], ref16[ref_key]),
                              shape=list(ours[key].shape), cli_seconds=round(secs, 1))), flush=True)
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--work", default="/tmp/modelscope-fullsize")
    parser.add_argument("--skip-parity", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    unet = redraw(UNet3DConditionModel(), 0)
    torch.manual_seed(1)
    sample = torch.randn(2, 4, 16, 32, 32)
    t = torch.tensor([981, 500])
    ctx = torch.randn(2, 77, 1024)

    def unet_call(m, kw, dt):
        return {"sample": m.to(dt)(kw["sample"].to(dt), kw["timestep"],
                                   encoder_hidden_states=kw["encoder_hidden_states"].to(dt)).sample.float()}

    folder = f"{args.work}/unet"
    if args.skip_parity:
        unet.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)
    else:
        parity(args, "unet", unet, "unet",
               {"sample": sample, "timestep": t, "encoder_hidden_states": ctx}, unet_call,
               {"sample": "sample"})
        vae = redraw(AutoencoderKL(**SD_VAE), 2)
        torch.manual_seed(3)
        latents = torch.randn(1, 4, 16, 32, 32)
        video = torch.rand(1, 3, 4, 256, 256) * 2 - 1

        def decode_call(m, kw, dt):
            z = kw["latents"].to(dt)
            frames = z.permute(0, 2, 1, 3, 4).reshape(-1, 4, 32, 32)
            x = m.to(dt).decode(frames).sample.float()
            return {"sample": x.reshape(1, 16, 3, 256, 256).permute(0, 2, 1, 3, 4)}

        def encode_call(m, kw, dt):
            x = kw["sample"].to(dt).permute(0, 2, 1, 3, 4).reshape(-1, 3, 256, 256)
            d = m.to(dt).encode(x).latent_dist
            back = lambda y: y.float().reshape(1, 4, 4, 32, 32).permute(0, 2, 1, 3, 4)
            return {"latent_mean": back(d.mean), "latent_logvar": back(d.logvar)}

        parity(args, "vae_decode", vae, "vae-decode", {"latents": latents}, decode_call,
               {"sample": "sample"})
        parity(args, "vae_encode", vae, "vae-encode", {"sample": video}, encode_call,
               {"latent_mean": "latent_mean"})

    # Speed, diffusers first, then ours, same weights and shapes.
    dev, dt = "cuda", torch.bfloat16
    m = unet.to(dev, dt).eval()
    kw = dict(sample=torch.randn(2, 4, 16, 32, 32, device=dev, dtype=dt),
              timestep=torch.tensor([981, 981], device=dev),
              encoder_hidden_states=torch.randn(2, 77, 1024, device=dev, dtype=dt))
    fwd = lambda: m(**kw, return_dict=False)
    with torch.no_grad():
        for _ in range(3):
            fwd()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        for _ in range(10):
            fwd()
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) / 10 * 1000
        with FlopCounterMode(display=False) as fc:
            fwd()
        flops = fc.get_total_flops()
    peak = torch.cuda.max_memory_allocated() / 2**30
    print(json.dumps(dict(case="diffusers_unet3d_16x256_bs2", step_ms=round(ms, 2),
                          tflop=round(flops / 1e12, 2), achieved_tflops=round(flops / ms / 1e9, 1),
                          peak_GiB=round(peak, 2))), flush=True)
    del m, kw
    unet.cpu()
    torch.cuda.empty_cache()
    for mode in ("eager", "cuda-graph"):
        extra = ["--no-cuda-graph"] if mode == "eager" else []
        out, _ = cli(args, "bench", "--model", folder, "--component", "unet", "--device", "cuda",
                     "--dtype", "bf16", "--batch", "2", "--frames", "16", "--height", "32",
                     "--width", "32", "--warmup", "3", "--reps", "10", *extra)
        ours = json.loads(out.strip().splitlines()[-1])
        ours.update(case=f"motionprobe_unet3d_16x256_bs2_{mode}",
                    achieved_tflops=round(flops / ours["step_ms"] / 1e9, 1),
                    speedup_vs_diffusers=round(ms / ours["step_ms"], 3))
        print(json.dumps(ours), flush=True)
    print(json.dumps(dict(torch=torch.__version__, gpu=torch.cuda.get_device_name())), flush=True)


if __name__ == "__main__":
    main()
