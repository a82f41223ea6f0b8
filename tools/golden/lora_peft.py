#!/usr/bin/env python3
"""LoRA files across peft/diffusers and motionprobe, on the tiny ModelScope pipeline's UNet
(tests/data/golden/modelscope/pipeline/unet), fp32 on the CPU.

Reads two adapter files our engine wrote (`motionprobe-cli customize` on that pipeline, committed
beside the golden): --ours, a temporal V/O LoRA (rank 4, alpha 8), and --ours-direct, a
direct-tuning file (the tuned weights of the same layers). Writes under --out
(tests/data/golden/lora):
  peft_lora.safetensors  a LoRA made the way ModelScope LoRAs in the wild are made: peft's
                         inject_adapter_in_model on diffusers' UNet3DConditionModel (the same
                         temporal V/O layers, r 4, alpha 8, init_lora_weights=False so that B is
                         not zero), saved by diffusers' save_lora_weights with its
                         lora_adapter_metadata
  golden.safetensors     the inputs (sample, timestep, encoder_hidden_states) and the UNet's
                         output: `base` without adapter, `peft` with peft's adapter, `from_ours`
                         with our LoRA file loaded into peft (LoraConfig from the file's metadata,
                         set_peft_model_state_dict), `from_ours_direct` with our direct file
                         loaded by load_state_dict(strict=False)

    PYTHONPATH=third_party_ref/diffusers/src python3 tools/golden/lora_peft.py \\
        --ours tests/data/golden/lora/ours_lora.safetensors \\
        --ours-direct tests/data/golden/lora/ours_direct.safetensors --out tests/data/golden/lora
"""

import argparse
import json
import os
import tempfile

import diffusers
import peft
import torch
from diffusers import StableDiffusionPipeline, UNet3DConditionModel
from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model, set_peft_model_state_dict
from safetensors import safe_open
from safetensors.torch import load_file, save_file

# Our `temporal-vo` preset (engine/adapters/lora.cpp), as peft's target_modules: a string is
# matched as a whole-name regular expression.
TEMPORAL_VO = (r"((.*\.)?temp_attentions\.\d+|transformer_in)\.transformer_blocks\.\d+"
               r"\.attn[12]\.(to_v|to_out\.0)")


def unet(folder):
    # The golden pipeline ships its UNet as the fp16 variant only (tools/golden/modelscope.py).
    variant = "fp16" if os.path.exists(
        os.path.join(folder, "unet", "diffusion_pytorch_model.fp16.safetensors")) else None
    model = UNet3DConditionModel.from_pretrained(folder, subfolder="unet", variant=variant,
                                                 torch_dtype=torch.float32)
    return model.eval()


def forward(model, inputs):
    with torch.no_grad():
        return model(inputs["sample"], inputs["timestep"],
                     encoder_hidden_states=inputs["encoder_hidden_states"]).sample


def metadata(path):
    with safe_open(path, "pt") as f:
        return f.metadata() or {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="tests/data/golden/modelscope/pipeline")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--ours-direct", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    base = unet(args.model)
    cfg = base.config
    inputs = {
        "sample": torch.randn(2, cfg.in_channels, 3, 8, 12),
        "timestep": torch.tensor([500, 20]),
        "encoder_hidden_states": torch.randn(2, 5, cfg.cross_attention_dim),
    }
    outputs = {"base": forward(base, inputs)}

    # peft's adapter, saved as diffusers saves it.
    config = LoraConfig(r=4, lora_alpha=8, target_modules=TEMPORAL_VO, init_lora_weights=False)
    torch.manual_seed(1)
    model = inject_adapter_in_model(config, unet(args.model))
    outputs["peft"] = forward(model, inputs)
    layers = get_peft_model_state_dict(model)
    adapted = sorted({k.rsplit(".lora_", 1)[0] for k in layers})
    meta = {"r": 4, "lora_alpha": 8, "lora_dropout": 0.0, "target_modules": adapted}
    with tempfile.TemporaryDirectory() as tmp:
        StableDiffusionPipeline.save_lora_weights(tmp, unet_lora_layers=layers,
                                                  unet_lora_adapter_metadata=meta)
        written = os.path.join(tmp, "pytorch_lora_weights.safetensors")
        tensors, header = load_file(written), metadata(written)
    save_file(tensors, os.path.join(args.out, "peft_lora.safetensors"), metadata=header)
    print(f"peft: {len(adapted)} layers, {len(tensors)} tensors, header keys {sorted(header)}")

    # Our LoRA file in peft: the config from its metadata, the weights without the prefix.
    ours_meta = json.loads(metadata(args.ours)["lora_adapter_metadata"])
    ours_config = LoraConfig(r=int(ours_meta["unet.r"]), lora_alpha=ours_meta["unet.lora_alpha"],
                             lora_dropout=ours_meta.get("unet.lora_dropout", 0.0),
                             target_modules=ours_meta["unet.target_modules"])
    model = inject_adapter_in_model(ours_config, unet(args.model))
    ours = {k[len("unet."):]: v for k, v in load_file(args.ours).items() if k.startswith("unet.")}
    result = set_peft_model_state_dict(model, ours)
    unexpected = getattr(result, "unexpected_keys", [])
    if unexpected:
        raise SystemExit(f"peft did not take {len(unexpected)} keys: {unexpected[:3]}")
    outputs["from_ours"] = forward(model, inputs)

    # Our direct-tuning file: the tuned weights themselves.
    model = unet(args.model)
    direct = {k[len("unet."):]: v for k, v in load_file(args.ours_direct).items()}
    missing, unexpected = model.load_state_dict(direct, strict=False)
    if unexpected:
        raise SystemExit(f"direct file: unexpected keys {unexpected[:3]}")
    outputs["from_ours_direct"] = forward(model, inputs)

    for name, value in outputs.items():
        change = ((value - outputs["base"]).norm() / outputs["base"].norm()).item()
        print(f"{name}: relative change from base {change:.3e}")
    tensors = {**inputs, **outputs}
    tensors["timestep"] = tensors["timestep"].to(torch.int64)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(args.out, "golden.safetensors"),
              metadata={"diffusers_version": diffusers.__version__,
                        "peft_version": peft.__version__, "torch_version": torch.__version__})


if __name__ == "__main__":
    main()
