#!/usr/bin/env python3
"""Full-size text-encoder check on the GPU: the published ModelScope text-encoder config (the SD-2
OpenCLIP-H text tower) with random weights, run by transformers and by
`motionprobe-cli run-component --component text-encoder` in bf16 on CUDA, both compared with a
float32 transformers run. Prints one JSON line.

    python3 tools/gpu/text_encoder_fullsize.py --cli build/engine-gpu/bin/motionprobe-cli
"""

import argparse
import json
import os
import subprocess
import tempfile

import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPTextModel

# text-to-video-ms-1.7b/text_encoder/config.json (as SD 2.1's): eos_token_id 2 → argmax pooling.
CONFIG = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, projection_dim=512,
              num_hidden_layers=23, num_attention_heads=16, max_position_embeddings=77,
              hidden_act="gelu", layer_norm_eps=1e-5, bos_token_id=0, eos_token_id=2,
              pad_token_id=1)


def rel(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = CLIPTextModel(CLIPTextConfig(**CONFIG)).eval()
    ids = torch.randint(1, 49406, (2, 77))
    ids[:, 0] = 49406
    ids[0, 20:] = 0  # "!" padding after an eos, as ModelScope's tokenizer pads
    ids[0, 19] = 49407
    ids[1, 76] = 49407

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(os.path.join(tmp, "text_encoder"), safe_serialization=True)
        with torch.no_grad():
            ref32 = model.cuda()(input_ids=ids.cuda())
            ref16 = model.to(torch.bfloat16)(input_ids=ids.cuda())
        save_file({"input_ids": ids}, os.path.join(tmp, "in.safetensors"))
        run = subprocess.run([args.cli, "run-component", "--model",
                              os.path.join(tmp, "text_encoder"), "--component", "text-encoder",
                              "--inputs", os.path.join(tmp, "in.safetensors"), "--out",
                              os.path.join(tmp, "out.safetensors"), "--device", "cuda",
                              "--dtype", "bf16"], capture_output=True, text=True)
        if run.returncode != 0:
            print(json.dumps({"error": run.stderr.strip()}))
            return
        ours = load_file(os.path.join(tmp, "out.safetensors"))
    h32 = ref32.last_hidden_state.float().cpu()
    p32 = ref32.pooler_output.float().cpu()
    print(json.dumps({
        "config": "ModelScope text encoder (23 layers, width 1024, gelu), random weights",
        "device": torch.cuda.get_device_name(),
        "ours_bf16_vs_fp32_hidden": rel(ours["last_hidden_state"].float(), h32),
        "transformers_bf16_vs_fp32_hidden": rel(ref16.last_hidden_state.float().cpu(), h32),
        "ours_vs_transformers_bf16_hidden": rel(ours["last_hidden_state"].float(),
                                                ref16.last_hidden_state.float().cpu()),
        "ours_bf16_vs_fp32_pooled": rel(ours["pooler_output"].float(), p32),
        "transformers_bf16_vs_fp32_pooled": rel(ref16.pooler_output.float().cpu(), p32),
        "cli_stderr": run.stderr.strip()[-200:],
    }))


if __name__ == "__main__":
    main()
