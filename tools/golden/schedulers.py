#!/usr/bin/env python3
"""Golden tensors for the sampling core, produced by diffusers itself.

For each scheduler config (ModelScope, Latte, CogVideoX-2b/5b as their snapshots ship them, plus
configs that cover the remaining DDIM options) this writes

    tests/data/golden/schedulers/<case>/scheduler_config.json
    tests/data/golden/schedulers/<case>/golden.safetensors

holding the ᾱ table, forward and inverse timesteps for several step counts, and step outputs for
fixed inputs under option overrides (ε / v prediction, clip on / off, η = 0 / η > 0 with fixed
noise). The C++ test tests/engine/tst_ddim_scheduler.cpp reads them.

Inverse steps come from diffusers' DDIMInverseScheduler built from the same config. For the
CogVideoX configs its table is replaced by the forward CogVideoXDDIMScheduler's, because
MotionProbe inverts on the table the sampler uses (diffusers' community CogVideoX inversion builds
a different one); the step formula is still diffusers' own.

Run where diffusers' source and PyTorch are available (the GPU machine):
    PYTHONPATH=third_party_ref/src python3 tools/golden/schedulers.py --out tests/data/golden/schedulers
"""

import argparse
import json
import math
import os
import shutil

import torch
from safetensors.torch import save_file

import diffusers
from diffusers import CogVideoXDDIMScheduler, DDIMInverseScheduler, DDIMScheduler

MODELSCOPE = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.15.0.dev0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
    "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": False,
    "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
}
LATTE = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.27.0", "beta_end": 0.02,
    "beta_schedule": "linear", "beta_start": 0.0001, "clip_sample": False,
    "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": True,
    "steps_offset": 0, "timestep_spacing": "leading", "variance_type": "learned_range",
}
COGVIDEOX_2B = {
    "_class_name": "CogVideoXDDIMScheduler", "_diffusers_version": "0.30.0.dev0",
    "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "clip_sample": False, "clip_sample_range": 1.0, "num_train_timesteps": 1000,
    "prediction_type": "v_prediction", "rescale_betas_zero_snr": True, "sample_max_value": 1.0,
    "set_alpha_to_one": True, "snr_shift_scale": 3.0, "steps_offset": 0,
    "timestep_spacing": "trailing", "trained_betas": None,
}
COGVIDEOX_5B = dict(COGVIDEOX_2B, snr_shift_scale=1.0)
# Options the family configs leave untouched.
DDIM_DEFAULTS = {"_class_name": "DDIMScheduler"}
COSINE_ZERO_SNR = {
    "_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "v_prediction", "timestep_spacing": "trailing",
    "rescale_betas_zero_snr": True, "clip_sample": True, "clip_sample_range": 0.5,
}
LINSPACE_SAMPLE = {
    "_class_name": "DDIMScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "beta_end": 0.012, "prediction_type": "sample", "timestep_spacing": "linspace",
    "clip_sample": False, "set_alpha_to_one": False,
}

CASES = {
    "modelscope": MODELSCOPE,
    "latte": LATTE,
    "cogvideox-2b": COGVIDEOX_2B,
    "cogvideox-5b": COGVIDEOX_5B,
    "ddim-defaults": DDIM_DEFAULTS,
    "cosine-zero-snr": COSINE_ZERO_SNR,
    "linspace-sample": LINSPACE_SAMPLE,
}
STEP_COUNTS = [1, 3, 7, 10, 25, 50, 100, 999, 1000]
SHAPE = (1, 4, 2, 3, 3)  # small: the files are committed


def is_cogvideox(config):
    return config["_class_name"].startswith("CogVideoX")


def forward_scheduler(config):
    cls = CogVideoXDDIMScheduler if is_cogvideox(config) else DDIMScheduler
    return cls.from_config(config)


def inverse_scheduler(config):
    inv = DDIMInverseScheduler.from_config(config)
    if is_cogvideox(config):
        fwd = forward_scheduler(config)
        inv.alphas_cumprod = fwd.alphas_cumprod
        inv.initial_alpha_cumprod = fwd.final_alpha_cumprod
    return inv


def variants(config):
    """(name, overrides, eta) rows: ε and v, clip off and on, η = 0 and η > 0."""
    rows = []
    for pred in ("epsilon", "v_prediction", config.get("prediction_type", "epsilon")):
        for clip in (False, True):
            for eta in ((0.0,) if is_cogvideox(config) else (0.0, 0.6)):
                name = f"{pred}-{'clip' if clip else 'noclip'}-eta{eta:g}"
                if any(r[0] == name for r in rows):
                    continue
                rows.append((name, {"prediction_type": pred, "clip_sample": clip}, eta))
    return rows


def main():
    diffusers.utils.logging.set_verbosity_error()  # unknown keys are expected here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(20261122)
    sample = torch.randn(SHAPE, generator=gen) * 1.5
    model_output = torch.randn(SHAPE, generator=gen)
    noise = torch.randn(SHAPE, generator=gen)

    for case, config in CASES.items():
        folder = os.path.join(args.out, case)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(folder, "scheduler_config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)

        tensors = {
            "input.sample": sample,
            "input.model_output": model_output,
            "input.noise": noise,
        }
        fwd = forward_scheduler(config)
        tensors["alphas_cumprod"] = fwd.alphas_cumprod.to(torch.float64)
        tensors["final_alpha_cumprod"] = torch.tensor([float(fwd.final_alpha_cumprod)],
                                                      dtype=torch.float64)
        for n in STEP_COUNTS:
            fwd.set_timesteps(n)
            tensors[f"timesteps.{n}"] = fwd.timesteps.to(torch.int64)
            if config.get("timestep_spacing", "leading") != "linspace":
                inv = inverse_scheduler(config)
                inv.set_timesteps(n)
                tensors[f"inverse_timesteps.{n}"] = inv.timesteps.to(torch.int64)

        steps = []
        for name, overrides, eta in variants(config):
            cfg = dict(config, **overrides)
            for n in (50, 7):
                fwd = forward_scheduler(cfg)
                fwd.set_timesteps(n)
                ts = fwd.timesteps.tolist()
                for i in sorted({0, 1, len(ts) // 2, len(ts) - 1}):
                    t = ts[i]
                    out = fwd.step(model_output, t, sample, eta=eta, variance_noise=noise
                                   if eta > 0 else None, return_dict=False)
                    key = f"step.{name}.{n}.{t}"
                    tensors[key + ".prev"] = out[0].contiguous()
                    tensors[key + ".x0"] = out[1].contiguous()
                    steps.append({"key": key, "overrides": overrides, "eta": eta,
                                  "num_steps": n, "timestep": t, "inverse": False})
                if eta == 0 and cfg.get("timestep_spacing", "leading") != "linspace":
                    inv = inverse_scheduler(cfg)
                    inv.set_timesteps(n)
                    its = inv.timesteps.tolist()
                    for i in sorted({0, 1, len(its) // 2, len(its) - 1}):
                        t = its[i]
                        out = inv.step(model_output, t, sample, return_dict=False)
                        key = f"inverse.{name}.{n}.{t}"
                        tensors[key + ".next"] = out[0].contiguous()
                        tensors[key + ".x0"] = out[1].contiguous()
                        steps.append({"key": key, "overrides": overrides, "eta": 0.0,
                                      "num_steps": n, "timestep": t, "inverse": True})

        # CogVideoX's dynamic CFG, as CogVideoXPipeline writes it (raw timestep t).
        if is_cogvideox(config):
            fwd = forward_scheduler(config)
            fwd.set_timesteps(50)
            g = 6.0
            tensors["dynamic_cfg.50.g6"] = torch.tensor(
                [1 + g * ((1 - math.cos(math.pi * ((50 - t) / 50) ** 5.0)) / 2)
                 for t in fwd.timesteps.tolist()], dtype=torch.float64)

        metadata = {
            "diffusers_version": diffusers.__version__,
            "torch_version": torch.__version__,
            "steps": json.dumps(steps),
            "step_counts": json.dumps(STEP_COUNTS),
        }
        # clone(): a "sample" prediction returns the model output itself, and safetensors refuses
        # tensors that share memory.
        save_file({k: v.clone().contiguous() for k, v in tensors.items()},
                  os.path.join(folder, "golden.safetensors"), metadata=metadata)
        print(f"{case}: {len(tensors)} tensors, {len(steps)} step cases")


if __name__ == "__main__":
    main()
